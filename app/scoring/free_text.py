"""Score a free-text answer against a rubric of weighted key points."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.scoring.text_match import compile_rubric, match_rubric, rubric_key
from app.scoring.types import MAX_ANSWER_CHARS, Feedback, Score

CORRECT_AT = 0.7


def _join(labels: list[str]) -> str:
    return "; ".join(labels)


def score_free_text(answer: str, *, rubric: Sequence[Any], prompt: str = "") -> Score:
    """Score = covered weight / total weight of the rubric's key points; correct at >= 0.7.

    A key point whose contradiction (KeyPoint.contradicts) the answer states is not covered, and
    such an answer is never marked correct: stating a key fact the wrong way round is an error.
    """
    compiled = compile_rubric(rubric_key(rubric))
    total = compiled.total_weight
    if not isinstance(answer, str) or total <= 0:
        return Score(
            0.0, False, Feedback([], [p.label for p in compiled.points], "No answer to score.")
        )
    # The route refuses longer answers; cutting here keeps the scorer's cost bounded regardless.
    results = match_rubric(answer[:MAX_ANSWER_CHARS], compiled, prompt=prompt or "")
    covered = [r.label for r in results if r.found]
    missed = [r.label for r in results if not r.found]
    value = min(1.0, max(0.0, sum(r.weight for r in results if r.found) / total))
    # Found only negated ("does not prevent overfitting"), or a contradiction of the point
    # matched ("overfitting ... high bias"): the point earns nothing and the feedback says so.
    negated = [r.label for r in results if r.negated or r.contradicted]
    n = len(results)
    if not answer.strip():
        message = "The answer is empty."
    elif not covered:
        message = f"Your answer did not cover any of the {n} key points." if n != 1 else "Your answer did not cover the key point."
    elif not missed:
        message = f"You covered all {n} key points." if n != 1 else "You covered the key point."
    else:
        message = f"You covered {len(covered)} of {n} key points."
    if covered and missed:
        message += f" Covered: {_join(covered)}."
    if missed:
        message += f" Missed: {_join(missed)}."
    if negated:
        message += f" Your answer states the opposite of: {_join(negated)}."
    value = round(value, 4)
    contradicted = any(r.contradicted for r in results)
    return Score(value, value >= CORRECT_AT and not contradicted, Feedback(covered, missed, message))
