"""The progress page: mastery per topic, accuracy over time, reviews coming due, streak, history."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.catalog import topics_overview
from app.charts import bar_chart, line_chart
from app.deps import DbDep, ViewerDep
from app.practice import (
    accuracy_by_day,
    due_count,
    history,
    history_csv,
    mastered_count,
    streak,
    upcoming_reviews,
)
from app.templating import render

router = APIRouter(include_in_schema=False)


def progress_data(db, user_id: int | None) -> dict:  # noqa: ANN001
    """Every figure the progress page shows, as plain data."""
    if user_id is None:
        with db.reading() as session:
            topics = topics_overview(session, None)
        return {"topics": topics, "history": [], "accuracy": [], "upcoming": [], "streak": 0, "mastered": 0, "due": 0}
    with db.reading() as session:
        return {
            "topics": topics_overview(session, user_id),
            "history": history(session, user_id=user_id, limit=200),
            "accuracy": accuracy_by_day(session, user_id=user_id),
            "upcoming": upcoming_reviews(session, user_id=user_id),
            "streak": streak(session, user_id=user_id),
            "mastered": mastered_count(session, user_id=user_id),
            "due": due_count(session, user_id=user_id),
        }


@router.get("/progress")
def progress_page(request: Request, db: DbDep, viewer: ViewerDep):
    """Mastery per topic, accuracy over time, reviews coming due, streak and the attempt history."""
    data = progress_data(db, viewer.user_id)
    data["accuracy_chart"] = line_chart([a["mean"] for a in data["accuracy"]], [a["day"] for a in data["accuracy"]])
    data["upcoming_chart"] = bar_chart([u["count"] for u in data["upcoming"]], [u["day"][5:] for u in data["upcoming"]])
    return render(request, "practice/progress.html", data)


@router.get("/progress.csv")
def progress_csv(db: DbDep, viewer: ViewerDep):
    """The attempt history as a CSV download."""
    rows = []
    if viewer.user_id is not None:
        with db.reading() as session:
            rows = history(session, user_id=viewer.user_id, limit=None)
    return Response(history_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="deepprep-history.csv"'})
