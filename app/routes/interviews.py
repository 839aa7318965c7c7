"""Mock interviews: set-up, one question at a time against the server's clock, confirm, report, history; and the JSON API."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Form, HTTPException, Path, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from app import interviews as iv
from app.charts import line_chart
from app.db import Statements
from app.deps import DbDep, ViewerDep, check_csrf, get_viewer
from app.models import utcnow
from app.security import ensure_user
from app.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/interviews", tags=["interviews"])

NOT_FOUND = "There is no such interview among yours."
MAX_POSITION = 1000
Position = Annotated[int, Path(ge=1, le=MAX_POSITION, description="the question's position, from 1")]


def install(app: FastAPI) -> None:
    """Attach the interview pages and API, and the sweep that finishes expired interviews."""
    app.include_router(pages)
    app.include_router(api)
    app.state.background_starters.append(iv.start_sweeper)
    app.state.background_stoppers.append(iv.stop_sweeper)


def _grace(request: Request) -> int:
    return request.app.state.settings.interview_grace_seconds


def _expire(request: Request, db, public_id: str, user_id: int | None) -> None:  # noqa: ANN001
    """Finish the interview on access when its deadline plus grace has passed."""
    iv.finish_if_expired(db, public_id=public_id, user_id=user_id, grace_seconds=_grace(request))


# ----------------------------------------------------------------------------- JSON API


class InterviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    preset: str | None = Field(None, max_length=40, description="a preset's slug instead of the fields below")
    topics: list[Annotated[str, Field(max_length=60)]] = Field(default_factory=list, max_length=50,
                                                                description="topic slugs; empty for mixed")
    count: StrictInt | None = Field(None, ge=iv.MIN_COUNT, le=iv.MAX_COUNT)
    time_limit_seconds: StrictInt | None = Field(None, ge=iv.MIN_SECONDS, le=iv.MAX_SECONDS)
    difficulty: Literal["mixed", "beginner", "intermediate", "advanced"] = "mixed"


class AnswerSave(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str | StrictInt | StrictFloat | list[str | StrictInt] | None = Field(
        description="text, or option ids for choice questions; null or empty clears it")
    elapsed_ms: StrictInt | None = Field(None, ge=0, le=86_400_000, description="time spent on the question since the last save")
    flagged: StrictBool | None = None


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flagged: StrictBool


def _state_json(session, interview, now) -> dict[str, Any]:  # noqa: ANN001
    state = iv.summary(interview, now)
    out: dict[str, Any] = {
        "id": interview.public_id, "status": interview.status, "title": state["title"],
        "deadline": interview.deadline.isoformat(), "remaining_seconds": state["remaining_seconds"],
        "server_time": now.isoformat(), "current_position": interview.current_position,
        "answers": {str(it.position): it.answer for it in interview.items},
        "flagged": state["flagged_positions"], "questions": iv.questions_json(session, interview),
    }
    if interview.status == "finished":
        out["report"] = iv.report_json(iv.report_view(session, interview))
    return out


@api.get("/presets")
def api_presets(db: DbDep) -> list[dict[str, Any]]:
    """The preset interviews, with how many questions each draws from this bank."""
    with db.reading() as session:
        return [{k: p[k] for k in ("slug", "title", "count", "minutes", "difficulty", "topics", "available")}
                for p in iv.presets_view(session)]


@api.post("", status_code=201)
def api_create(request: Request, response: Response, db: DbDep, viewer: ViewerDep, body: InterviewIn) -> dict[str, Any]:
    """Start an interview: questions drawn balanced across topics; computed ones frozen by the interview's seed."""
    custom = {"topics", "count", "time_limit_seconds", "difficulty"} & body.model_fields_set
    if body.preset and custom:
        raise HTTPException(422, f"give either a preset or {', '.join(sorted(custom))}, not both")
    if not body.preset and (body.count is None or body.time_limit_seconds is None):
        missing = [k for k in ("count", "time_limit_seconds") if getattr(body, k) is None]
        raise HTTPException(422, f"{missing[0]}: required unless a preset is given")
    with db.writing() as session:
        try:
            setup = (iv.setup_from_preset(session, body.preset) if body.preset else
                     iv.validate_setup(session, topics=body.topics, count=body.count,
                                       time_limit_seconds=body.time_limit_seconds, difficulty=body.difficulty))
        except iv.SetupError as exc:
            raise HTTPException(422, str(exc)) from None
        user_id = ensure_user(request, response, Statements.of(session), viewer)
        interview = iv.create_interview(session, user_id=user_id, setup=setup)
        return {"id": interview.public_id, "title": setup.title, "deadline": interview.deadline.isoformat(),
                "time_limit_seconds": setup.time_limit_seconds, "questions": iv.questions_json(session, interview)}


