"""Authoring questions in the admin: drafts, validation by field, preview, versions, archive, import."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.admin import audit
from app.admin.stats import bank_stats, question_stats
from app.answers import AnswerRejected, evaluate, present
from app.bank import create_question, render_spec, save_version, update_search_index
from app.bank_check import formula_field, question_problems
from app.bank_schema import SLUG_RE, QuestionSpec
from app.catalog import fts_match
from app.generators import GENERATORS
from app.models import Question, QuestionVersion, Topic, User, utcnow
from app.rendering import MathError
from app.transfer import ImportResult, import_questions

META_FIELDS = ("slug", "topic", "difficulty", "type", "prompt", "model_answer", "explanation", "tags", "sources")
DETAIL_KEYS = ("rubric", "options", "answer", "generator", "params")
STATES = ("active", "archived", "all")
MAX_DETAILS_CHARS = 50_000
EDITOR_SEEDS = 20  # seeds of a computed draft checked on save (check-bank runs 200)

# What the type-specific box starts with for a new question of each type: a shape to edit, not content.
DETAIL_EXAMPLES = {
    "free_text": (
        "rubric:\n"
        "  - point: The first key point a good answer makes\n"
        "    weight: 2\n"
        "    phrasings: [\"a way to say it\", \"another way to say it\"]\n"
        "  - point: A second key point\n"
        "    weight: 1\n"
        "    phrasings: [\"how a learner might write it\"]\n"
    ),
    "single_choice": (
        "options:\n"
        "  - text: The right answer\n"
        "    correct: true\n"
        "  - text: A tempting wrong answer\n"
        "    why: Why it is wrong.\n"
        "  - text: Another wrong answer\n"
        "    why: Why it is wrong.\n"
    ),
    "multiple_choice": (
        "options:\n"
        "  - text: A right answer\n"
        "    correct: true\n"
        "  - text: Another right answer\n"
        "    correct: true\n"
        "  - text: A wrong answer\n"
        "    why: Why it is wrong.\n"
    ),
    "numeric": "answer:\n  value: 10          # or a list [10, 10], or a matrix [[1, 2], [3, 4]]\n  atol: 0\n  rtol: 0.01\n  forms: [\"10\"]\n",
    "computed": "generator: conv_output_size\nparams: {}            # fix some parameters; the rest are drawn per seed\n",
}


class DraftInvalid(ValueError):
    """A draft that does not validate; errors maps a field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {m}" for k, v in errors.items() for m in v))
        self.errors = errors


class DraftConflict(DraftInvalid):
    """The question got a new version since the draft was opened; .current is that version's number."""

    def __init__(self, current: int, author: str | None) -> None:
        by = f" by {author}" if author else ""
        super().__init__({"question": [
            f"Someone saved version {current}{by} after you opened this question; saving now would undo "
            "their change. Open the question in another tab to compare; save again to keep your draft anyway."]})
        self.current = current


@dataclass
class Draft:
    """A question as being edited: the spec fields plus its topic, and how the form showed it."""

    data: dict[str, Any]
    topic: str
    form: dict[str, str] = field(default_factory=dict)


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _split(value: str, *, sep: str) -> list[str]:
    parts = value.replace("\r", "").split(sep) if sep == "\n" else value.split(sep)
    return [p.strip() for p in parts if p.strip()]


