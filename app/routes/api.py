"""The JSON API for practice: topics, questions, answers, ratings and progress."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from app.answers import AnswerRejected
from app.catalog import Filters, list_questions, topics_overview
from app.db import Database
from app.deps import DbDep, RowId, ViewerDep, get_viewer
from app.practice import get_attempt, rate_attempt, record_attempt, score_answer
from app.question_pages import current_question, viewer_seed
from app.questions_view import parse_seed, question_json
from app.routes.progress import progress_data
from app.security import ensure_user

router = APIRouter(prefix="/api", tags=["practice"])

QuestionType = Literal["free_text", "single_choice", "multiple_choice", "numeric", "computed"]
Difficulty = Literal["beginner", "intermediate", "advanced"]
Status = Literal["new", "due", "mastered", "missed"]
# Database ids are 64-bit: a larger number in a path is a 422, not an overflow inside the driver (a 500).


class TopicOut(BaseModel):
    slug: str
    name: str
    count: int


class QuestionItem(BaseModel):
    id: int
    slug: str
    topic: str
    difficulty: str
    type: str
    prompt: str


class QuestionPage(BaseModel):
    items: list[QuestionItem]
    total: int


class Choice(BaseModel):
    id: int
    text: str


class QuestionOut(BaseModel):
    id: int
    slug: str
    topic: str
    difficulty: str
    type: str
    version: int
    seed: int
    prompt: str
    prompt_html: str
    choices: list[Choice] | None = None
    answer_format: str | None = None


def _no_booleans(value: Any) -> Any:
    """true/false is no answer: without this, JSON's true would be read as the number 1 (option 1)."""
    if isinstance(value, bool) or (isinstance(value, list) and any(isinstance(v, bool) for v in value)):
        raise ValueError("an answer is text, a number, or a list of numbers or option ids, not true or false")
    return value


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field ("seeds") is an error, not silently ignored

    answer: Annotated[str | int | float | list[str | int | float], BeforeValidator(_no_booleans)] = Field(
        description="text, a number, a list of numbers, or option ids (a list for multiple choice)")
    seed: StrictInt | None = Field(None, description="the seed the question was shown with (computed and choice questions)")
    time_spent_ms: StrictInt | None = Field(None, ge=0, le=86_400_000)


class FeedbackOut(BaseModel):
    covered: list[str]
    missed: list[str]
    message: str
    mistake: str | None = None


class AnswerOut(BaseModel):
    attempt_id: int
    score: float
    correct: bool
    feedback: FeedbackOut
    expected: str
    expected_html: str
    worked: list[dict[str, Any]] | None


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: StrictInt = Field(ge=1, le=4, description="1 Again, 2 Hard, 3 Good, 4 Easy")


class RatingOut(BaseModel):
    due: str
    rating: int


@router.get("/topics", response_model=list[TopicOut])
def api_topics(db: DbDep):
    """Every topic with its number of questions."""
    with db.reading() as session:
        return [{"slug": t["slug"], "name": t["name"], "count": t["count"]} for t in topics_overview(session, None)]


class ListQuery(BaseModel):
    """The filters and the page of GET /api/questions."""

    topic: str | None = Field(None, max_length=60)
    difficulty: Difficulty | None = None
    type: QuestionType | None = None
    status: Status | None = None
    q: str | None = Field(None, max_length=200)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


ITEM_FIELDS = tuple(QuestionItem.model_fields)


def _list_json(db: Database, filters: Filters, user_id: int | None, limit: int, offset: int) -> bytes:
    """A page of the list as JSON; without a status filter it is the same for everyone, so kept per bank generation."""
    key = ("api-list", filters, limit, offset) if user_id is None else None
    generation = db.bank_generation()
    if key is not None and (found := db.bank_memo.get(key)) is not None:
        return found
    with db.reading() as session:
        items, total = list_questions(session, filters=filters, user_id=user_id, limit=limit, offset=offset)
    body = json.dumps({"items": [{k: item[k] for k in ITEM_FIELDS} for item in items], "total": total},
                      ensure_ascii=False, separators=(",", ":")).encode()
    if key is not None and db.bank_generation() == generation:
        db.bank_memo.put(key, body, len(body))
    return body


