"""Score single- and multiple-choice answers, and shuffle options per attempt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from app.scoring.types import AnswerFormatError, Feedback, Score


def _field(option: Any, name: str, default: Any) -> Any:
    """Read a field of an Option model or of a plain dict."""
    if isinstance(option, Mapping):
        return option.get(name, default)
    return getattr(option, name, default)


def _quoted(option: Any) -> str:
    return f"\u201c{_field(option, 'text', '')}\u201d"


def _with_why(option: Any) -> str:
    why = str(_field(option, "why", "") or "").strip()
    return f"{_quoted(option)} \u2014 {why}" if why else _quoted(option)


def _check_selection(selected: Sequence[int], n: int, multiple: bool) -> list[int]:
    picks: list[int] = []
    for s in selected:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise AnswerFormatError(f"{s!r} is not an option number")
        if not 0 <= int(s) < n:
            raise AnswerFormatError(
                f"there is no option {int(s)}; options are numbered 0 to {n - 1}"
            )
        if int(s) not in picks:
            picks.append(int(s))
    if not picks:
        raise AnswerFormatError("select at least one option" if multiple else "select an option")
    if not multiple and len(picks) > 1:
        raise AnswerFormatError("select exactly one option")
    return picks


def score_choice(selected: Sequence[int], *, options: Sequence[Any], multiple: bool) -> Score:
    """Score picks (indices into the original option list): partial credit for multiple choice."""
    picks = _check_selection(selected, len(options), multiple)
    right = [i for i, o in enumerate(options) if _field(o, "correct", False)]
    if not right:
        raise ValueError("a choice question needs at least one right option")
    hits = [i for i in picks if i in right]
    wrong = [i for i in picks if i not in right]
    missed = [i for i in right if i not in picks]
    # Each wrong pick cancels a right one, so ticking every box earns nothing.
    value = max(0.0, (len(hits) - len(wrong)) / len(right))
    correct = value >= 0.999
    covered_texts = [str(_field(options[i], "text", "")) for i in hits]
    missed_texts = [str(_field(options[i], "text", "")) for i in missed]
    if correct:
        why = " ".join(
            str(_field(options[i], "why", "")).strip()
            for i in hits
            if str(_field(options[i], "why", "")).strip()
        )
        head = "Correct." if not multiple else f"Correct: you found all {len(right)} right options."
        return Score(1.0, True, Feedback(covered_texts, [], f"{head} {why}".strip()))
    if multiple:
        parts = [f"You chose {len(hits)} of {len(right)} right options and {len(wrong)} wrong."]
    else:
        parts = ["Not this one."]
    parts += [f"Wrong pick: {_with_why(options[i])}" for i in wrong]
    if missed:
        label = "Missed" if multiple else "The right answer is"
        parts.append(f"{label}: " + "; ".join(_with_why(options[i]) for i in missed) + ".")
    message = " ".join(p if p.endswith(".") else p + "." for p in parts)
    return Score(float(value), False, Feedback(covered_texts, missed_texts, message))


def shuffled_order(n_options: int, seed: int) -> list[int]:
    """A stable permutation of range(n_options) for one attempt, from numpy default_rng(seed)."""
    if n_options < 0:
        raise ValueError("n_options must be >= 0")
    return [int(i) for i in np.random.default_rng(seed).permutation(n_options)]
