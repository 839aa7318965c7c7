"""Finishing interviews: scoring the saved answers once, on submit, on access after the deadline, or by the sweep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.answers import AnswerRejected, Evaluation, evaluate
from app.db import Database, Statements
from app.interviews.running import get_interview, is_answered
from app.models import Interview, Question, QuestionVersion, Topic, utcnow
from app.practice import record_attempt
from app.questions_view import spec_of
from app.scoring import Feedback, Score

log = logging.getLogger("deepprep.interviews")


def _zero(spec: Any, html: dict[str, Any], answer: Any, reason: str) -> Evaluation:
    """A score of 0 with its reason, for an empty or unreadable answer: the finish never fails on one."""
    missed = [k.point for k in spec.rubric or []] if spec.type == "free_text" else []
    expected = html.get("model_answer", "")
    return Evaluation(Score(0.0, False, Feedback([], missed, reason)), expected, spec.model_answer, None,
                      answer if answer is not None else "")


def _score_item(spec: Any, html: dict[str, Any], *, seed: int, answer: Any) -> Evaluation:
    if not is_answered(answer):
        return _zero(spec, html, answer, "No answer was given.")
    try:
        return evaluate(spec, html, seed=seed, answer=answer)
    except AnswerRejected as exc:
        return _zero(spec, html, answer, f"The answer could not be read: {exc}.")
    except Exception:  # noqa: BLE001  (one broken question must not block the whole report)
        log.exception("scoring failed for version %s seed %s", spec.slug, seed)
        return _zero(spec, html, answer, "The answer could not be scored because of an internal error.")


def _score_all(session: Session, interview: Interview, *, now: datetime) -> dict[str, Any]:
    """Score every item, record the attempts and build the stored report summary."""
    questions: list[dict[str, Any]] = []
    per_topic: dict[str, list[float]] = defaultdict(list)
    topic_names: dict[str, str] = {}
    for item in interview.items:
        version = session.get(QuestionVersion, item.version_id)
        question = session.get(Question, item.question_id)
        topic = session.get(Topic, question.topic_id)
        spec = spec_of(version)
        evaluation = _score_item(spec, version.html, seed=item.seed, answer=item.answer)
        attempt_id = record_attempt(Statements.of(session), user_id=interview.user_id, question_id=question.id, version_id=version.id,
                                    seed=item.seed, evaluation=evaluation, time_spent_ms=item.time_spent_ms or 0,
                                    source="interview")
        item.attempt_id = attempt_id
        value = float(evaluation.score.value)
        per_topic[topic.slug].append(value)
        topic_names[topic.slug] = topic.name
        questions.append({
            "position": item.position, "question_id": question.id, "slug": question.slug, "topic": topic.slug,
            "topic_name": topic.name, "difficulty": spec.difficulty, "type": spec.type, "version": version.number,
            "version_id": version.id, "seed": item.seed, "answer": item.answer, "answered": is_answered(item.answer),
            "score": value, "correct": bool(evaluation.score.correct), "feedback": evaluation.feedback_dict(),
            "time_spent_ms": int(item.time_spent_ms or 0), "flagged": bool(item.flagged), "attempt_id": attempt_id,
        })
    n = len(questions)
    total = sum(q["score"] for q in questions)
    return {
        "total": {"score": total / n if n else 0.0, "points": round(total, 4), "count": n,
                  "correct": sum(q["correct"] for q in questions), "answered": sum(q["answered"] for q in questions)},
        "topics": [{"slug": slug, "name": topic_names[slug], "count": len(v), "score": sum(v) / len(v)}
                   for slug, v in per_topic.items()],
        "questions": questions,
        "finished_by": "submit" if interview.submitted_at else "deadline",
        "scored_at": now.isoformat(),
    }


def finish(db: Database, *, interview_id: int, submitted: bool, now: datetime | None = None) -> bool:
    """Claim and score an interview exactly once; False when another request or process already did."""
    now = now or utcnow()
    with db.writing() as session:
        # The conditional UPDATE is the claim: of two processes racing, only one sees a row change.
        claimed = session.execute(
            update(Interview).where(Interview.id == interview_id, Interview.status == "in_progress")
            .values(status="finished", finished_at=now, submitted_at=now if submitted else None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            return False
        interview = session.scalar(select(Interview).where(Interview.id == interview_id)
                                   .execution_options(populate_existing=True))
        # Scoring runs in the claiming transaction: if it fails, the claim rolls back with it and
        # the next access or sweep tries again, so nothing is left half-scored.
        interview.report = _score_all(session, interview, now=now)
    return True


def finish_if_expired(db: Database, *, public_id: str, user_id: int | None, grace_seconds: int,
                      now: datetime | None = None) -> bool:
    """Finish the viewer's interview when it is past its deadline plus grace; True when this call did."""
    if user_id is None:
        return False
    now = now or utcnow()
    with db.reading() as session:
        row = session.execute(select(Interview.id, Interview.status, Interview.deadline)
                              .where(Interview.public_id == public_id, Interview.user_id == user_id)).first()
    if row is None or row.status != "in_progress" or now <= row.deadline + timedelta(seconds=grace_seconds):
        return False
    return finish(db, interview_id=row.id, submitted=False, now=now)


def submit(db: Database, *, public_id: str, user_id: int | None, now: datetime | None = None) -> bool:
    """Finish the viewer's interview now (idempotent); raises InterviewNotFound."""
    with db.reading() as session:
        interview_id = get_interview(session, public_id=public_id, user_id=user_id).id
    return finish(db, interview_id=interview_id, submitted=True, now=now)


def sweep(db: Database, *, grace_seconds: int, now: datetime | None = None, limit: int = 200,
          user_id: int | None = None) -> int:
    """Finish every interview (or one user's) past its deadline plus grace; returns how many this call finished."""
    now = now or utcnow()
    stmt = (select(Interview.id)
            .where(Interview.status == "in_progress", Interview.deadline < now - timedelta(seconds=grace_seconds))
            .order_by(Interview.deadline).limit(limit))
    if user_id is not None:
        stmt = stmt.where(Interview.user_id == user_id)
    with db.reading() as session:
        ids = session.scalars(stmt).all()
    done = 0
    for interview_id in ids:
        try:
            done += finish(db, interview_id=interview_id, submitted=False, now=now)
        except Exception:  # noqa: BLE001  (one failing interview must not stop the others)
            log.exception("could not finish interview %s; will retry on the next sweep", interview_id)
    return done


async def _sweep_loop(db: Database, *, every: float, grace_seconds: int) -> None:
    while True:
        try:
            finished = await asyncio.to_thread(sweep, db, grace_seconds=grace_seconds)
            if finished:
                log.info("sweep finished %d expired interview%s", finished, "s" if finished != 1 else "")
        except Exception:  # noqa: BLE001  (keep sweeping after a transient database error)
            log.exception("interview sweep failed")
        await asyncio.sleep(every)


async def start_sweeper(app: Any) -> None:
    """Start the periodic sweep in this server process (every process may run one: finishing is claimed)."""
    settings = app.state.settings
    if settings.interview_sweep_seconds <= 0:
        return
    app.state.interview_sweeper = asyncio.create_task(
        _sweep_loop(app.state.db, every=settings.interview_sweep_seconds, grace_seconds=settings.interview_grace_seconds),
        name="interview-sweep")


async def stop_sweeper(app: Any) -> None:
    """Stop the sweep task, if one runs."""
    task = getattr(app.state, "interview_sweeper", None)
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    app.state.interview_sweeper = None
