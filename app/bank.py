"""The question bank: questions/*.yaml <-> database, validated, idempotent and versioned."""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.bank_schema import QuestionSpec, TopicFile
from app.models import Question, QuestionVersion, Topic, utcnow
from app.rendering import MathError, render_inline, render_markdown


@dataclass
class BankError:
    """One problem in a bank file, with the line it starts on."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class SyncReport:
    """What a sync did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    unchanged: int = 0


def _line_index(node: yaml.Node | None, path: tuple = ()) -> dict[tuple, int]:
    """Map every key path in a YAML document to its 1-based line number."""
    lines: dict[tuple, int] = {}
    if node is None:
        return lines
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[path + (key.value,)] = key.start_mark.line + 1
            lines.update({k: v for k, v in _line_index(value, path + (key.value,)).items() if k != path + (key.value,)})
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_index(item, path + (i,)))
    return lines


def _line_for(lines: dict[tuple, int], loc: tuple) -> int:
    """The line of the deepest known prefix of a pydantic error location."""
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return 1


def parse_topic_yaml(source: str, name: str) -> tuple[TopicFile | None, list[BankError]]:
    """Parse and validate one topic file; errors carry line numbers."""
    try:
        node = yaml.compose(source)
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [BankError(name, mark.line + 1 if mark else 1, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    lines = _line_index(node)
    try:
        return TopicFile.model_validate(data), []
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc)
            errors.append(BankError(name, _line_for(lines, loc), f"{where}: {err['msg']}" if where else err["msg"]))
        return None, errors


def load_bank(questions_dir: Path) -> tuple[list[TopicFile], list[BankError]]:
    """Read every questions/*.yaml file; returns the topics and any errors."""
    topics: list[TopicFile] = []
    errors: list[BankError] = []
    for path in sorted(questions_dir.glob("*.yaml")):
        topic, errs = parse_topic_yaml(path.read_text(encoding="utf-8"), path.name)
        errors.extend(errs)
        if topic:
            topics.append(topic)
    seen: dict[str, str] = {}
    for topic in topics:
        for q in topic.questions:
            if q.slug in seen:
                errors.append(BankError(f"{topic.topic}.yaml", 1, f"slug '{q.slug}' is also used in {seen[q.slug]}"))
            seen[q.slug] = f"{topic.topic}.yaml"
    return topics, errors


def spec_hash(spec: dict[str, Any]) -> str:
    """A stable hash of a question's content, to tell an edit from a no-op."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def render_spec(spec: QuestionSpec) -> dict[str, Any]:
    """Render a question's Markdown once, when a version is saved; raises MathError."""
    return {
        "prompt": render_markdown(spec.prompt),
        "model_answer": render_markdown(spec.model_answer),
        "explanation": render_markdown(spec.explanation),
        "options": [
            {"text": render_inline(o.text), "why": render_inline(o.why) if o.why else ""}
            for o in spec.options or []
        ],
        "rubric": [render_inline(k.point) for k in spec.rubric or []],
    }


def search_text_of(spec: QuestionSpec) -> str:
    """The plain text that full-text search looks in: prompt, answers and tags."""
    parts = [spec.slug.replace("-", " "), spec.prompt, spec.model_answer, " ".join(spec.tags)]
    parts += [o.text for o in spec.options or []]
    return "\n".join(parts)


def summary_of(markdown: str, limit: int = 380) -> str:
    """A prompt's Markdown as one line, cut at a word boundary (math stays as $...$ source)."""
    plain = " ".join(markdown.replace("`", "").split())
    if len(plain) <= limit:
        return plain
    return plain[:limit].rsplit(" ", 1)[0] + " …"


def summary_html_of(summary: str) -> str:
    """The shortened prompt rendered once, so lists show math without rendering per request."""
    text = summary
    if text.count("$") % 2:  # the cut fell inside a formula: drop the unfinished one
        text = text[: text.rfind("$")].rstrip() + " …"
    try:
        return render_inline(text)
    except MathError:
        return html.escape(text)


def update_search_index(session: Session, question: Question) -> None:
    """Keep SQLite's FTS5 row for a question in step with its search_text."""
    if session.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL indexes questions.search_text directly
    session.execute(text("DELETE FROM question_fts WHERE rowid = :id"), {"id": question.id})
    if not question.archived:
        session.execute(
            text("INSERT INTO question_fts(rowid, body) VALUES (:id, :body)"),
            {"id": question.id, "body": question.search_text},
        )


def save_version(
    session: Session, *, question: Question, spec: QuestionSpec, author: str, note: str = ""
) -> QuestionVersion | None:
    """Add a new version when the content changed; returns it, or None when nothing changed."""
    data = spec.model_dump(mode="json")
    digest = spec_hash(data)
    current = question.current_version
    if current is not None and current.content_hash == digest:
        return None
    latest = session.scalar(select(func.max(QuestionVersion.number)).where(QuestionVersion.question_id == question.id))
    number = (latest or 0) + 1
    version = QuestionVersion(
        question_id=question.id, number=number, spec=data, content_hash=digest,
        html=render_spec(spec), author=author, note=note,
    )
    session.add(version)
    session.flush()
    question.current_version = version
    question.difficulty = spec.difficulty
    question.type = spec.type
    question.search_text = search_text_of(spec)
    question.summary = summary_of(spec.prompt)
    question.summary_html = summary_html_of(question.summary)
    question.updated_at = utcnow()
    session.flush()
    update_search_index(session, question)
    return version


def upsert_topic(session: Session, topic_file: TopicFile) -> Topic:
    """Create or update a topic row from its file header."""
    topic = session.scalar(select(Topic).where(Topic.slug == topic_file.topic))
    if topic is None:
        topic = Topic(slug=topic_file.topic, name=topic_file.name)
        session.add(topic)
    topic.name, topic.description, topic.position = topic_file.name, topic_file.description, topic_file.position
    session.flush()
    return topic


def create_question(session: Session, *, topic: Topic, spec: QuestionSpec, author: str, origin: str) -> Question:
    """Insert a new question with its first version."""
    question = Question(slug=spec.slug, topic_id=topic.id, difficulty=spec.difficulty, type=spec.type, origin=origin)
    session.add(question)
    session.flush()
    save_version(session, question=question, spec=spec, author=author)
    return question


def sync_bank(session: Session, topics: list[TopicFile], *, author: str = "bank") -> SyncReport:
    """Bring the database in line with the files that changed: add, version, archive; never delete."""
    report = SyncReport()
    existing = {q.slug: q for q in session.scalars(select(Question))}
    in_files: set[str] = set()
    for topic_file in topics:
        topic = upsert_topic(session, topic_file)
        for spec in topic_file.questions:
            in_files.add(spec.slug)
            digest = spec_hash(spec.model_dump(mode="json"))
            question = existing.get(spec.slug)
            if question is None:
                question = create_question(session, topic=topic, spec=spec, author=author, origin="bank")
                question.bank_hash = digest
                report.added.append(spec.slug)
                continue
            if question.bank_hash == digest and question.origin == "bank":
                report.unchanged += 1  # the file is as last loaded: admin edits and archiving stand
                continue
            question.topic_id, question.archived, question.origin = topic.id, False, "bank"
            question.bank_hash = digest
            save_version(session, question=question, spec=spec, author=author, note="questions/ changed")
            update_search_index(session, question)
            report.changed.append(spec.slug)
    for slug, question in existing.items():
        if slug not in in_files and question.origin == "bank" and not question.archived:
            question.archived = True
            question.bank_hash = ""  # if the file brings it back, that counts as a change
            update_search_index(session, question)
            report.archived.append(slug)
    session.flush()
    return report


__all__ = [
    "BankError", "MathError", "SyncReport", "load_bank", "parse_topic_yaml", "render_spec",
    "save_version", "sync_bank", "create_question", "upsert_topic", "spec_hash",
]
