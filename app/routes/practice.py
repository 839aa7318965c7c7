"""Practice pages: home, question lists, a question, its result and the recall rating."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse

from app import question_pages
from app.answers import AnswerRejected
from app.bank_schema import DIFFICULTIES, QUESTION_TYPES
from app.catalog import STATUSES, Filters, list_questions, searchable, topics_overview
from app.deps import DbDep, RowId, ViewerDep, check_csrf, get_viewer
from app.models import MAX_ROW_ID
from app.practice import (
    due_count,
    get_attempt,
    next_question,
    rate_attempt,
    record_attempt,
    result_view,
    score_answer,
)
from app.questions_view import load_question, new_seed, parse_seed, question_card
from app.scheduling import RATINGS, suggested_rating
from app.security import ensure_user
from app.templating import render, render_once

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30


@router.get("/")
def home(request: Request, db: DbDep, viewer: ViewerDep):
    """Topics with counts and mastery, and where to continue."""
    with db.reading() as session:
        topics = topics_overview(session, viewer.user_id)
        slug, kind = next_question(session, user_id=viewer.user_id)
        due = due_count(session, user_id=viewer.user_id) if viewer.user_id else 0
    total = sum(t["count"] for t in topics)
    return render(request, "practice/home.html", {"topics": topics, "continue_slug": slug, "continue_kind": kind,
                                                  "due": due, "total": total})


def _clean(value: str | None, allowed: tuple[str, ...] | None = None) -> str | None:
    value = (value or "").strip() or None
    if value is not None and allowed is not None and value not in allowed:
        return None
    return value


@router.get("/questions")
async def question_list(
    request: Request, db: DbDep, viewer: ViewerDep,
    topic: str | None = None, difficulty: str | None = None, type: str | None = None,
    status: str | None = None, q: str | None = None, page: Annotated[int, Query(ge=1, le=100000)] = 1,
):
    """Questions filtered by topic, difficulty, type and status, or found by full-text search."""
    # On the event loop, like the question page: its reads are cached or short, and the thread hop
    # of a sync route cost more than they do.
    filters = Filters(topic=_clean(topic), difficulty=_clean(difficulty, DIFFICULTIES), type=_clean(type, QUESTION_TYPES),
                      status=_clean(status, STATUSES), q=(q or "").strip()[:200] or None)
    # Values from a hand-edited address that filter nothing are named on the page, not silently dropped.
    ignored = tuple(f"{name} “{raw.strip()[:40]}”" for name, raw, kept in (
        ("difficulty", difficulty, filters.difficulty), ("type", type, filters.type), ("status", status, filters.status))
        if (raw or "").strip() and kept is None)
    unsearchable = filters.q is not None and not searchable(filters.q)
    generation = db.bank_generation()  # read first: the key may be older than the rows, never newer
    with db.reading() as session:
        items, total = list_questions(session, filters=filters, user_id=viewer.user_id, limit=PAGE_SIZE,
                                      offset=(page - 1) * PAGE_SIZE)
        pages = max(1, -(-total // PAGE_SIZE))
        if page > pages:  # past the end (an old link, a typed number): the last page
            page = pages
            items, total = list_questions(session, filters=filters, user_id=viewer.user_id, limit=PAGE_SIZE,
                                          offset=(page - 1) * PAGE_SIZE)

    def context() -> dict:  # only when the page is not cached yet
        with db.reading() as session:
            topics = topics_overview(session, None)
        unknown_topic = filters.topic if filters.topic and filters.topic not in {t["slug"] for t in topics} else None
        return {"items": items, "total": total, "filters": filters, "topics": topics, "page": page, "pages": pages,
                "difficulties": DIFFICULTIES, "types": QUESTION_TYPES, "statuses": STATUSES, "ignored": ignored,
                "unsearchable": unsearchable, "unknown_topic": unknown_topic}

    # The same for everyone shown the same rows with the same statuses (most pages: all "new"), so
    # rendered once per process; the rows' text comes from the bank, hence its generation in the key.
    key = ("list", generation, filters, ignored, page, total, tuple((item["id"], item["status"]) for item in items))
    return render_once(request, "practice/list.html", key, context, {})


@router.get("/next")
def continue_practice(db: DbDep, viewer: ViewerDep, after: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None):
    """Open the next due review, else the next new question."""
    with db.reading() as session:
        slug, _kind = next_question(session, user_id=viewer.user_id, after=after)
    return RedirectResponse(f"/questions/{slug}" if slug else "/progress", status_code=303)


def _retry_page(request: Request, db, slug: str, seed: int, *, answer: str, chosen: list[int] | None = None,
                error: str, status_code: int = 422):  # noqa: ANN001
    """The question page again, with what was typed and why it was not accepted."""
    with db.reading() as session:
        question = load_question(session, slug)
        if question is None:
            raise HTTPException(404, f"There is no question called '{slug}'.")
        _shown, card = question_card(question, seed)
    return render(request, "practice/question.html", {
        "q": card, "answer": answer, "chosen": chosen or [], "error": error, "shown_at": int(time.time()),
        "new_seed": new_seed(),
    }, status_code=status_code)


async def question_page(request: Request) -> Response:
    """GET /questions/{slug}: a question with an answer control for its type; without a seed, your current instance.

    The hottest page is a plain Starlette route, registered ahead of every router (app.routes): FastAPI's
    per-request dependency solving and route matching cost more than the page itself, which comes from
    the per-process page cache (app.question_pages). It is left out of the OpenAPI schema, as pages are.
    """
    db = request.app.state.db
    viewer = await get_viewer(request)
    seed = request.query_params.get("seed")
    try:
        requested = None if seed in (None, "") else parse_seed(seed)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    slug = request.path_params["slug"]
    question = question_pages.current_question(db, slug)
    if question is None:
        raise HTTPException(404, f"There is no question called '{slug}'.")
    return question_pages.page(request, question, question_pages.viewer_seed(db, viewer, question, requested))


@router.post("/questions/{slug}")
async def submit_answer(request: Request, db: DbDep, viewer: ViewerDep, slug: str):
    """Score a submitted answer, store it and show the result (or the form again with the reason)."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    answer = str(form.get("answer") or "")
    chosen_raw = form.getlist("choice")
    try:
        seed = parse_seed(form.get("seed"))
    except ValueError as exc:
        return _retry_page(request, db, slug, 0, answer=answer, error=str(exc))
    try:
        chosen = [int(c) for c in chosen_raw]
    except ValueError:
        chosen = []
    settings = request.app.state.settings
    shown_at = form.get("shown_at")
    spent = None
    if shown_at and str(shown_at).isdigit():
        spent = max(0, min(int(time.time()) - int(shown_at), 24 * 3600)) * 1000
    if len(answer) > settings.max_answer_chars:
        return _retry_page(request, db, slug, seed, answer=answer[: settings.max_answer_chars], chosen=chosen,
                           error=f"Your answer is longer than {settings.max_answer_chars:,} characters; shorten it.")
    question = question_pages.current_question(db, slug)
    if question is None:
        raise HTTPException(404, f"There is no question called '{slug}'.")
    is_choice = question.type in ("single_choice", "multiple_choice")
    try:
        if is_choice and not chosen:
            raise AnswerRejected("Pick an option before submitting.")
        evaluation = score_answer(question, seed=seed, answer=chosen if is_choice else answer)
    except AnswerRejected as exc:
        return _retry_page(request, db, slug, seed, answer=answer, chosen=chosen, error=str(exc))
    response = RedirectResponse("/", status_code=303)
    with db.direct_writing() as stmts:
        user_id = ensure_user(request, response, stmts, viewer)
        attempt_id = record_attempt(stmts, user_id=user_id, question_id=question.id, version_id=question.version_id,
                                    seed=seed, evaluation=evaluation, time_spent_ms=spent)
    response.headers["location"] = f"/attempts/{attempt_id}"
    return response


