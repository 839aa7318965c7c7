"""The result types shared by every scorer, and the error for unreadable answers."""

from __future__ import annotations

from dataclasses import dataclass

# The route refuses longer answers; the scorers still guard themselves against them.
MAX_ANSWER_CHARS = 10_000


class AnswerFormatError(ValueError):
    """An answer the scorer cannot read; str(error) is a reason fit to show the learner."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Feedback:
    """What the answer covered and missed, and a message for the learner."""

    covered: list[str]
    missed: list[str]
    message: str
    mistake: str | None = None  # name of a known mistake the answer matched


@dataclass(frozen=True)
class Score:
    """A score in [0, 1], whether it counts as correct, and the feedback."""

    value: float
    correct: bool
    feedback: Feedback