def _finish_expired(request: Request, db, user_id: int | None) -> None:  # noqa: ANN001
    """Finish the viewer's interviews whose time is up, so lists never show a stale "in progress"."""
    if user_id is not None:
        iv.sweep(db, grace_seconds=_grace(request), user_id=user_id)


@api.get("")
def api_history(request: Request, db: DbDep, viewer: ViewerDep) -> list[dict[str, Any]]:
    """The viewer's interviews, newest first."""
    _finish_expired(request, db, viewer.user_id)
    with db.reading() as session:
        rows = iv.history(session, user_id=viewer.user_id)
    for r in rows:
        for key in ("started_at", "finished_at", "deadline"):
            r[key] = r[key].isoformat() if r[key] else None
    return rows


def _own(session, public_id: str, viewer):  # noqa: ANN001, ANN202
    """The viewer's interview, or a 404 (someone else's is reported as not found)."""
    try:
        return iv.get_interview(session, public_id=public_id, user_id=viewer.user_id)
    except iv.InterviewNotFound:
        raise HTTPException(404, NOT_FOUND) from None


@api.get("/{public_id}")
def api_get(request: Request, db: DbDep, viewer: ViewerDep, public_id: str) -> dict[str, Any]:
    """The interview's clock and saved answers; the report once it is finished."""
    _expire(request, db, public_id, viewer.user_id)
    with db.reading() as session:
        return _state_json(session, _own(session, public_id, viewer), utcnow())


def _closed(request: Request, db, public_id: str, viewer, exc: iv.InterviewClosed) -> JSONResponse:  # noqa: ANN001
    if not exc.finished:
        _expire(request, db, public_id, viewer.user_id)
    return JSONResponse({"detail": exc.message, "status": "finished" if exc.finished else "expired"}, status_code=409)


@api.put("/{public_id}/answers/{position}")
async def api_save(request: Request, public_id: str, position: Position, body: AnswerSave):
    """Save an answer as typed (not scored yet); refused with 409 after the deadline plus grace."""
    # The interview's most frequent request: the database and the viewer looked up here, not solved as
    # dependencies (see api_answer).
    db, viewer = request.app.state.db, await get_viewer(request)
    settings = request.app.state.settings
    try:
        with db.direct_writing() as stmts:
            saved_at, warning = iv.save_answer(stmts, public_id=public_id, user_id=viewer.user_id, position=position,
                                      answer=body.answer, elapsed_ms=body.elapsed_ms, flagged=body.flagged,
                                      grace_seconds=settings.interview_grace_seconds,
                                      max_chars=settings.max_answer_chars)
    except iv.InterviewNotFound:
        raise HTTPException(404, NOT_FOUND) from None
    except iv.NoSuchPosition as exc:
        raise HTTPException(404, str(exc)) from None
    except iv.BadAnswer as exc:
        raise HTTPException(422, f"answer: {exc}") from None
    except iv.InterviewClosed as exc:
        return _closed(request, db, public_id, viewer, exc)
    return {"saved_at": saved_at.isoformat(), "position": position, "server_time": utcnow().isoformat(),
            "warning": warning}