@router.get("/attempts/{attempt_id}")
def result_page(request: Request, db: DbDep, viewer: ViewerDep, attempt_id: RowId):
    """The score, what was covered and missed, the model answer, the worked answer, and the rating."""
    with db.reading() as session:
        attempt = get_attempt(session, attempt_id=attempt_id, user_id=viewer.user_id)
        if attempt is None:
            raise HTTPException(404, "There is no such result among yours.")
        view = result_view(session, attempt=attempt)
    view["suggested"] = suggested_rating(view["attempt"]["score"])
    view["ratings"] = RATINGS
    view["new_seed"] = new_seed()
    return render(request, "practice/result.html", view)


@router.post("/attempts/{attempt_id}/rating")
async def rate(request: Request, db: DbDep, viewer: ViewerDep, attempt_id: RowId):
    """Record Again / Hard / Good / Easy and schedule the next review with FSRS."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    raw = str(form.get("rating") or "")
    if raw not in ("1", "2", "3", "4"):
        raise HTTPException(422, "Choose how well you recalled it: Again, Hard, Good or Easy.")
    with db.writing() as session:
        attempt = get_attempt(session, attempt_id=attempt_id, user_id=viewer.user_id)
        if attempt is None:
            raise HTTPException(404, "There is no such result among yours.")
        rate_attempt(session, attempt=attempt, rating=int(raw))
        question_id = attempt.question_id
    target = f"/next?after={question_id}" if form.get("then") == "next" else f"/attempts/{attempt_id}"
    return RedirectResponse(target, status_code=303)
