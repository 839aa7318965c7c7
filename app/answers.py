"""One place that turns (question version, seed, raw answer) into a score, feedback and worked answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.bank_schema import QuestionSpec
from app.generators import get_generator
from app.rendering import render_markdown
from app.scoring import (
    AnswerFormatError,
    Feedback,
    Score,
    parse_numbers,
    score_choice,
    score_free_text,
    score_numeric,
    shuffled_order,
    values_match,
)

MAX_SEED = 2**31 - 1


class AnswerRejected(ValueError):
    """An answer that cannot be scored as given (unreadable, wrong kind); the reason is shown."""


@dataclass(frozen=True)
class Shown:
    """A question as a learner sees it for one seed: prompt HTML, choices in display order."""

    prompt_html: str
    choices: list[dict[str, Any]] = field(default_factory=list)  # [{"id", "html", "text"}]
    answer_format: str = ""
    instance: Any = None  # the generator Instance for computed questions
    model_answer_html: str = ""  # the instance's model answer (computed questions)


@dataclass(frozen=True)
class Evaluation:
    """The outcome of scoring one answer."""

    score: Score
    expected_html: str
    expected_text: str
    worked: list[dict[str, Any]] | None
    answer: Any  # the answer as stored (normalised)

    def feedback_dict(self) -> dict[str, Any]:
        """The feedback as JSON-ready data."""
        fb = self.score.feedback
        return {"covered": list(fb.covered), "missed": list(fb.missed), "message": fb.message, "mistake": fb.mistake}


def present(spec: QuestionSpec, html: dict[str, Any], seed: int) -> Shown:
    """What the learner sees for this seed: computed questions instantiated, choices shuffled."""
    if spec.type == "computed":
        instance = get_generator(spec.generator).instantiate(seed, spec.params or None)
        prompt = html["prompt"] + render_markdown(instance.prompt)
        return Shown(prompt_html=prompt, answer_format=instance.answer_format, instance=instance,
                     model_answer_html=render_markdown(instance.model_answer))
    if spec.type in ("single_choice", "multiple_choice"):
        order = shuffled_order(len(spec.options), seed)
        choices = [{"id": i, "html": html["options"][i]["text"], "text": spec.options[i].text} for i in order]
        return Shown(prompt_html=html["prompt"], choices=choices)
    fmt = "a number, a shape like 10x10, or a list like [0.1, 0.2]" if spec.type == "numeric" else ""
    return Shown(prompt_html=html["prompt"], answer_format=fmt)


def _choice_ids(spec: QuestionSpec, answer: Any) -> list[int]:
    """Read a choice answer: option ids (ints or digit strings) or option texts."""
    items = answer if isinstance(answer, list) else [answer]
    if spec.type == "single_choice" and len(items) != 1:
        raise AnswerRejected("pick exactly one option")
    ids: list[int] = []
    texts = {o.text.strip().lower(): i for i, o in enumerate(spec.options)}
    for item in items:
        if isinstance(item, bool):
            raise AnswerRejected("an option is given by its id or its text")
        if isinstance(item, int) or (isinstance(item, str) and item.strip().isdigit()):
            idx = int(item)
            if not 0 <= idx < len(spec.options):
                raise AnswerRejected(f"there is no option {idx}; options are numbered 0 to {len(spec.options) - 1}")
        elif isinstance(item, str) and item.strip().lower() in texts:
            idx = texts[item.strip().lower()]
        else:
            raise AnswerRejected("an option is given by its id or its exact text")
        if idx not in ids:
            ids.append(idx)
    if not ids:
        raise AnswerRejected("pick at least one option")
    return ids


def _text(answer: Any) -> str:
    if isinstance(answer, bool) or not isinstance(answer, (str, int, float, list)):
        raise AnswerRejected("the answer must be text")
    if isinstance(answer, list):
        return str(answer)
    return str(answer)


def _choice_expected(spec: QuestionSpec, html: dict[str, Any]) -> str:
    right = [html["options"][i]["text"] for i, o in enumerate(spec.options) if o.correct]
    return "<ul>" + "".join(f"<li>{r}</li>" for r in right) + "</ul>"


def _matched_mistake(given: Any, instance: Any) -> Any:
    """The known mistake whose value the answer's values equal (by the scorer's own rule), if any."""
    for mistake in instance.mistakes:
        if values_match(given, mistake.value, atol=instance.atol, rtol=instance.rtol):
            return mistake
    return None


def evaluate(spec: QuestionSpec, html: dict[str, Any], *, seed: int, answer: Any, shown: Shown | None = None) -> Evaluation:
    """Score an answer to one question version; raises AnswerRejected with a reason.

    `shown` is present(spec, html, seed) when the caller already has it (it is the costly part).
    """
    if spec.type in ("single_choice", "multiple_choice"):
        ids = _choice_ids(spec, answer)
        score = score_choice(ids, options=spec.options, multiple=spec.type == "multiple_choice")
        return Evaluation(score, _choice_expected(spec, html), spec.model_answer, None, ids)
    text = _text(answer).strip()
    if not text:
        raise AnswerRejected("the answer is empty")
    if spec.type == "free_text":
        score = score_free_text(text, rubric=spec.rubric, prompt=spec.prompt)
        return Evaluation(score, html["model_answer"], spec.model_answer, None, text)
    try:
        if spec.type == "numeric":
            a = spec.answer
            score = score_numeric(text, expected=a.value, atol=a.atol, rtol=a.rtol, sig_figs=a.sig_figs)
            return Evaluation(score, html["model_answer"], spec.model_answer, None, text)
        shown = shown or present(spec, html, seed)
        instance = shown.instance
        parsed = parse_numbers(text)  # once: the known mistakes are compared with the same values
        score = score_numeric(text, expected=instance.answer, atol=instance.atol, rtol=instance.rtol, parsed=parsed)
    except AnswerFormatError as exc:
        raise AnswerRejected(str(exc)) from exc
    if not score.correct:
        mistake = _matched_mistake(parsed.values, instance)
        if mistake is not None:
            fb = score.feedback
            score = Score(
                score.value, False,
                Feedback(fb.covered, fb.missed, f"{fb.message} This looks like a common mistake: {mistake.name}. "
                         f"{mistake.explanation}", mistake.name),
            )
    return Evaluation(score, shown.model_answer_html, instance.model_answer, instance.steps, text)