@api.put("/{public_id}/flags/{position}")
def api_flag(request: Request, db: DbDep, viewer: ViewerDep, public_id: str, position: Position, body: FlagIn):
    """Flag a question for review, or clear the flag."""
    try:
        with db.writing() as session:
            iv.set_flag(session, public_id=public_id, user_id=viewer.user_id, position=position,
                        flagged=body.flagged, grace_seconds=_grace(request))
    except iv.InterviewNotFound:
        raise HTTPException(404, NOT_FOUND) from None
    except iv.NoSuchPosition as exc:
        raise HTTPException(404, str(exc)) from None
    except iv.InterviewClosed as exc:
        return _closed(request, db, public_id, viewer, exc)
    return {"position": position, "flagged": body.flagged}


@api.post("/{public_id}/submit")
def api_submit(db: DbDep, viewer: ViewerDep, public_id: str) -> dict[str, Any]:
    """Finish now and return the report; calling it again returns the same report."""
    try:
        iv.submit(db, public_id=public_id, user_id=viewer.user_id)
    except iv.InterviewNotFound:
        raise HTTPException(404, NOT_FOUND) from None
    with db.reading() as session:
        interview = iv.get_interview(session, public_id=public_id, user_id=viewer.user_id)
        return iv.report_json(iv.report_view(session, interview))


@api.get("/{public_id}/report")
def api_report(request: Request, db: DbDep, viewer: ViewerDep, public_id: str) -> dict[str, Any]:
    """The report of a finished interview (409 while it is still running)."""
    _expire(request, db, public_id, viewer.user_id)
    with db.reading() as session:
        interview = _own(session, public_id, viewer)
        if interview.status != "finished":
            raise HTTPException(409, "the interview is still running; submit it or wait for its deadline")
        return iv.report_json(iv.report_view(session, interview))


# ----------------------------------------------------------------------------- pages


def _setup_page(request: Request, db, viewer, *, values: dict[str, Any] | None = None,  # noqa: ANN001
                errors: dict[str, str] | None = None, status_code: int = 200):
    with db.reading() as session:
        topics = iv.topic_choices(session)
        presets = iv.presets_view(session)
        running = [h for h in iv.history(session, user_id=viewer.user_id) if h["status"] == "in_progress"]
    defaults = {"topics": [], "count": "8", "minutes": "20", "difficulty": "mixed"}
    return render(request, "interviews/setup.html", {
        "topics": topics, "presets": presets, "running": running, "values": {**defaults, **(values or {})},
        "errors": errors or {}, "levels": iv.LEVELS, "min_count": iv.MIN_COUNT, "max_count": iv.MAX_COUNT,
    }, status_code=status_code)


@pages.get("/interviews")
def setup_page(request: Request, db: DbDep, viewer: ViewerDep):
    """Choose a preset or set up an interview: topics, number of questions, difficulty, time limit."""
    return _setup_page(request, db, viewer)


def _parse_number(raw: str | None) -> float | None:
    try:
        value = float((raw or "").strip().replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) < 1e9 else None  # NaN and absurd values are not numbers here


