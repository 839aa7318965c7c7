"""The practice loop: record attempts, rate recall, pick what comes next, and progress figures."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from app.answers import Evaluation, evaluate
from app.db import Statements
from app.models import Attempt, Question, QuestionVersion, ReviewCard, Topic, utcnow
from app.questions_view import QuestionRef, load_version, shown_for
from app.scheduling import is_mastered, review
from app.spreadsheet import csv_text

_ATTEMPT_FIELDS = ("user_id", "question_id", "version_id", "seed", "answer", "score", "correct", "feedback",
                   "time_spent_ms", "source", "created_at")
_INSERT_ATTEMPT = (insert(Attempt.__table__).values({k: bindparam(k) for k in _ATTEMPT_FIELDS})
                   .returning(Attempt.__table__.c.id))


def record_attempt(
    stmts: Statements, *, user_id: int, question_id: int, version_id: int, seed: int,
    evaluation: Evaluation, time_spent_ms: int | None, source: str = "practice",
) -> int:
    """Store a scored answer, pointing at the version it answered; its id."""
    # One prebuilt insert: the attempt is not used as an object afterwards, and the ORM's unit of work
    # would cost more than the write (see Statements).
    (attempt_id,) = stmts.first(_INSERT_ATTEMPT, {
        "user_id": user_id, "question_id": question_id, "version_id": version_id, "seed": seed,
        "answer": evaluation.answer, "score": float(evaluation.score.value), "correct": bool(evaluation.score.correct),
        "feedback": evaluation.feedback_dict(), "time_spent_ms": time_spent_ms, "source": source,
        "created_at": utcnow(),
    })
    return attempt_id


def get_attempt(session: Session, *, attempt_id: int, user_id: int | None) -> Attempt | None:
    """One of the user's attempts (None for someone else's)."""
    if user_id is None:
        return None
    return session.scalar(select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user_id))


def rate_attempt(session: Session, *, attempt: Attempt, rating: int) -> ReviewCard:
    """Record the learner's recall rating for an attempt and schedule the next review.

    An attempt is rated once: rating it again (a double click, a resent form) leaves the schedule
    as the first rating made it, since FSRS would count it as another review and push the date out.
    """
    if attempt.rating is not None:
        card = session.scalar(select(ReviewCard).where(ReviewCard.user_id == attempt.user_id,
                                                       ReviewCard.question_id == attempt.question_id))
        if card is not None:
            return card
    card = review(session, user_id=attempt.user_id, question_id=attempt.question_id, rating=rating, score=attempt.score)
    attempt.rating = rating
    return card


def next_question(session: Session, *, user_id: int | None, after: int | None = None) -> tuple[str | None, str]:
    """What "continue" opens: the next due review, else the next question never tried."""
    now = utcnow()
    if user_id is not None:
        due = session.scalar(
            select(Question.slug).join(ReviewCard, ReviewCard.question_id == Question.id)
            .where(ReviewCard.user_id == user_id, ReviewCard.due <= now, Question.archived.is_(False))
            .where(Question.id != (after or 0))
            .order_by(ReviewCard.due).limit(1)
        )
        if due:
            return due, "review"
    # NOT EXISTS probes the (user_id, question_id) index per question and stops at the first hit,
    # where NOT IN would read all of a heavy user's attempts first.
    tried = select(Attempt.id).where(Attempt.user_id == (user_id or 0), Attempt.question_id == Question.id)
    new = session.scalar(
        select(Question.slug).join(Topic, Topic.id == Question.topic_id)
        .where(Question.archived.is_(False), ~tried.exists(), Question.id != (after or 0))
        .order_by(Topic.position, Question.id).limit(1)
    )
    return new, "new" if new else "done"


def upcoming_reviews(session: Session, *, user_id: int, days: int = 14) -> list[dict[str, Any]]:
    """How many reviews fall due on each of the coming days (overdue ones count today)."""
    today = utcnow().date()
    counts = defaultdict(int)
    for (due,) in session.execute(select(ReviewCard.due).where(ReviewCard.user_id == user_id)):
        day = max(due.date(), today)
        if day < today + timedelta(days=days):
            counts[day] += 1
    return [{"day": (today + timedelta(days=i)).isoformat(), "count": counts[today + timedelta(days=i)]}
            for i in range(days)]


def accuracy_by_day(session: Session, *, user_id: int, days: int = 30) -> list[dict[str, Any]]:
    """Mean score and attempt count per day over the last days (days without attempts left out)."""
    since = utcnow() - timedelta(days=days)
    rows = session.execute(
        select(Attempt.created_at, Attempt.score).where(Attempt.user_id == user_id, Attempt.created_at >= since)
    ).all()
    per_day: dict[date, list[float]] = defaultdict(list)
    for created, score in rows:
        per_day[created.date()].append(score)
    return [{"day": d.isoformat(), "mean": sum(v) / len(v), "count": len(v)} for d, v in sorted(per_day.items())]


def streak(session: Session, *, user_id: int, today: date | None = None) -> int:
    """Consecutive days with at least one attempt, ending today (or yesterday, if not yet today)."""
    days = {c.date() for (c,) in session.execute(select(Attempt.created_at).where(Attempt.user_id == user_id))}
    day = today or utcnow().date()
    if day not in days:
        day -= timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def history(session: Session, *, user_id: int, limit: int | None = 100) -> list[dict[str, Any]]:
    """The user's attempts, newest first, with what each answered."""
    stmt = (
        select(Attempt, Question.slug, Question.type, Topic.name, QuestionVersion.number)
        .join(Question, Question.id == Attempt.question_id)
        .join(Topic, Topic.id == Question.topic_id)
        .join(QuestionVersion, QuestionVersion.id == Attempt.version_id)
        .where(Attempt.user_id == user_id)
        .order_by(Attempt.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return [
        {"id": a.id, "slug": slug, "type": qtype, "topic": topic, "version": number, "score": a.score,
         "correct": a.correct, "seed": a.seed, "source": a.source, "rating": a.rating,
         "time_spent_ms": a.time_spent_ms, "created_at": a.created_at, "answer": a.answer}
        for a, slug, qtype, topic, number in session.execute(stmt)
    ]


def history_csv(rows: list[dict[str, Any]]) -> str:
    """The attempt history as CSV text (choices as the option numbers the page shows, from 1)."""
    def answer(value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(f"option {int(x) + 1}" if str(x).isdigit() else str(x) for x in value)
        return value

    return csv_text(["attempt_id", "time_utc", "question", "topic", "type", "version", "seed", "score", "correct",
                     "rating", "time_spent_ms", "source", "answer"],
                    ([r["id"], r["created_at"].isoformat(timespec="seconds"), r["slug"], r["topic"], r["type"],
                      r["version"], r["seed"], f"{r['score']:.3f}", int(r["correct"]), r["rating"] or "",
                      r["time_spent_ms"] or "", r["source"], answer(r["answer"])] for r in rows))


def mastered_count(session: Session, *, user_id: int) -> int:
    """How many questions FSRS considers mastered for the user."""
    return sum(1 for (card,) in session.execute(select(ReviewCard.card).where(ReviewCard.user_id == user_id))
               if is_mastered(card))


def due_count(session: Session, *, user_id: int, now: datetime | None = None) -> int:
    """How many reviews are due now."""
    return session.scalar(
        select(func.count()).select_from(ReviewCard).where(ReviewCard.user_id == user_id, ReviewCard.due <= (now or utcnow()))
    ) or 0


def score_answer(question: QuestionRef, *, seed: int, answer: Any) -> Evaluation:
    """Score an answer to one version of a question (outside any transaction: it is the slow part)."""
    return evaluate(question.spec, question.html, seed=seed, answer=answer, shown=shown_for(question, seed))


def result_view(session: Session, *, attempt: Attempt) -> dict[str, Any]:
    """Everything a result page shows for one attempt, as plain data."""
    q = load_version(session, attempt.version_id)
    shown = shown_for(q, attempt.seed)
    worked = shown.instance.steps if shown.instance is not None else None
    expected_html = shown.model_answer_html if shown.instance is not None else q.html["model_answer"]
    chosen = attempt.answer if isinstance(attempt.answer, list) else []
    options = [
        {"html": q.html["options"][i]["text"], "why": q.html["options"][i]["why"], "correct": o.correct,
         "chosen": i in chosen}
        for i, o in enumerate(q.spec.options or [])
    ]
    card = session.scalar(select(ReviewCard).where(ReviewCard.user_id == attempt.user_id,
                                                   ReviewCard.question_id == attempt.question_id))
    return {
        "attempt": {"id": attempt.id, "score": attempt.score, "correct": attempt.correct, "answer": attempt.answer,
                    "feedback": attempt.feedback, "seed": attempt.seed, "rating": attempt.rating,
                    "created_at": attempt.created_at, "time_spent_ms": attempt.time_spent_ms},
        "question": {"id": q.id, "slug": q.slug, "type": q.type, "topic": q.topic, "topic_name": q.topic_name,
                     "difficulty": q.difficulty, "version": q.version_number, "current": q.is_current},
        "prompt_html": shown.prompt_html, "options": options, "expected_html": expected_html,
        "explanation_html": q.html["explanation"], "worked": worked,
        "next_due": card.due if card is not None and attempt.rating is not None else None,
    }