def draft_from_form(form: dict[str, Any]) -> tuple[Draft, dict[str, list[str]]]:
    """Read the edit form (meta fields plus a YAML box for the type-specific part); errors by field."""
    values = {k: str(form.get(k) or "") for k in (*META_FIELDS, "details")}
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {k: values[k].strip() for k in ("slug", "difficulty", "type")}
    for key in ("prompt", "model_answer", "explanation"):
        data[key] = values[key].replace("\r\n", "\n")
    data["tags"] = _split(values["tags"], sep=",")
    data["sources"] = _split(values["sources"], sep="\n")
    details_text = values["details"].replace("\r\n", "\n")
    if len(details_text) > MAX_DETAILS_CHARS:
        _add(errors, "details", f"the type-specific part is longer than {MAX_DETAILS_CHARS:,} characters")
    elif details_text.strip():
        try:
            details = yaml.safe_load(details_text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark else ""
            _add(errors, "details", f"{where}not valid YAML: {getattr(exc, 'problem', None) or exc}")
            details = None
        if details is not None and not isinstance(details, dict):
            _add(errors, "details", f"expected keys such as {', '.join(DETAIL_KEYS)}, one per line")
        elif isinstance(details, dict):
            for key, value in details.items():
                if key not in DETAIL_KEYS:
                    _add(errors, "details", f"unknown key '{key}'; use {', '.join(DETAIL_KEYS)}")
                else:
                    data[key] = value
    return Draft(data=data, topic=values["topic"].strip(), form=values), errors


def form_from_spec(spec: dict[str, Any], topic: str) -> dict[str, str]:
    """The edit form's values for a stored spec."""
    details = {k: spec[k] for k in DETAIL_KEYS if spec.get(k) not in (None, [], {})}
    if spec.get("type") == "computed":
        details.setdefault("params", {})
    return {
        "slug": spec.get("slug", ""), "topic": topic, "difficulty": spec.get("difficulty", ""),
        "type": spec.get("type", ""), "prompt": spec.get("prompt", ""), "model_answer": spec.get("model_answer", ""),
        "explanation": spec.get("explanation", ""), "tags": ", ".join(spec.get("tags") or []),
        "sources": "\n".join(spec.get("sources") or []),
        "details": yaml.safe_dump(details, sort_keys=False, allow_unicode=True, width=100) if details else "",
    }


def draft_from_json(body: dict[str, Any]) -> Draft:
    """A draft from the API: the schema of questions/ plus "topic"."""
    data = {k: v for k, v in body.items() if k != "topic"}
    topic = body.get("topic")
    return Draft(data=data, topic=topic.strip() if isinstance(topic, str) else "")


def _field_of(loc: tuple, *, form: bool) -> str:
    if not loc:
        return "details" if form else "question"
    head = str(loc[0])
    if form and head in DETAIL_KEYS:
        return "details"
    return head if form else ".".join(str(p) for p in loc)


def validate(draft: Draft, *, form: bool = False, errors: dict[str, list[str]] | None = None,
             self_check: bool = True) -> QuestionSpec:
    """Validate a draft with QuestionSpec plus what the schema cannot see; raises DraftInvalid by field.

    self_check=False leaves out the bank's self-scoring checks (see self_check_errors), which a
    preview shows beside the rendered question instead of refusing it.
    """
    errors = dict(errors or {})
    if not draft.topic:
        _add(errors, "topic", "choose a topic")
    elif not SLUG_RE.match(draft.topic) or len(draft.topic) > 60:
        _add(errors, "topic", "a topic is lowercase words joined by single hyphens")
    spec = None
    try:
        spec = QuestionSpec.model_validate(draft.data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err.get("loc", ()))
            message = err.get("msg", "invalid").removeprefix("Value error, ")
            where = ".".join(str(p) for p in loc)
            if form and loc and str(loc[0]) in DETAIL_KEYS:
                message = f"{where}: {message}"
            _add(errors, _field_of(loc, form=form), message)
    if spec is not None:
        if spec.type == "computed":
            if spec.generator not in GENERATORS:
                _add(errors, "details" if form else "generator",
                     f"unknown generator '{spec.generator}'; known: {', '.join(sorted(GENERATORS))}")
            else:
                try:
                    GENERATORS[spec.generator].instantiate(0, spec.params or None)
                except Exception as exc:  # a generator refusing params is an authoring error, shown as such
                    _add(errors, "details" if form else "params", f"the generator refuses these params: {exc}")
        if not errors and self_check:
            for key, messages in self_check_errors(spec, form=form).items():
                for message in messages:
                    _add(errors, key, message)
        elif not errors:
            try:  # a preview needs its formulas to render; the self-scoring checks are shown beside it
                render_spec(spec)
            except MathError as exc:
                _add(errors, _field_of((formula_field(spec, exc.latex),), form=form), str(exc))
    if errors:
        raise DraftInvalid(errors)
    return spec


def self_check_errors(spec: QuestionSpec, *, form: bool = False) -> dict[str, list[str]]:
    """What `deepprep check-bank` refuses, by field: a formula that does not render (under the field
    holding it), a model answer failing its own rubric, a numeric form failing its own value."""
    errors: dict[str, list[str]] = {}
    for name, message in question_problems(spec, seeds=EDITOR_SEEDS):
        _add(errors, _field_of((name,), form=form), message)
    return errors


def preview(spec: QuestionSpec, *, seed: int, answer: Any = None) -> dict[str, Any]:
    """Render a validated draft as a learner would see it for one seed, and score a trial answer."""
    html = render_spec(spec)
    shown = present(spec, html, seed)
    out: dict[str, Any] = {
        "type": spec.type, "seed": seed, "prompt_html": shown.prompt_html, "answer_format": shown.answer_format,
        "choices": shown.choices,
        "options": [{"html": html["options"][i]["text"], "why": html["options"][i]["why"], "correct": o.correct}
                    for i, o in enumerate(spec.options or [])],
        "rubric": [{"html": html["rubric"][i], "weight": k.weight, "phrasings": k.phrasings}
                   for i, k in enumerate(spec.rubric or [])],
        "model_answer_html": html["model_answer"], "explanation_html": html["explanation"],
        "sample": None, "trial": None,
    }
    if shown.instance is not None:
        inst = shown.instance
        from app.rendering import render_markdown

        out["sample"] = {"answer": inst.answer, "model_answer_html": render_markdown(inst.model_answer),
                         "steps": inst.steps, "params": inst.params,
                         "mistakes": [{"name": m.name, "value": m.value} for m in inst.mistakes]}
    if answer not in (None, "", []):
        try:
            ev = evaluate(spec, html, seed=seed, answer=answer)
            out["trial"] = {"answer": answer, "score": ev.score.value, "correct": ev.score.correct,
                            **ev.feedback_dict(), "rejected": None}
        except AnswerRejected as exc:
            out["trial"] = {"answer": answer, "rejected": str(exc)}
    return out


def list_admin_questions(session: Session, *, q: str | None = None, topic: str | None = None,
                         type: str | None = None, difficulty: str | None = None, state: str = "active",
                         flag: str | None = None, min_attempts: int = 10) -> list[dict[str, Any]]:
    """Questions matching the search and filters, each with its statistics."""
    stmt = select(Question, Topic).join(Topic, Topic.id == Question.topic_id)
    if state == "active":
        stmt = stmt.where(Question.archived.is_(False))
    elif state == "archived":
        stmt = stmt.where(Question.archived.is_(True))
    if topic:
        stmt = stmt.where(Topic.slug == topic)
    if type:
        stmt = stmt.where(Question.type == type)
    if difficulty:
        stmt = stmt.where(Question.difficulty == difficulty)
    if q:
        clause = fts_match(session, q)
        # Archived questions are not in the full-text index; the slug still finds them.
        slug_match = Question.slug.contains(q.strip().lower(), autoescape=True)
        stmt = stmt.where(slug_match if clause is None else (clause | slug_match))
    rows = session.execute(stmt.order_by(Topic.position, Topic.slug, Question.id)).all()
    stats = bank_stats(session, question_ids=[qn.id for qn, _ in rows], min_attempts=min_attempts)
    items = []
    for question, topic_row in rows:
        item = {"id": question.id, "slug": question.slug, "topic": topic_row.slug, "topic_name": topic_row.name,
                "type": question.type, "difficulty": question.difficulty, "archived": question.archived,
                "origin": question.origin, "summary": question.summary, "updated_at": question.updated_at,
                "stats": stats[question.id]}
        if flag and flag not in item["stats"]["flags"]:
            continue
        items.append(item)
    return items


def topic_slugs(session: Session) -> list[dict[str, str]]:
    """Every topic's slug and name, for pickers."""
    return [{"slug": t.slug, "name": t.name} for t in session.scalars(select(Topic).order_by(Topic.position, Topic.slug))]


def _topic(session: Session, slug: str, *, actor_id: int | None) -> Topic:
    topic = session.scalar(select(Topic).where(Topic.slug == slug))
    if topic is None:
        topic = Topic(slug=slug, name=slug.replace("-", " ").capitalize(), description="", position=100)
        session.add(topic)
        session.flush()
        audit.record(session, user_id=actor_id, action="topic.create", target=f"topic:{slug}")
    return topic


def _author(session: Session, actor_id: int | None) -> str:
    name = session.scalar(select(User.username).where(User.id == actor_id)) if actor_id else None
    return name or "admin"


def create(session: Session, *, draft: Draft, actor_id: int | None, form: bool = False,
           errors: dict[str, list[str]] | None = None) -> Question:
    """Create a question from a draft; raises DraftInvalid (a taken slug included)."""
    spec = validate(draft, form=form, errors=errors)
    if session.scalar(select(Question.id).where(Question.slug == spec.slug)) is not None:
        raise DraftInvalid({"slug": [f"the slug '{spec.slug}' is taken; choose another"]})
    topic = _topic(session, draft.topic, actor_id=actor_id)
    question = create_question(session, topic=topic, spec=spec, author=_author(session, actor_id), origin="admin")
    audit.record(session, user_id=actor_id, action="question.create", target=f"question:{spec.slug}",
                 detail={"id": question.id, "version": 1, "topic": topic.slug})
    return question


def update(session: Session, *, question: Question, draft: Draft, actor_id: int | None, form: bool = False,
           errors: dict[str, list[str]] | None = None, note: str = "",
           base_version: int | None = None) -> QuestionVersion | None:
    """Save a draft as a new version of a question; None when nothing changed.

    base_version is the version the draft was opened from: when another is current by now, it
    raises DraftConflict instead of silently undoing that change. Raises DraftInvalid.
    """
    current = question.current_version
    if base_version is not None and current is not None and current.number != base_version:
        raise DraftConflict(current.number, current.author)
    spec = validate(draft, form=form, errors=errors)
    if spec.slug != question.slug:
        raise DraftInvalid({"slug": [f"the slug cannot change (it is '{question.slug}'); create a new question instead"]})
    topic = _topic(session, draft.topic, actor_id=actor_id)
    moved = topic.id != question.topic_id
    question.topic_id = topic.id
    version = save_version(session, question=question, spec=spec, author=_author(session, actor_id), note=note)
    if version is None and not moved:
        return None
    if version is None:
        question.updated_at = utcnow()
    audit.record(session, user_id=actor_id, action="question.edit", target=f"question:{question.slug}",
                 detail={"id": question.id, "version": version.number if version else None, "topic": topic.slug})
    return version


def set_archived(session: Session, *, question: Question, archived: bool, actor_id: int | None) -> bool:
    """Archive (hide from learners, keep every attempt) or restore a question; False when already so."""
    if question.archived == archived:
        return False
    question.archived = archived
    question.updated_at = utcnow()
    session.flush()
    update_search_index(session, question)
    audit.record(session, user_id=actor_id, action="question.archive" if archived else "question.restore",
                 target=f"question:{question.slug}", detail={"id": question.id})
    return True


def _dump(spec: dict[str, Any]) -> list[str]:
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100).splitlines()