@router.get("/questions", response_model=QuestionPage)
async def api_questions(db: DbDep, viewer: ViewerDep, query: Annotated[ListQuery, Query()]):
    """Questions filtered by topic, difficulty, type and status, or found by full-text search."""
    # On the event loop, and answered as built: the pages are cached per bank generation, so the thread
    # hop and validating items we made ourselves would be most of the cost.
    filters = Filters(topic=query.topic or None, difficulty=query.difficulty, type=query.type, status=query.status,
                      q=(query.q or "").strip() or None)
    # The items carry no status, so the viewer's rows are read only to filter by one.
    user_id = viewer.user_id if query.status else None
    return Response(_list_json(db, filters, user_id, query.limit, query.offset), media_type="application/json")


def _seed_or_422(raw: Any) -> int:
    try:
        return parse_seed(raw)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/questions/{ref}", response_model=QuestionOut, response_model_exclude_none=True)
async def api_question(db: DbDep, viewer: ViewerDep, ref: str, seed: Annotated[str | None, Query(max_length=20)] = None):
    """One question (by slug or id); computed ones instantiated for the seed (default: your current instance)."""
    # Runs on the event loop like the question page: the version is remembered per bank generation.
    requested = None if seed in (None, "") else _seed_or_422(seed)
    question = current_question(db, ref)
    if question is None:
        raise HTTPException(404, f"no question '{ref}'")
    return question_json(question, viewer_seed(db, viewer, question, requested))


def _json(data: Any, *, cookies_from: Response | None = None) -> Response:
    """Data we built ourselves as a JSON response, with the cookies set on FastAPI's response, if any."""
    # Skips validating our own output against the response model and FastAPI's generic encoder.
    out = Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), media_type="application/json")
    if cookies_from is not None:
        out.raw_headers.extend(h for h in cookies_from.raw_headers if h[0] == b"set-cookie")
    return out


@router.post("/questions/{ref}/answers", response_model=AnswerOut)
async def api_answer(request: Request, response: Response, ref: str, body: AnswerIn):
    """Score an answer and store the attempt; the feedback says what was covered and missed."""
    # The busiest write: the database and the viewer are looked up here, not as dependencies, which
    # FastAPI would solve per request at more cost than this (as on the question page).
    db, viewer = request.app.state.db, await get_viewer(request)
    settings = request.app.state.settings
    text = body.answer if isinstance(body.answer, str) else str(body.answer)
    if len(text) > settings.max_answer_chars:
        raise HTTPException(413, f"the answer is longer than {settings.max_answer_chars} characters")
    requested = None if body.seed is None else _seed_or_422(body.seed)
    question = current_question(db, ref)
    if question is None:
        raise HTTPException(404, f"no question '{ref}'")
    # Without a seed, the instance the viewer was shown (GET without a seed gives the same one).
    seed = viewer_seed(db, viewer, question, requested)
    try:
        ev = score_answer(question, seed=seed, answer=body.answer)
    except AnswerRejected as exc:
        raise HTTPException(422, str(exc)) from None
    with db.direct_writing() as stmts:  # short: the answer is scored before the write lock is taken
        user_id = ensure_user(request, response, stmts, viewer)
        attempt_id = record_attempt(stmts, user_id=user_id, question_id=question.id, version_id=question.version_id,
                                    seed=seed, evaluation=ev, time_spent_ms=body.time_spent_ms)
    return _json({"attempt_id": attempt_id, "score": float(ev.score.value), "correct": bool(ev.score.correct),
                  "feedback": ev.feedback_dict(), "expected": ev.expected_text, "expected_html": ev.expected_html,
                  "worked": ev.worked}, cookies_from=response)


@router.post("/attempts/{attempt_id}/rating", response_model=RatingOut)
def api_rate(db: DbDep, viewer: ViewerDep, attempt_id: RowId, body: RatingIn):
    """Rate recall of an attempt (1-4); FSRS schedules the next review."""
    with db.writing() as session:
        attempt = get_attempt(session, attempt_id=attempt_id, user_id=viewer.user_id)
        if attempt is None:
            raise HTTPException(404, "no such attempt among yours")
        card = rate_attempt(session, attempt=attempt, rating=body.rating)
        due, rating = card.due, attempt.rating  # a second rating of the same attempt changes nothing
    return {"due": due.isoformat(), "rating": rating}


@router.get("/progress")
def api_progress(db: DbDep, viewer: ViewerDep) -> dict[str, Any]:
    """Mastery per topic, accuracy per day, reviews coming due, streak and recent attempts."""
    data = progress_data(db, viewer.user_id)
    for row in data["history"]:
        row["created_at"] = row["created_at"].isoformat()
    return data