@pages.post("/interviews")
def create_page(
    request: Request, db: DbDep, viewer: ViewerDep,
    csrf_token: Annotated[str | None, Form()] = None, preset: Annotated[str | None, Form()] = None,
    topics: Annotated[list[str] | None, Form()] = None, count: Annotated[str | None, Form()] = None,
    minutes: Annotated[str | None, Form()] = None, difficulty: Annotated[str | None, Form()] = None,
):
    """Start an interview from a preset or the form; errors come back inline with what was chosen."""
    check_csrf(request, csrf_token)
    values = {"topics": [t[:60] for t in (topics or [])][:50], "count": (count or "")[:20],
              "minutes": (minutes or "")[:20], "difficulty": (difficulty or "mixed")[:20]}
    response = RedirectResponse("/interviews", status_code=303)
    errors: dict[str, str] = {}
    with db.writing() as session:
        try:
            if preset:
                setup = iv.setup_from_preset(session, preset[:40])
            else:
                n = _parse_number(count)
                m = _parse_number(minutes)
                if n is None or n != int(n):
                    errors["count"] = f"Enter a whole number of questions from {iv.MIN_COUNT} to {iv.MAX_COUNT}."
                if m is None:
                    errors["minutes"] = "Enter the time limit in minutes, e.g. 20."
                elif not iv.MIN_SECONDS <= round(m * 60) <= iv.MAX_SECONDS:
                    # Fractions are allowed (0.5 is a 30-second drill), so the message gives the real bounds.
                    errors["minutes"] = (f"Choose a time limit from {iv.MIN_SECONDS} seconds ({iv.MIN_SECONDS / 60:.2g} "
                                         f"minutes) to {iv.MAX_SECONDS // 60} minutes.")
                try:
                    # Run the bank's checks too, so every problem shows at once, not one per try.
                    setup = iv.validate_setup(session, topics=values["topics"],
                                              count=int(n) if "count" not in errors else iv.MIN_COUNT,
                                              time_limit_seconds=int(round(m * 60)) if "minutes" not in errors else 600,
                                              difficulty=values["difficulty"])
                except iv.SetupError as exc:
                    raise iv.SetupError({**exc.errors, **errors}) from None
                if errors:
                    raise iv.SetupError(errors)
        except iv.SetupError as exc:
            errors = {("minutes" if k == "time_limit_seconds" else k): v for k, v in exc.errors.items()}
        else:
            user_id = ensure_user(request, response, Statements.of(session), viewer)
            interview = iv.create_interview(session, user_id=user_id, setup=setup)
            response.headers["location"] = f"/interviews/{interview.public_id}/q/1"
            return response
    errors = {k: v[0].upper() + v[1:] + ("" if v.endswith(".") else ".") for k, v in errors.items()}
    return _setup_page(request, db, viewer, values=values, errors=errors, status_code=422)


@pages.get("/interviews/history")
def history_page(request: Request, db: DbDep, viewer: ViewerDep):
    """Every interview taken, with a trend chart of the scores."""
    _finish_expired(request, db, viewer.user_id)
    with db.reading() as session:
        rows = iv.history(session, user_id=viewer.user_id)
    finished = [r for r in reversed(rows) if r["status"] == "finished"][-30:]
    chart = line_chart([r["score"] or 0.0 for r in finished],
                       [r["finished_at"].strftime("%d %b") for r in finished])
    return render(request, "interviews/history.html", {"rows": rows, "chart": chart, "finished": finished})


def _open(request: Request, db, viewer, public_id: str, position: int | None = None):  # noqa: ANN001, ANN202
    """The viewer's interview as plain data (finished first if it has expired), with one question's page
    data when position is given; 404 when it is not theirs."""
    _expire(request, db, public_id, viewer.user_id)
    now = utcnow()
    with db.reading() as session:
        try:
            interview = iv.get_interview(session, public_id=public_id, user_id=viewer.user_id)
        except iv.InterviewNotFound:
            raise HTTPException(404, NOT_FOUND) from None
        state = iv.summary(interview, now)
        state["pk"] = interview.id
        page = None
        if position is not None and interview.status == "in_progress":
            try:
                page = iv.question_page(session, interview, position)
            except iv.NoSuchPosition as exc:
                raise HTTPException(404, str(exc)) from None
        return state, page


@pages.get("/interviews/{public_id}")
def resume(request: Request, db: DbDep, viewer: ViewerDep, public_id: str):
    """Resume where the candidate left off, or show the report once finished."""
    state, _ = _open(request, db, viewer, public_id)
    if state["status"] == "finished":
        return RedirectResponse(f"/interviews/{public_id}/report", status_code=303)
    return RedirectResponse(f"/interviews/{public_id}/q/{state['current_position']}", status_code=303)


