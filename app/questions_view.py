"""Plain data for templates and the API, built from a question and its version."""

from __future__ import annotations

import secrets
from typing import Any

from app.answers import MAX_SEED, Shown, present
from app.bank_schema import QuestionSpec
from app.models import Question, QuestionVersion

_SPECS: dict[tuple[int, str], QuestionSpec] = {}


def spec_of(version: QuestionVersion) -> QuestionSpec:
    """The validated spec of a version, cached per process by id and content hash."""
    # Versions never change; the hash guards against an id reused by another database or a rollback.
    key = (version.id, version.content_hash)
    spec = _SPECS.get(key)
    if spec is None:
        spec = QuestionSpec.model_validate(version.spec)
        if len(_SPECS) > 5000:
            _SPECS.clear()
        _SPECS[key] = spec
    return spec


def parse_seed(raw: Any) -> int:
    """A seed from user input; raises ValueError with a reason."""
    if raw is None or raw == "":
        return secrets.randbelow(MAX_SEED)
    if isinstance(raw, bool):
        raise ValueError("seed must be a whole number")
    try:
        seed = int(raw)
    except (TypeError, ValueError):
        raise ValueError("seed must be a whole number") from None
    if isinstance(raw, float) and raw != seed:
        raise ValueError("seed must be a whole number")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and {MAX_SEED}")
    return seed


def uses_seed(spec: QuestionSpec) -> bool:
    """Whether a question's instance depends on the seed (computed values, shuffled options)."""
    return spec.type in ("computed", "single_choice", "multiple_choice")


def question_card(question: Question, version: QuestionVersion, seed: int) -> tuple[QuestionSpec, Shown, dict[str, Any]]:
    """Everything a question page needs, as plain data."""
    spec = spec_of(version)
    shown = present(spec, version.html, seed)
    data = {
        "id": question.id, "slug": question.slug, "topic": question.topic.slug, "topic_name": question.topic.name,
        "difficulty": question.difficulty, "type": question.type, "version": version.number, "seed": seed,
        "uses_seed": uses_seed(spec), "prompt_html": shown.prompt_html, "choices": shown.choices,
        "answer_format": shown.answer_format, "tags": spec.tags,
    }
    return spec, shown, data


def question_json(question: Question, version: QuestionVersion, seed: int) -> dict[str, Any]:
    """The API's view of a question for one seed."""
    spec, shown, _ = question_card(question, version, seed)
    prompt = spec.prompt
    if shown.instance is not None:
        prompt = prompt.rstrip() + "\n\n" + shown.instance.prompt
    out: dict[str, Any] = {
        "id": question.id, "slug": question.slug, "topic": question.topic.slug, "difficulty": question.difficulty,
        "type": question.type, "version": version.number, "seed": seed, "prompt": prompt,
        "prompt_html": shown.prompt_html,
    }
    if shown.choices:
        out["choices"] = [{"id": c["id"], "text": c["text"]} for c in shown.choices]
    if shown.answer_format:
        out["answer_format"] = shown.answer_format
    return out
