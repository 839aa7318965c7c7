"""Questions as plain data for pages and the API: one light query, version content cached per process."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from app.answers import MAX_SEED, Shown, present
from app.bank_schema import QuestionSpec
from app.db import Statements
from app.lru import Lru
from app.models import Question, QuestionVersion, Topic, id_ref


@dataclass(frozen=True)
class QuestionRef:
    """One version of a question, with everything pages and scoring need (no lazy loads)."""

    id: int
    slug: str
    topic: str
    topic_name: str
    archived: bool
    version_id: int
    version_number: int
    is_current: bool
    content_hash: str
    spec: QuestionSpec
    html: dict[str, Any]

    @property
    def type(self) -> str:
        """The question type of this version."""
        return self.spec.type

    @property
    def difficulty(self) -> str:
        """The difficulty of this version."""
        return self.spec.difficulty


# Versions never change, so their decoded content is kept per process, keyed by id and content hash
# (the hash guards against an id reused by another database or after a rollback).
_CONTENT: dict[tuple[int, str], tuple[QuestionSpec, dict[str, Any]]] = {}
_CONTENT_LIMIT = 20_000


_VERSION_CONTENT = select(QuestionVersion.spec, QuestionVersion.html).where(QuestionVersion.id == bindparam("id"))


def _content(source: Session | Statements | None, version_id: int, content_hash: str,
             loaded: QuestionVersion | None = None) -> tuple[QuestionSpec, dict[str, Any]]:
    """A version's validated spec and HTML: from the cache, the loaded row, or one query."""
    key = (version_id, content_hash)
    hit = _CONTENT.get(key)
    if hit is None:
        if loaded is not None:
            spec_data, html = loaded.spec, loaded.html
        else:
            stmts = Statements.of(source) if isinstance(source, Session) else source
            spec_data, html = stmts.first(_VERSION_CONTENT, {"id": version_id})
        hit = (QuestionSpec.model_validate(spec_data), html)
        if len(_CONTENT) >= _CONTENT_LIMIT:
            _CONTENT.clear()
        _CONTENT[key] = hit
    return hit


def spec_for(source: Session | Statements, version_id: int, content_hash: str) -> QuestionSpec:
    """A version's validated spec, given its content hash (from the cache, else one read)."""
    return _content(source, version_id, content_hash)[0]


def version_spec(session: Session, version_id: int) -> QuestionSpec:
    """A version's validated spec by id: one small read of its content hash, the content from the cache."""
    digest = session.execute(select(QuestionVersion.content_hash).where(QuestionVersion.id == version_id)).scalar_one()
    return spec_for(session, version_id, digest)


def spec_of(version: QuestionVersion) -> QuestionSpec:
    """The validated spec of a loaded version (cached like every version's content)."""
    return _content(None, version.id, version.content_hash, loaded=version)[0]


def _ref_query() -> Select:
    return select(
        Question.id, Question.slug, Question.archived, Question.current_version_id, Topic.slug, Topic.name,
        QuestionVersion.id, QuestionVersion.number, QuestionVersion.content_hash,
    ).join(Topic, Topic.id == Question.topic_id)


def _current(stmt: Select) -> Select:
    return stmt.join(QuestionVersion, QuestionVersion.id == Question.current_version_id)


# Built once: the hottest read runs the same four statements, so only their parameters change.
_STATEMENTS = {
    (by_id, archived): _current(_ref_query()).where(
        (Question.id if by_id else Question.slug) == bindparam("ref"),
        *(() if archived else (Question.archived.is_(False),)),
    )
    for by_id in (True, False) for archived in (True, False)
}
_VERSION = _ref_query().join(QuestionVersion, QuestionVersion.question_id == Question.id).where(
    QuestionVersion.id == bindparam("version_id"))


def _ref(session: Session, row: Any) -> QuestionRef:
    qid, slug, archived, current_id, topic, topic_name, vid, number, digest = row
    spec, html = _content(session, vid, digest)
    return QuestionRef(qid, slug, topic, topic_name, bool(archived), vid, number, vid == current_id, digest, spec, html)


def load_question(session: Session, ref: str | int, *, include_archived: bool = False) -> QuestionRef | None:
    """A question's current version by slug or integer id (None when unknown or archived)."""
    row_id = id_ref(ref)
    # A Core execute on the session's connection skips the ORM layer: these rows are plain tuples.
    row = session.connection().execute(_STATEMENTS[(row_id is not None, include_archived)],
                                       {"ref": ref if row_id is None else row_id}).first()
    return _ref(session, row) if row else None


def load_version(session: Session, version_id: int) -> QuestionRef | None:
    """A specific version of a question (what an attempt or an interview item answered)."""
    row = session.connection().execute(_VERSION, {"version_id": version_id}).first()
    return _ref(session, row) if row else None


def new_seed() -> int:
    """A random seed: a new instance of a computed question."""
    # Not secret (the seed is in the page), so the fast generator rather than a system call per page.
    return random.randrange(MAX_SEED + 1)  # noqa: S311


def parse_seed(raw: Any) -> int:
    """A seed from user input (random when absent); raises ValueError with a reason."""
    if raw is None or raw == "":
        return new_seed()
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


# A computed question's instance costs a generator run and two Markdown renders; the page and the
# answer to it need the same one, so the last instances are kept (versions never change).
_SHOWN = Lru(max_size=1024, max_entries=1024)


def shown_for(q: QuestionRef, seed: int) -> Shown:
    """The question as shown for this seed (present()), kept per process for recent versions and seeds."""
    key = (q.version_id, q.content_hash, seed if uses_seed(q.spec) else 0)
    shown = _SHOWN.get(key)
    if shown is None:
        shown = present(q.spec, q.html, seed)
        _SHOWN.put(key, shown)
    return shown


def question_card(q: QuestionRef, seed: int) -> tuple[Shown, dict[str, Any]]:
    """Everything a question page needs for one seed, as plain data."""
    shown = shown_for(q, seed)
    data = {
        "id": q.id, "slug": q.slug, "topic": q.topic, "topic_name": q.topic_name, "difficulty": q.difficulty,
        "type": q.type, "version": q.version_number, "seed": seed, "uses_seed": uses_seed(q.spec),
        "prompt_html": shown.prompt_html, "choices": shown.choices, "answer_format": shown.answer_format,
        "tags": q.spec.tags,
    }
    return shown, data


def question_json(q: QuestionRef, seed: int) -> dict[str, Any]:
    """The API's view of a question for one seed."""
    shown, _ = question_card(q, seed)
    prompt = q.spec.prompt
    if shown.instance is not None:
        prompt = prompt.rstrip() + "\n\n" + shown.instance.prompt
    out: dict[str, Any] = {
        "id": q.id, "slug": q.slug, "topic": q.topic, "difficulty": q.difficulty, "type": q.type,
        "version": q.version_number, "seed": seed, "prompt": prompt, "prompt_html": shown.prompt_html,
    }
    if shown.choices:
        out["choices"] = [{"id": c["id"], "text": c["text"]} for c in shown.choices]
    if shown.answer_format:
        out["answer_format"] = shown.answer_format
    return out
