"""Queries over the question bank: topics with counts, listing, filters and full-text search."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, select, text
from sqlalchemy.orm import Session

from app.models import Attempt, Question, ReviewCard, Topic, utcnow
from app.scheduling import MASTERED_STABILITY_DAYS

STATUSES = ("new", "due", "mastered", "missed")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Filters:
    """What a question list is filtered by; every field optional."""

    topic: str | None = None
    difficulty: str | None = None
    type: str | None = None
    status: str | None = None
    q: str | None = None

    def as_query(self) -> dict[str, str]:
        """The non-empty filters, for building links."""
        return {k: v for k, v in self.__dict__.items() if v}


def find_question(session: Session, ref: str | int, *, include_archived: bool = False) -> Question | None:
    """A question by slug or integer id, with its current version loaded."""
    stmt = select(Question)
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        stmt = stmt.where(Question.id == int(ref))
    else:
        stmt = stmt.where(Question.slug == ref)
    if not include_archived:
        stmt = stmt.where(Question.archived.is_(False))
    question = session.scalar(stmt)
    if question is not None and question.current_version_id is not None:
        question.current_version  # noqa: B018  (load it now: templates get plain data)
    return question


def topics_overview(session: Session, user_id: int | None) -> list[dict[str, Any]]:
    """Every topic with its question count and, for a known user, answered count and mastery."""
    counts = dict(
        session.execute(
            select(Question.topic_id, func.count()).where(Question.archived.is_(False)).group_by(Question.topic_id)
        ).all()
    )
    mastery: dict[int, tuple[int, float]] = {}
    if user_id is not None:
        last = _last_attempts(user_id).subquery()
        rows = session.execute(
            select(Question.topic_id, func.count(), func.sum(last.c.score))
            .join(last, last.c.question_id == Question.id)
            .where(Question.archived.is_(False))
            .group_by(Question.topic_id)
        ).all()
        mastery = {tid: (n, float(total or 0.0)) for tid, n, total in rows}
    out = []
    for topic in session.scalars(select(Topic).order_by(Topic.position, Topic.name)):
        count = counts.get(topic.id, 0)
        if not count:
            continue
        answered, total = mastery.get(topic.id, (0, 0.0))
        out.append({
            "slug": topic.slug, "name": topic.name, "description": topic.description, "count": count,
            "answered": answered, "mastery": round(total / count, 3) if count else 0.0,
        })
    return out


def _last_attempts(user_id: int) -> Select:
    """For one user, the latest attempt's score and correctness per question."""
    latest = (
        select(Attempt.question_id, func.max(Attempt.id).label("attempt_id"))
        .where(Attempt.user_id == user_id)
        .group_by(Attempt.question_id)
        .subquery()
    )
    return select(Attempt.question_id, Attempt.score, Attempt.correct).join(latest, latest.c.attempt_id == Attempt.id)


def fts_match(session: Session, query: str) -> Any:
    """A WHERE clause matching questions whose text contains every word of the query."""
    words = _WORD.findall(query.lower())[:12]
    if not words:
        return None
    if session.get_bind().dialect.name == "sqlite":
        # Each word quoted (so FTS5 operators in user input are just text) and prefix-matched.
        match = " ".join('"' + w.replace('"', "") + '"*' for w in words)
        ids = text("SELECT rowid FROM question_fts WHERE question_fts MATCH :match").bindparams(match=match)
        return Question.id.in_(ids.columns(rowid=Question.id.type))
    tsq = func.to_tsquery("english", " & ".join(w + ":*" for w in words))
    return func.to_tsvector("english", Question.search_text).op("@@")(tsq)


def list_questions(
    session: Session, *, filters: Filters, user_id: int | None, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """One page of questions matching the filters, and how many match in all."""
    stmt = select(Question, Topic).join(Topic, Topic.id == Question.topic_id).where(Question.archived.is_(False))
    conds = []
    if filters.topic:
        conds.append(Topic.slug == filters.topic)
    if filters.difficulty:
        conds.append(Question.difficulty == filters.difficulty)
    if filters.type:
        conds.append(Question.type == filters.type)
    if filters.q:
        clause = fts_match(session, filters.q)
        if clause is not None:
            conds.append(clause)
    last = None
    if user_id is not None:
        last = _last_attempts(user_id).subquery()
        stmt = stmt.outerjoin(last, last.c.question_id == Question.id).outerjoin(
            ReviewCard, and_(ReviewCard.question_id == Question.id, ReviewCard.user_id == user_id)
        )
        stmt = stmt.add_columns(last.c.score, last.c.correct, ReviewCard.due, ReviewCard.card)
    if filters.status:
        if last is None:
            if filters.status != "new":
                return [], 0
        elif filters.status == "new":
            conds.append(last.c.question_id.is_(None))
        elif filters.status == "due":
            conds.append(ReviewCard.due <= utcnow())
        elif filters.status == "missed":
            conds.append(last.c.correct.is_(False))
        elif filters.status == "mastered":
            stability = func.json_extract(ReviewCard.card, "$.stability") if session.get_bind().dialect.name == "sqlite" \
                else ReviewCard.card["stability"].as_float()
            conds.append(stability >= MASTERED_STABILITY_DAYS)
    if conds:
        stmt = stmt.where(*conds)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.order_by(Topic.position, Question.id).limit(limit).offset(offset)).all()
    items = []
    now = utcnow()
    for row in rows:
        question, topic = row[0], row[1]
        item = {
            "id": question.id, "slug": question.slug, "topic": topic.slug, "topic_name": topic.name,
            "difficulty": question.difficulty, "type": question.type,
            "prompt": question.summary, "prompt_html": question.summary_html,
            "status": "new",
        }
        if last is not None:
            score, correct, due, card = row[2], row[3], row[4], row[5]
            if score is not None:
                item["status"] = "missed" if not correct else "answered"
                item["last_score"] = score
            if due is not None and due <= now:
                item["status"] = "due"
            elif card and (card.get("stability") or 0) >= MASTERED_STABILITY_DAYS:
                item["status"] = "mastered"
        items.append(item)
    return items, total
