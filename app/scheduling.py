"""Spaced repetition with FSRS: ratings from scores, and the next review of a question."""

from __future__ import annotations

from datetime import datetime

from fsrs import Card, Rating, Scheduler
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ReviewCard, utcnow

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
# A card counts as mastered once FSRS expects to keep it for three weeks or more.
MASTERED_STABILITY_DAYS = 21.0

_scheduler = Scheduler(enable_fuzzing=False)


def suggested_rating(score: float) -> int:
    """The recall rating preselected from a score: a miss is Again, a perfect answer Good."""
    if score < 0.5:
        return 1
    if score < 0.8:
        return 2
    return 3


def review(
    session: Session, *, user_id: int, question_id: int, rating: int, score: float | None, now: datetime | None = None
) -> ReviewCard:
    """Record a recall rating and let FSRS schedule the next review."""
    if rating not in RATINGS:
        raise ValueError("rating must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)")
    now = now or utcnow()
    row = session.scalar(
        select(ReviewCard).where(ReviewCard.user_id == user_id, ReviewCard.question_id == question_id)
    )
    card = Card.from_dict(row.card) if row else Card()
    card, _log = _scheduler.review_card(card, Rating(rating), review_datetime=now)
    if row is None:
        row = ReviewCard(user_id=user_id, question_id=question_id, card={}, due=card.due)
        session.add(row)
    row.card = card.to_dict()
    row.due = card.due
    row.reps = (row.reps or 0) + 1
    row.lapses = (row.lapses or 0) + (1 if rating == 1 else 0)
    row.last_rating = rating
    row.last_score = score
    row.updated_at = now
    session.flush()
    return row


def is_mastered(card: dict) -> bool:
    """Whether FSRS's stability for this card is long enough to call it mastered."""
    return (card.get("stability") or 0.0) >= MASTERED_STABILITY_DAYS


def retrievability(card: dict, now: datetime | None = None) -> float:
    """FSRS's estimate of the chance of recalling the card now (0..1)."""
    return float(_scheduler.get_card_retrievability(Card.from_dict(card), current_datetime=now or utcnow()))