def versions(session: Session, *, question: Question) -> list[dict[str, Any]]:
    """Every version, newest first, with author, time, note and a diff against the one before."""
    rows = list(session.scalars(select(QuestionVersion).where(QuestionVersion.question_id == question.id)
                                .order_by(QuestionVersion.number)))
    out, before = [], []
    for v in rows:
        now = _dump(v.spec)
        diff = list(difflib.unified_diff(before, now, f"version {v.number - 1}", f"version {v.number}", lineterm="", n=2))
        out.append({"number": v.number, "author": v.author, "created_at": v.created_at, "note": v.note,
                    "current": v.id == question.current_version_id, "diff": diff[2:] if diff else []})
        before = now
    return out[::-1]


def restore_version(session: Session, *, question: Question, number: int, actor_id: int | None) -> QuestionVersion | None:
    """Make an old version's content current again, as a new version; None when it already is."""
    old = session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == question.id,
                                                       QuestionVersion.number == number))
    if old is None:
        raise LookupError(f"question {question.slug} has no version {number}")
    spec = QuestionSpec.model_validate(old.spec)
    version = save_version(session, question=question, spec=spec, author=_author(session, actor_id),
                           note=f"restored from version {number}")
    if version is not None:
        audit.record(session, user_id=actor_id, action="question.restore_version", target=f"question:{question.slug}",
                     detail={"id": question.id, "from": number, "version": version.number})
    return version


