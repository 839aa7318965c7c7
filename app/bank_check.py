"""`deepprep check-bank`: every question validated, self-scored and rendered, with line numbers."""

from __future__ import annotations

from pathlib import Path

import yaml

from app.answers import evaluate
from app.bank import BankError, load_bank, render_spec
from app.bank_schema import QuestionSpec
from app.generators import GENERATORS
from app.rendering import MathError
from app.scoring import score_free_text, score_numeric

SEEDS_PER_GENERATOR = 200


def _question_lines(path: Path) -> dict[str, int]:
    """The line each question's slug is on, for error messages."""
    lines: dict[str, int] = {}
    node = yaml.compose(path.read_text(encoding="utf-8"))
    for key, value in getattr(node, "value", []):
        if key.value == "questions" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                for k, v in item.value:
                    if k.value == "slug":
                        lines[v.value] = k.start_mark.line + 1
    return lines


def check_question(spec: QuestionSpec, seeds: int = SEEDS_PER_GENERATOR) -> list[str]:
    """Problems with one question beyond its schema."""
    return [message for _, message in question_problems(spec, seeds)]


def question_problems(spec: QuestionSpec, seeds: int = SEEDS_PER_GENERATOR) -> list[tuple[str, str]]:
    """(field, problem) pairs beyond the schema: the bank's check and the admin editor's.

    The field is the spec field at fault: answer, model_answer, rubric, generator, or the field
    holding a formula that does not render (prompt, model_answer, explanation, options).
    """
    problems: list[tuple[str, str]] = []
    try:
        html = render_spec(spec)
    except MathError as exc:
        return [(formula_field(spec, exc.latex), str(exc))]
    if spec.type == "numeric":
        a = spec.answer
        for shown in a.forms or [repr(a.value)]:
            own = score_numeric(shown, expected=a.value, atol=a.atol, rtol=a.rtol, sig_figs=a.sig_figs)
            if own.value < 1.0:
                problems.append(("answer", f"the numeric answer {shown!r} does not score 100% against itself"))
    elif spec.type == "free_text":
        own = score_free_text(spec.model_answer, rubric=spec.rubric, prompt=spec.prompt)
        if own.value < 0.9:
            problems.append(("model_answer", f"the model answer scores {own.value:.0%} on its own rubric (needs 90%); "
                                             f"missed: {', '.join(own.feedback.missed)}"))
        if score_free_text("", rubric=spec.rubric, prompt=spec.prompt).value != 0:
            problems.append(("rubric", "an empty answer scores above 0"))
    elif spec.type == "computed":
        if spec.generator not in GENERATORS:
            return [("generator", f"unknown generator '{spec.generator}'; known: {', '.join(sorted(GENERATORS))}")]
        for seed in range(seeds):
            try:
                instance = GENERATORS[spec.generator].instantiate(seed, spec.params or None)
                right = evaluate(spec, html, seed=seed, answer=_as_text(instance.answer))
            except Exception as exc:  # a generator bug of any kind is a bank error to report
                problems.append(("generator", f"generator '{spec.generator}' fails for seed {seed}: "
                                              f"{type(exc).__name__}: {exc}"))
                break
            if not right.score.correct:
                problems.append(("generator", f"seed {seed}: the generator's own answer {instance.answer!r} "
                                              "is not scored correct"))
                break
    return problems


def formula_field(spec: QuestionSpec, latex: str) -> str:
    """The field whose text holds a formula (the prompt when it cannot be told)."""
    texts = [("prompt", spec.prompt), ("model_answer", spec.model_answer), ("explanation", spec.explanation)]
    texts += [("options", f"{o.text} {o.why}") for o in spec.options or []]
    for name, text in texts:
        if latex and latex in text:
            return name
    return "prompt"


def _as_text(value: object) -> str:
    return repr(value.tolist()) if hasattr(value, "tolist") else repr(value)


def check_bank(questions_dir: Path, seeds: int = SEEDS_PER_GENERATOR) -> list[BankError]:
    """Every problem in the bank, each with its file and line."""
    topics, errors = load_bank(questions_dir)
    for topic in topics:
        path = questions_dir / f"{topic.topic}.yaml"
        if not path.exists():
            path = next(p for p in questions_dir.glob("*.yaml") if f"topic: {topic.topic}" in p.read_text())
        lines = _question_lines(path)
        for spec in topic.questions:
            for problem in check_question(spec, seeds):
                errors.append(BankError(path.name, lines.get(spec.slug, 1), f"{spec.slug}: {problem}"))
    return errors
