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
    problems: list[str] = []
    try:
        html = render_spec(spec)
    except MathError as exc:
        return [str(exc)]
    if spec.type == "numeric":
        a = spec.answer
        shown = a.forms[0] if a.forms else repr(a.value)
        own = score_numeric(str(a.value) if not a.forms else shown, expected=a.value, atol=a.atol, rtol=a.rtol,
                            sig_figs=a.sig_figs)
        if own.value < 1.0:
            problems.append(f"the numeric answer {shown!r} does not score 100% against itself")
    elif spec.type == "free_text":
        own = score_free_text(spec.model_answer, rubric=spec.rubric, prompt=spec.prompt)
        if own.value < 0.9:
            problems.append(f"the model answer scores {own.value:.0%} on its own rubric (needs 90%); "
                            f"missed: {', '.join(own.feedback.missed)}")
        if score_free_text("", rubric=spec.rubric, prompt=spec.prompt).value != 0:
            problems.append("an empty answer scores above 0")
    elif spec.type == "computed":
        if spec.generator not in GENERATORS:
            return [f"unknown generator '{spec.generator}'; known: {', '.join(sorted(GENERATORS))}"]
        for seed in range(seeds):
            try:
                instance = GENERATORS[spec.generator].instantiate(seed, spec.params or None)
                right = evaluate(spec, html, seed=seed, answer=_as_text(instance.answer))
            except Exception as exc:  # a generator bug of any kind is a bank error to report
                problems.append(f"generator '{spec.generator}' fails for seed {seed}: {type(exc).__name__}: {exc}")
                break
            if not right.score.correct:
                problems.append(f"seed {seed}: the generator's own answer {instance.answer!r} is not scored correct")
                break
    return problems


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