def stored_draft(session: Session, *, question: Question) -> dict[str, str]:
    """The edit form's values for a question's current version."""
    return {**form_from_spec(question.current_version.spec, question.topic.slug),
            "base_version": str(question.current_version.number)}


def question_detail(session: Session, *, question: Question, min_attempts: int) -> dict[str, Any]:
    """What the edit page shows beside the form: the question's facts and statistics."""
    count = session.scalar(select(func.count()).select_from(QuestionVersion)
                           .where(QuestionVersion.question_id == question.id)) or 0
    return {"id": question.id, "slug": question.slug, "archived": question.archived, "origin": question.origin,
            "topic": question.topic.slug, "version": question.current_version.number, "versions": count,
            "type": question.type,
            "stats": question_stats(session, question_ids=[question.id], min_attempts=min_attempts,
                                    missed_top=8)[question.id]}


def run_import(session: Session, *, content: str, fmt: str, dry_run: bool, actor_id: int | None,
               topic: str | None = None) -> ImportResult:
    """Validate an import completely, then apply it unless dry (the caller's transaction makes it all or nothing)."""
    author = _author(session, actor_id)
    try:
        # import_questions validates everything before it writes anything, so one call is all or nothing.
        result = import_questions(session, content=content, fmt=fmt, dry_run=dry_run, author=author, topic=topic)
    except (MathError, ValidationError, ValueError) as exc:
        return ImportResult(errors=[{"line": 1, "message": str(exc)}])
    if result.errors or dry_run:
        return result
    audit.record(session, user_id=actor_id, action="bank.import", target=f"format:{fmt}",
                 detail={"added": result.added, "changed": result.changed, "skipped": len(result.skipped)})
    return result


