"""The schema of a question in questions/*.yaml, validated with pydantic."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
Difficulty = Literal["beginner", "intermediate", "advanced"]
QuestionType = Literal["free_text", "single_choice", "multiple_choice", "numeric", "computed"]
DIFFICULTIES: tuple[str, ...] = ("beginner", "intermediate", "advanced")
QUESTION_TYPES: tuple[str, ...] = (
    "free_text",
    "single_choice",
    "multiple_choice",
    "numeric",
    "computed",
)


class Strict(BaseModel):
    """Base model that refuses unknown keys, so typos in YAML are reported."""

    # NaN and infinity are no answer, weight or tolerance (a NaN expected value fails every answer).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class KeyPoint(Strict):
    """One weighted key point of a free-text rubric."""

    point: Annotated[str, Field(min_length=3, max_length=300)]
    weight: Annotated[float, Field(gt=0, le=10)] = 1.0
    # Accepted phrasings and synonyms; matched fuzzily (typos, word order, inflection).
    phrasings: Annotated[list[Annotated[str, Field(min_length=2)]], Field(min_length=1)]
    # Phrasings that state the opposite of the point ("overfitting ... high bias"); an answer
    # matching one earns nothing for the point. Matched in order within one clause: the words
    # of a part must follow each other (stopwords between are allowed), "..." allows any gap.
    contradicts: list[Annotated[str, Field(min_length=2)]] = []


class Option(Strict):
    """One option of a choice question; wrong options say why they are wrong."""

    text: Annotated[str, Field(min_length=1, max_length=1000)]
    correct: bool = False
    why: str = ""


class NumericAnswer(Strict):
    """The expected value of a numeric question and how closely it must be matched."""

    value: float | list[float] | list[list[float]]
    atol: Annotated[float, Field(ge=0)] = 1e-8
    rtol: Annotated[float, Field(ge=0, le=1)] = 1e-2  # 1 already accepts anything within 100%
    sig_figs: Annotated[int, Field(ge=1, le=15)] | None = None
    # How the answer is usually written, e.g. "10x10"; shown in the model answer.
    forms: list[str] = []


class QuestionSpec(Strict):
    """A question as authored in questions/*.yaml (and the admin API)."""

    slug: Annotated[str, Field(min_length=3, max_length=80)]
    difficulty: Difficulty
    type: QuestionType
    prompt: Annotated[str, Field(min_length=10, max_length=20000)]
    model_answer: Annotated[str, Field(min_length=1, max_length=20000)]
    explanation: Annotated[str, Field(min_length=1, max_length=20000)]
    sources: list[str] = []
    tags: list[str] = []
    # free_text
    rubric: list[KeyPoint] | None = None
    # single_choice / multiple_choice
    options: list[Option] | None = None
    # numeric
    answer: NumericAnswer | None = None
    # computed: the generator's name (app.generators) and fixed parameters for it
    generator: str | None = None
    params: dict[str, Any] = {}

    @field_validator("slug")
    @classmethod
    def _slug_shape(cls, v: str) -> str:
        if not SLUG_RE.match(v):
            raise ValueError("slug must be lowercase words joined by single hyphens")
        return v

    @model_validator(mode="after")
    def _fits_type(self) -> QuestionSpec:
        t = self.type
        need = {
            "free_text": "rubric",
            "single_choice": "options",
            "multiple_choice": "options",
            "numeric": "answer",
            "computed": "generator",
        }[t]
        if getattr(self, need) in (None, []):
            raise ValueError(f"a {t} question needs '{need}'")
        for other in ("rubric", "options", "answer", "generator"):
            if other != need and getattr(self, other) not in (None, []):
                raise ValueError(f"a {t} question must not have '{other}'")
        if self.options is not None:
            if len(self.options) < 2:
                raise ValueError("a choice question needs at least two options")
            right = sum(o.correct for o in self.options)
            if t == "single_choice" and right != 1:
                raise ValueError(f"a single_choice question needs exactly one right option, not {right}")
            if t == "multiple_choice" and right < 1:
                raise ValueError("a multiple_choice question needs at least one right option")
            texts = [o.text for o in self.options]
            if len(set(texts)) != len(texts):
                raise ValueError("options must differ from each other")
        return self


class TopicFile(Strict):
    """One questions/<topic>.yaml file."""

    topic: Annotated[str, Field(min_length=2, max_length=60)]
    name: Annotated[str, Field(min_length=2, max_length=100)]
    description: str = ""
    position: int = 100
    questions: list[QuestionSpec]

    @field_validator("topic")
    @classmethod
    def _topic_shape(cls, v: str) -> str:
        if not SLUG_RE.match(v):
            raise ValueError("topic must be lowercase words joined by single hyphens")
        return v