def _question_page(request: Request, db, viewer, public_id: str, position: int, *, error: str | None = None,  # noqa: ANN001
                   typed: dict[str, Any] | None = None, status_code: int = 200):
    state, data = _open(request, db, viewer, public_id, position)
    if state["status"] == "finished":
        return RedirectResponse(f"/interviews/{public_id}/report", status_code=303)
    if state["current_position"] != position:
        with db.writing() as session:
            iv.note_position(session, interview_id=state["pk"], position=position)
    if typed:
        data.update(typed)
    return render(request, "interviews/question.html", {
        **data, "iv": state, "error": error, "shown_at": int(time.time() * 1000),
        "time_up": state["remaining_seconds"] <= 0, "server_ms": int(state["server_now"].timestamp() * 1000),
        "deadline_ms": int(state["deadline"].timestamp() * 1000),
    }, status_code=status_code)


def _position(raw: str) -> int:
    """A question position from a page URL; anything else is a page that does not exist."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 5 or not 1 <= int(raw) <= MAX_POSITION:
        raise HTTPException(404, f"There is no question '{raw[:20]}' in this interview.")
    return int(raw)


@pages.get("/interviews/{public_id}/q/{position}")
def question(request: Request, db: DbDep, viewer: ViewerDep, public_id: str, position: str):
    """One question with the answer saved so far, the countdown, a flag and the overview."""
    return _question_page(request, db, viewer, public_id, _position(position))


@pages.post("/interviews/{public_id}/q/{position}")
def save(
    request: Request, db: DbDep, viewer: ViewerDep, public_id: str, position: str,
    csrf_token: Annotated[str | None, Form()] = None, answer: Annotated[str | None, Form()] = None,
    choice: Annotated[list[str] | None, Form()] = None, flagged: Annotated[str | None, Form()] = None,
    shown_at: Annotated[str | None, Form()] = None, go: Annotated[str | None, Form()] = None,
):
    """Save the answer and flag, then go where the button says (previous, next, a number, or finish)."""
    check_csrf(request, csrf_token)
    position = _position(position)
    settings = request.app.state.settings
    elapsed = None
    if shown_at and shown_at.isdigit() and len(shown_at) < 16:
        elapsed = max(0, int(time.time() * 1000) - int(shown_at))
    with db.reading() as session:
        try:
            kind, count = iv.answer_kind(session, public_id=public_id, user_id=viewer.user_id, position=position)
        except iv.InterviewNotFound:
            raise HTTPException(404, NOT_FOUND) from None
        except iv.NoSuchPosition as exc:
            raise HTTPException(404, str(exc)) from None
    value: Any = list(choice or []) if kind in ("single_choice", "multiple_choice") else (answer or "")
    try:
        with db.direct_writing() as stmts:
            _, warning = iv.save_answer(stmts, public_id=public_id, user_id=viewer.user_id, position=position,
                                        answer=value, elapsed_ms=elapsed, flagged=flagged == "1",
                                        grace_seconds=settings.interview_grace_seconds,
                                        max_chars=settings.max_answer_chars)
    except iv.InterviewNotFound:
        raise HTTPException(404, NOT_FOUND) from None
    except iv.BadAnswer as exc:
        reason = str(exc)
        typed = {"answer": (answer or "")[: settings.max_answer_chars], "flagged": flagged == "1",
                 "chosen": [int(c) for c in choice or [] if c.isdigit() and len(c) < 6]}
        return _question_page(request, db, viewer, public_id, position, error=reason[0].upper() + reason[1:] + ".",
                              typed=typed, status_code=422)
    except iv.InterviewClosed as exc:
        if not exc.finished:
            _expire(request, db, public_id, viewer.user_id)
        return render(request, "interviews/closed.html", {"message": exc.message, "id": public_id}, status_code=409)
    if warning and go != "finish":
        # Saved, but unreadable as numbers: shown once on this question while there is time to fix it.
        return _question_page(request, db, viewer, public_id, position,
                              error=f"Saved, but it cannot be read as a number yet: {warning}. "
                                    "Fix it, or move on: it will be scored as it stands.")
    target = position
    if go == "next":
        target = min(position + 1, count)
    elif go == "prev":
        target = max(position - 1, 1)
    elif go == "finish":
        return RedirectResponse(f"/interviews/{public_id}/submit", status_code=303)
    elif go and go.isdigit() and 1 <= int(go) <= count:
        target = int(go)
    return RedirectResponse(f"/interviews/{public_id}/q/{target}", status_code=303)


@pages.get("/interviews/{public_id}/submit")
def confirm_page(request: Request, db: DbDep, viewer: ViewerDep, public_id: str):
    """Confirm finishing early: lists the unanswered and flagged questions."""
    state, _ = _open(request, db, viewer, public_id)
    if state["status"] == "finished":
        return RedirectResponse(f"/interviews/{public_id}/report", status_code=303)
    return render(request, "interviews/confirm.html", {"iv": state})


@pages.post("/interviews/{public_id}/submit")
def submit_page(request: Request, db: DbDep, viewer: ViewerDep, public_id: str,
                csrf_token: Annotated[str | None, Form()] = None):
    """Finish the interview and show the report."""
    check_csrf(request, csrf_token)
    try:
        iv.submit(db, public_id=public_id, user_id=viewer.user_id)
    except iv.InterviewNotFound:
        raise HTTPException(404, NOT_FOUND) from None
    return RedirectResponse(f"/interviews/{public_id}/report", status_code=303)


def _finished(request: Request, db, viewer, public_id: str):  # noqa: ANN001, ANN202
    """The report view of a finished interview, or a redirect back to it while it runs."""
    _expire(request, db, public_id, viewer.user_id)
    with db.reading() as session:
        interview = _own(session, public_id, viewer)
        if interview.status != "finished":
            return None
        return iv.report_view(session, interview)


@pages.get("/interviews/{public_id}/report")
def report_page(request: Request, db: DbDep, viewer: ViewerDep, public_id: str, requeued: str | None = None):
    """Score in total, per topic and per question, with model and worked answers, compared with earlier interviews."""
    view = _finished(request, db, viewer, public_id)
    if view is None:
        return RedirectResponse(f"/interviews/{public_id}", status_code=303)
    return render(request, "interviews/report.html", {"r": view, "requeued": requeued})


@pages.get("/interviews/{public_id}/report.json")
def report_json_export(request: Request, db: DbDep, viewer: ViewerDep, public_id: str):
    """The report as a JSON download."""
    view = _finished(request, db, viewer, public_id)
    if view is None:
        raise HTTPException(409, "The interview is still running; its report comes when it finishes.")
    return JSONResponse(iv.report_json(view), headers={
        "content-disposition": f'attachment; filename="deepprep-interview-{public_id}.json"'})


@pages.get("/interviews/{public_id}/report.csv")
def report_csv_export(request: Request, db: DbDep, viewer: ViewerDep, public_id: str):
    """The report as a CSV download, one row per question."""
    view = _finished(request, db, viewer, public_id)
    if view is None:
        raise HTTPException(409, "The interview is still running; its report comes when it finishes.")
    return Response(iv.report_csv(view), media_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="deepprep-interview-{public_id}.csv"'})


@pages.post("/interviews/{public_id}/practise-again")
def practise_again(request: Request, db: DbDep, viewer: ViewerDep, public_id: str,
                   csrf_token: Annotated[str | None, Form()] = None):
    """Put the missed questions into the review queue, due now."""
    check_csrf(request, csrf_token)
    with db.writing() as session:
        try:
            interview = iv.get_interview(session, public_id=public_id, user_id=viewer.user_id, lock=True)
        except iv.InterviewNotFound:
            raise HTTPException(404, NOT_FOUND) from None
        if interview.status != "finished":
            raise HTTPException(409, "The interview is still running.")
        queued = iv.practise_again(session, interview=interview)
    return RedirectResponse(f"/interviews/{public_id}/report?requeued={queued}#practise", status_code=303)
