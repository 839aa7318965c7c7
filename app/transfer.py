"""Import and export of questions: YAML and JSON in the schema of questions/ (GIFT and Moodle XML in app.formats)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bank import create_question, parse_topic_yaml, save_version, upsert_topic
from app.bank_check import question_problems
from app.bank_schema import QuestionSpec, TopicFile
from app.models import Question, Topic

FORMATS = ("yaml", "json", "gift", "moodle-xml")
IMPORT_SEEDS = 5  # seeds of each computed question checked on import (check-bank runs 200)


@dataclass
class ImportResult:
    """What an import adds and changes, or the errors that stopped it."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # For a changed question, what changes besides its content: "type free_text → single_choice".
    notes: dict[str, str] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # [{"line", "message"}] not importable, not errors
    errors: list[dict[str, Any]] = field(default_factory=list)  # [{"line", "message"}]


def parse_native(content: str, fmt: str) -> tuple[list[TopicFile], list[dict[str, Any]]]:
    """Topic files from YAML or JSON text in the schema of questions/; errors with line numbers."""
    if fmt == "yaml":
        docs = content.split("\n---\n") if "\n---\n" in content else [content]
        topics, errors, offset = [], [], 0
        for doc in docs:
            topic, errs = parse_topic_yaml(doc, "import")
            errors += [{"line": e.line + offset, "message": e.message} for e in errs]
            if topic:
                topics.append(topic)
            offset += doc.count("\n") + 2
        return topics, errors
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        return [], [{"line": exc.lineno, "message": f"not valid JSON: {exc.msg}"}]
    items = data.get("topics", [data]) if isinstance(data, dict) else data
    if not isinstance(items, list):
        return [], [{"line": 1, "message": "expected a topic object, a list of them, or {\"topics\": [...]}"}]
    topics, errors = [], []
    for i, item in enumerate(items):
        try:
            topics.append(TopicFile.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                errors.append({"line": 1, "message": f"topic {i}: {where}: {err['msg']}"})
    return topics, errors


def _parse(content: str, fmt: str, topic: str | None) -> tuple[list[TopicFile], list[dict], list[dict]]:
    if fmt in ("yaml", "json"):
        topics, errors = parse_native(content, fmt)
        return topics, errors, []
    if fmt in ("gift", "moodle-xml"):
        from app import formats

        return formats.parse(content, fmt=fmt, default_topic=topic)
    return [], [{"line": 1, "message": f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}"}], []


def import_questions(
    session: Session, *, content: str, fmt: str, dry_run: bool, author: str, topic: str | None = None
) -> ImportResult:
    """Validate an import, then apply it all or nothing (nothing at all on a dry run or any error)."""
    topics, errors, skipped = _parse(content, fmt, topic)
    result = ImportResult(errors=errors, skipped=skipped)
    for topic_file in topics:
        for spec in topic_file.questions:
            # The editor's checks: what check-bank would refuse is not imported either.
            for _, message in question_problems(spec, seeds=IMPORT_SEEDS):
                result.errors.append({"line": 1, "message": f"{spec.slug}: {message}"})
    if result.errors:
        return result
    existing = {q.slug: q for q in session.scalars(select(Question).where(
        Question.slug.in_([s.slug for t in topics for s in t.questions])))}
    # GIFT and Moodle XML know a category's name at most: an existing topic keeps its own header.
    keep_headers = fmt in ("gift", "moodle-xml")
    for topic_file in topics:
        topic_row = None if dry_run else _import_topic(session, topic_file, keep_header=keep_headers)
        for spec in topic_file.questions:
            question = existing.get(spec.slug)
            if question is None:
                result.added.append(spec.slug)
                if not dry_run:
                    existing[spec.slug] = create_question(session, topic=topic_row, spec=spec, author=author, origin="admin")
            elif question.current_version is None or question.current_version.spec != spec.model_dump(mode="json"):
                result.changed.append(spec.slug)
                note = _change_note(question, spec, topic_file.topic)
                if note:
                    result.notes[spec.slug] = note
                if not dry_run:
                    question.topic_id = topic_row.id
                    save_version(session, question=question, spec=spec, author=author, note="import")
            else:
                result.unchanged.append(spec.slug)
    return result


def _change_note(question: Question, spec: QuestionSpec, topic: str) -> str:
    """What an import changes besides the content: the question's type or topic."""
    old_type = (question.current_version.spec or {}).get("type") if question.current_version else None
    parts = []
    if old_type and old_type != spec.type:
        parts.append(f"type {old_type} → {spec.type}")
    if question.topic is not None and question.topic.slug != topic:
        parts.append(f"topic {question.topic.slug} → {topic}")
    return "; ".join(parts)


def _import_topic(session: Session, topic_file: TopicFile, *, keep_header: bool) -> Topic:
    """The topic an import writes into; an existing one keeps its header when asked."""
    if keep_header:
        existing = session.scalar(select(Topic).where(Topic.slug == topic_file.topic))
        if existing is not None:
            return existing
    return upsert_topic(session, topic_file)


def export_topics(session: Session, *, topic: str | None = None) -> list[dict[str, Any]]:
    """The bank (or one topic) as topic dicts in the schema of questions/."""
    stmt = select(Topic).order_by(Topic.position, Topic.slug)
    if topic:
        stmt = stmt.where(Topic.slug == topic)
    out = []
    for t in session.scalars(stmt):
        questions = session.scalars(
            select(Question).where(Question.topic_id == t.id, Question.archived.is_(False)).order_by(Question.id)
        )
        specs = [_clean_spec(q.current_version.spec) for q in questions if q.current_version is not None]
        if specs:
            out.append({"topic": t.slug, "name": t.name, "description": t.description, "position": t.position,
                        "questions": specs})
    return out


def _clean_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A spec without empty optional fields, as an author would write it."""
    return {k: v for k, v in QuestionSpec.model_validate(spec).model_dump(mode="json", exclude_none=True).items()
            if v not in ([], {}, "")}


def export_questions(session: Session, *, fmt: str, topic: str | None = None) -> str:
    """The bank (or one topic) as text in the given format."""
    topics = export_topics(session, topic=topic)
    if fmt == "json":
        return json.dumps({"topics": topics}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return "\n---\n".join(yaml.safe_dump(t, sort_keys=False, allow_unicode=True, width=100) for t in topics)
    if fmt in ("gift", "moodle-xml"):
        from app import formats

        return formats.export(topics, fmt=fmt)
    raise ValueError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
