"""The instructors' admin: questions with statistics, editing with preview, history, import/export, audit, users."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from app.admin import audit
from app.admin import questions as qs
from app.admin import users as user_admin
from app.answers import MAX_SEED
from app.auth import ROLES
from app.bank_schema import DIFFICULTIES, QUESTION_TYPES
from app.catalog import find_question
from app.deps import DbDep, RowId, ViewerDep, check_csrf
from app.generators import GENERATORS
from app.security import Viewer
from app.templating import render, templates
from app.transfer import FORMATS, export_questions

router = APIRouter(prefix="/admin", include_in_schema=False)
api = APIRouter(prefix="/api/admin", tags=["admin"])
FLAG_NAMES = {"too_easy": "Too easy", "too_hard": "Too hard", "non_discriminating": "Non-discriminating",
              "reversed": "Reversed (check the key)"}
EXPORT_TYPES = {"yaml": ("application/x-yaml", "yaml"), "json": ("application/json", "json"),
                "gift": ("text/plain", "gift"), "moodle-xml": ("application/xml", "xml")}
AUDIT_PAGE = 50


class LoginRequired(Exception):
    """A guest opened an admin page: the browser is sent to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


async def _to_login(request: Request, exc: LoginRequired) -> RedirectResponse:
    from urllib.parse import quote

    return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)


def install(app: FastAPI) -> None:
    """Attach the admin pages and API, and send guests who open an admin page to the login page."""
    app.add_exception_handler(LoginRequired, _to_login)
    app.include_router(router)
    app.include_router(api)


def _staff_page(request: Request, viewer: ViewerDep) -> Viewer:
    if viewer.is_staff:
        return viewer
    if viewer.is_guest:
        raise LoginRequired(request.url.path)
    raise HTTPException(403, "The admin is for instructors and admins.")


def _admin_page(request: Request, viewer: Annotated[Viewer, Depends(_staff_page)]) -> Viewer:
    if viewer.role != "admin":
        raise HTTPException(403, "Managing users is for admins.")
    return viewer


def _same_site_write(request: Request) -> None:
    # The API takes the session cookie; a write sent by another site's page is refused outright.
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.headers.get("sec-fetch-site") == "cross-site":
        raise HTTPException(403, "cross-site requests to the admin API are refused")


def _staff_api(request: Request, viewer: ViewerDep) -> Viewer:
    _same_site_write(request)
    if not viewer.is_staff:
        raise HTTPException(403, "the admin API is for instructors and admins")
    return viewer


def _admin_api(viewer: Annotated[Viewer, Depends(_staff_api)]) -> Viewer:
    if viewer.role != "admin":
        raise HTTPException(403, "managing users is for admins")
    return viewer


StaffPage = Annotated[Viewer, Depends(_staff_page)]
AdminPage = Annotated[Viewer, Depends(_admin_page)]
StaffApi = Annotated[Viewer, Depends(_staff_api)]
AdminApi = Annotated[Viewer, Depends(_admin_api)]


def _clean(value: str | None, allowed: tuple[str, ...] | None = None, limit: int = 200) -> str | None:
    value = (value or "").strip()[:limit] or None
    if value is not None and allowed is not None and value not in allowed:
        return None
    return value


def _min_attempts(request: Request) -> int:
    return request.app.state.settings.admin_flag_min_attempts


def _seed(raw: Any) -> int:
    try:
        seed = int(str(raw))
    except (TypeError, ValueError):
        return secrets.randbelow(MAX_SEED)
    return seed if 0 <= seed <= MAX_SEED else secrets.randbelow(MAX_SEED)


def _question_or_404(session, question_id: RowId):  # noqa: ANN001, ANN202
    question = find_question(session, question_id, include_archived=True)
    if question is None or question.current_version is None:
        raise HTTPException(404, f"There is no question {question_id}.")
    return question


# ---------------------------------------------------------------- pages: the question list


@router.get("")
def question_list(
    request: Request, db: DbDep, viewer: StaffPage, q: str | None = None, topic: str | None = None,
    type: str | None = None, difficulty: str | None = None, state: str | None = None, flag: str | None = None,
):
    """Every question with attempts, facility, discrimination, median time, missed key points and flags."""
    filters = {"q": _clean(q), "topic": _clean(topic, limit=60), "type": _clean(type, QUESTION_TYPES),
               "difficulty": _clean(difficulty, DIFFICULTIES), "state": _clean(state, qs.STATES) or "active",
               "flag": _clean(flag, tuple(FLAG_NAMES))}
    with db.reading() as session:
        items = qs.list_admin_questions(session, **filters, min_attempts=_min_attempts(request))
        topics = qs.topic_slugs(session)
    return render(request, "admin/list.html", {
        "items": items, "filters": filters, "topics": topics, "types": QUESTION_TYPES, "difficulties": DIFFICULTIES,
        "states": qs.STATES, "flags": FLAG_NAMES, "min_attempts": _min_attempts(request),
    })


# ---------------------------------------------------------------- pages: create and edit with preview


def _editor(request: Request, db, *, form: dict[str, str], errors: dict[str, list[str]], preview: dict | None,
            seed: int, trial: dict[str, Any], question_id: int | None = None, saved: bool = False,
            status_code: int = 200):  # noqa: ANN001
    with db.reading() as session:
        topics = qs.topic_slugs(session)
        detail = None
        if question_id is not None:
            question = _question_or_404(session, question_id)
            detail = qs.question_detail(session, question=question, min_attempts=_min_attempts(request))
    return render(request, "admin/edit.html", {
        "form": form, "errors": errors, "preview": preview, "seed": seed, "trial": trial, "detail": detail,
        "topics": topics, "types": QUESTION_TYPES, "difficulties": DIFFICULTIES, "examples": qs.DETAIL_EXAMPLES,
        "generators": sorted(GENERATORS.values(), key=lambda g: g.name), "saved": saved, "flags": FLAG_NAMES,
        "min_attempts": _min_attempts(request),
    }, status_code=status_code)


def _trial_answer(form, qtype: str) -> tuple[Any, dict[str, Any]]:  # noqa: ANN001
    """The answer typed into the preview's try box, as evaluate() takes it, and as the form shows it."""
    if qtype in ("single_choice", "multiple_choice"):
        chosen = [int(c) for c in form.getlist("try_choice") if str(c).isdigit()]
        return (chosen or None), {"choice": chosen, "text": ""}
    text = str(form.get("try_answer") or "")[:10000]
    return (text or None), {"choice": [], "text": text}


def _build_preview(draft: qs.Draft, errors: dict[str, list[str]], seed: int, answer: Any) -> tuple[dict | None, dict]:
    """The preview and the problems to show beside it (with a preview: what would stop a save)."""
    try:
        spec = qs.validate(draft, form=True, errors=errors, self_check=False)
    except qs.DraftInvalid as exc:
        return None, exc.errors
    try:
        shown = qs.preview(spec, seed=seed, answer=answer)
    except Exception as exc:  # a generator failing on this seed is the author's to see, not a 500
        return None, {"question": [f"the preview failed for seed {seed}: {exc}"]}
    # A model answer that fails its own rubric is worth seeing while the rubric is being written.
    return shown, qs.self_check_errors(spec, form=True)


async def _edit_post(request: Request, db, viewer: Viewer, question_id: int | None):  # noqa: ANN001
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    action = str(form.get("action") or "preview")
    draft, errors = qs.draft_from_form(form)
    note = str(form.get("note") or "")[:500]
    base = str(form.get("base_version") or "")
    # What comes back on the page: the version note and the version the draft was opened from too.
    form_values = {**draft.form, "note": note, "base_version": base}
    seed = secrets.randbelow(MAX_SEED) if action == "new-sample" else _seed(form.get("preview_seed"))
    answer, trial = _trial_answer(form, draft.data.get("type", ""))
    if action == "save":
        try:
            with db.writing() as session:
                if question_id is None:
                    question = qs.create(session, draft=draft, actor_id=viewer.user_id, form=True, errors=errors)
                    target = f"/admin/questions/{question.id}?saved=new"
                else:
                    question = _question_or_404(session, question_id)
                    version = qs.update(session, question=question, draft=draft, actor_id=viewer.user_id, form=True,
                                        errors=errors, note=note,
                                        base_version=int(base) if base.isascii() and base.isdigit() else None)
                    target = f"/admin/questions/{question_id}?saved={'version' if version else 'same'}"
        except qs.DraftConflict as exc:
            # The draft stays; saving it again now is a deliberate choice to replace the newer version.
            return _editor(request, db, form={**form_values, "base_version": str(exc.current)}, errors=exc.errors,
                           preview=None, seed=seed, trial=trial, question_id=question_id, status_code=409)
        except qs.DraftInvalid as exc:
            return _editor(request, db, form=form_values, errors=exc.errors, preview=None, seed=seed, trial=trial,
                           question_id=question_id, status_code=422)
        return RedirectResponse(target, status_code=303)
    preview, problems = _build_preview(draft, errors, seed, answer)
    return _editor(request, db, form=form_values, errors=problems, preview=preview, seed=seed, trial=trial,
                   question_id=question_id, status_code=422 if preview is None else 200)


@router.get("/questions/new")
def new_question(request: Request, db: DbDep, viewer: StaffPage, type: str | None = None, topic: str | None = None):
    """An empty question form, with the type-specific part shaped for the chosen type."""
    qtype = _clean(type, QUESTION_TYPES) or "free_text"
    form = {k: "" for k in (*qs.META_FIELDS, "details")}
    form.update(type=qtype, difficulty="beginner", topic=_clean(topic, limit=60) or "", details=qs.DETAIL_EXAMPLES[qtype])
    return _editor(request, db, form=form, errors={}, preview=None, seed=secrets.randbelow(MAX_SEED),
                   trial={"choice": [], "text": ""})


@router.post("/questions/new")
async def new_question_post(request: Request, db: DbDep, viewer: StaffPage):
    """Preview the draft (the form comes back with it) or save it as a new question."""
    return await _edit_post(request, db, viewer, None)


@router.get("/questions/{question_id}")
def edit_question(request: Request, db: DbDep, viewer: StaffPage, question_id: RowId, saved: str | None = None):
    """The question's form with its current content, statistics and a preview."""
    with db.reading() as session:
        question = _question_or_404(session, question_id)
        form = qs.stored_draft(session, question=question)
    seed = secrets.randbelow(MAX_SEED)
    draft, errors = qs.draft_from_form(form)
    preview, problems = _build_preview(draft, errors, seed, None)
    return _editor(request, db, form=form, errors=problems, preview=preview, seed=seed, trial={"choice": [], "text": ""},
                   question_id=question_id, saved=saved)


@router.post("/questions/{question_id}")
async def edit_question_post(request: Request, db: DbDep, viewer: StaffPage, question_id: RowId):
    """Preview the edited draft, or save it as a new version."""
    return await _edit_post(request, db, viewer, question_id)


@router.post("/questions/{question_id}/archive")
async def archive_page(request: Request, db: DbDep, viewer: StaffPage, question_id: RowId):
    """Archive a question: learners stop seeing it, every attempt stays."""
    return await _set_archived(request, db, viewer, question_id, True)


@router.post("/questions/{question_id}/restore")
async def restore_page(request: Request, db: DbDep, viewer: StaffPage, question_id: RowId):
    """Bring an archived question back."""
    return await _set_archived(request, db, viewer, question_id, False)


async def _set_archived(request: Request, db, viewer: Viewer, question_id: RowId, archived: bool):  # noqa: ANN001
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    with db.writing() as session:
        question = _question_or_404(session, question_id)
        qs.set_archived(session, question=question, archived=archived, actor_id=viewer.user_id)
    return RedirectResponse(f"/admin/questions/{question_id}", status_code=303)


@router.get("/questions/{question_id}/history")
def history_page(request: Request, db: DbDep, viewer: StaffPage, question_id: RowId):
    """Every version with author, time and a diff; any of them can be restored."""
    with db.reading() as session:
        question = _question_or_404(session, question_id)
        versions = qs.versions(session, question=question)
        info = {"id": question.id, "slug": question.slug, "archived": question.archived}
    return render(request, "admin/history.html", {"question": info, "versions": versions})


@router.post("/questions/{question_id}/versions/{number}/restore")
async def restore_version_page(request: Request, db: DbDep, viewer: StaffPage, question_id: RowId, number: RowId):
    """Make an old version current again, as a new version (earlier attempts keep theirs)."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    try:
        with db.writing() as session:
            question = _question_or_404(session, question_id)
            qs.restore_version(session, question=question, number=number, actor_id=viewer.user_id)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    return RedirectResponse(f"/admin/questions/{question_id}/history", status_code=303)


# ---------------------------------------------------------------- pages: import and export


class _Rollback(Exception):
    """Raised inside a write transaction to undo it, carrying the result to show."""

    def __init__(self, result: Any) -> None:
        super().__init__("rolled back")
        self.result = result


def _import(db, *, content: str, fmt: str, dry_run: bool, actor_id: int | None, topic: str | None):  # noqa: ANN001, ANN202
    if fmt not in FORMATS:
        from app.transfer import ImportResult

        return ImportResult(errors=[{"line": 1, "message": f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}"}])
    try:
        with db.writing() as session:
            result = qs.run_import(session, content=content, fmt=fmt, dry_run=dry_run, actor_id=actor_id, topic=topic)
            if result.errors or dry_run:
                raise _Rollback(result)
    except _Rollback as stop:
        return stop.result
    return result


@router.get("/import")
def import_page(request: Request, db: DbDep, viewer: StaffPage):
    """Paste or upload a file; it is checked first (nothing changes) and applied all or nothing."""
    with db.reading() as session:
        topics = qs.topic_slugs(session)
    return render(request, "admin/import.html", {"formats": FORMATS, "fmt": "yaml", "content": "", "topic": "",
                                                 "result": None, "applied": False, "topics": topics})


@router.post("/import")
async def import_post(request: Request, db: DbDep, viewer: StaffPage):
    """Check an import (dry run) or apply it; errors are listed with line numbers."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    fmt = str(form.get("format") or "yaml")
    topic = _clean(str(form.get("topic") or ""), limit=60)
    upload = form.get("file")
    content = str(form.get("content") or "")
    problem = None
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read()
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            problem = "The file is not UTF-8 text."
    apply = form.get("action") == "apply"
    if problem or not content.strip():
        from app.transfer import ImportResult

        result = ImportResult(errors=[{"line": 1, "message": problem or "Paste the questions or choose a file."}])
    else:
        result = _import(db, content=content, fmt=fmt, dry_run=not apply, actor_id=viewer.user_id, topic=topic)
    with db.reading() as session:
        topics = qs.topic_slugs(session)
    return render(request, "admin/import.html", {
        "formats": FORMATS, "fmt": fmt, "content": content, "topic": topic or "", "result": result,
        "applied": apply and not result.errors, "topics": topics,
    }, status_code=422 if result.errors else 200)


@router.get("/export")
def export_page(request: Request, db: DbDep, viewer: StaffPage, format: str | None = None, topic: str | None = None):
    """Download the bank or one topic, or pick what to download."""
    fmt = _clean(format, FORMATS)
    if fmt is None:
        with db.reading() as session:
            topics = qs.topic_slugs(session)
        return render(request, "admin/export.html", {"formats": FORMATS, "topics": topics})
    return _export_response(db, fmt, _clean(topic, limit=60))


def _export_response(db, fmt: str, topic: str | None) -> Response:  # noqa: ANN001
    with db.reading() as session:
        if topic is not None and topic not in {t["slug"] for t in qs.topic_slugs(session)}:
            raise HTTPException(404, f"There is no topic '{topic}'.")
        text = export_questions(session, fmt=fmt, topic=topic)
    media, ext = EXPORT_TYPES[fmt]
    name = f"deepprep-{topic or 'bank'}.{ext}"
    return Response(text, media_type=f"{media}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---------------------------------------------------------------- pages: audit log and users


@router.get("/audit")
def audit_page(request: Request, db: DbDep, viewer: StaffPage, action: str | None = None,
               page: Annotated[int, Query(ge=1, le=100000)] = 1):
    """Who changed what in the admin, and when, newest first."""
    with db.reading() as session:
        entries, total = audit.entries(session, limit=AUDIT_PAGE, offset=(page - 1) * AUDIT_PAGE,
                                       action=_clean(action, limit=60))
        actions = audit.actions(session)
    return render(request, "admin/audit.html", {"entries": entries, "total": total, "page": page,
                                                "pages": max(1, -(-total // AUDIT_PAGE)), "action": action or "",
                                                "actions": actions})


@router.get("/users")
def users_page(request: Request, db: DbDep, viewer: AdminPage, q: str | None = None, error: str | None = None):
    """Registered users: change a role, deactivate or reactivate."""
    with db.reading() as session:
        users = user_admin.list_users(session, q=_clean(q, limit=40))
    return render(request, "admin/users.html", {"users": users, "roles": ROLES, "q": q or "", "error": None})


async def _user_change(request: Request, db, viewer: Viewer, user_id: RowId, change):  # noqa: ANN001
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    try:
        with db.writing() as session:
            change(session, form)
    except LookupError:
        raise HTTPException(404, "There is no such user.") from None
    except user_admin.UserProblem as exc:
        with db.reading() as session:
            users = user_admin.list_users(session)
        return render(request, "admin/users.html", {"users": users, "roles": ROLES, "q": "", "error": str(exc)},
                      status_code=422)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/role")
async def user_role(request: Request, db: DbDep, viewer: AdminPage, user_id: RowId):
    """Change a user's role."""
    return await _user_change(request, db, viewer, user_id, lambda s, f: user_admin.set_role(
        s, actor_id=viewer.user_id, user_id=user_id, role=str(f.get("role") or "")))


@router.post("/users/{user_id}/active")
async def user_active(request: Request, db: DbDep, viewer: AdminPage, user_id: RowId):
    """Deactivate (ending every session) or reactivate a user."""
    return await _user_change(request, db, viewer, user_id, lambda s, f: user_admin.set_active(
        s, actor_id=viewer.user_id, user_id=user_id, active=f.get("active") == "1"))


# ---------------------------------------------------------------- the JSON API


def _invalid(errors: dict[str, list[str]]) -> JSONResponse:
    flat = [{"field": k, "message": m} for k, v in errors.items() for m in v]
    first = flat[0] if flat else {"field": "", "message": "invalid"}
    return JSONResponse({"detail": f"{first['field']}: {first['message']}", "errors": flat}, status_code=422)


class Created(BaseModel):
    id: int
    slug: str
    version: int


class PreviewIn(BaseModel):
    draft: dict[str, Any] | None = Field(None, description="a question in the schema of questions/, plus \"topic\"")
    form: dict[str, Any] | None = Field(None, description="the admin form's fields, as the page's script sends them")
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    answer: str | int | list[str | int] | None = Field(None, description="an answer to try")


class ImportIn(BaseModel):
    format: Literal["yaml", "json", "gift", "moodle-xml"]
    content: Annotated[str, Field(max_length=2_000_000)]
    dry_run: bool = True
    topic: Annotated[str | None, Field(max_length=60)] = None


class LineError(BaseModel):
    line: int
    message: str


class ImportOut(BaseModel):
    added: list[str]
    changed: list[str]
    unchanged: list[str] = []
    notes: dict[str, str] = Field({}, description="what a change does besides the content: type or topic")
    skipped: list[LineError]
    errors: list[LineError]
    dry_run: bool


class UserChange(BaseModel):
    role: Literal["learner", "instructor", "admin"] | None = None
    active: bool | None = None


@api.get("/questions")
def api_questions(
    request: Request, db: DbDep, viewer: StaffApi,
    q: Annotated[str | None, Query(max_length=200)] = None, topic: Annotated[str | None, Query(max_length=60)] = None,
    type: Literal["free_text", "single_choice", "multiple_choice", "numeric", "computed"] | None = None,
    difficulty: Literal["beginner", "intermediate", "advanced"] | None = None,
    state: Literal["active", "archived", "all"] = "active",
    flag: Literal["too_easy", "too_hard", "non_discriminating", "reversed"] | None = None,
) -> dict[str, Any]:
    """Questions with their statistics: attempts, facility, discrimination (and how it was computed), flags."""
    with db.reading() as session:
        items = qs.list_admin_questions(session, q=(q or "").strip() or None, topic=topic, type=type,
                                        difficulty=difficulty, state=state, flag=flag,
                                        min_attempts=_min_attempts(request))
    for item in items:
        item["updated_at"] = item["updated_at"].isoformat()
    return {"items": items, "total": len(items)}


@api.post("/questions", status_code=201, response_model=Created,
          responses={422: {"description": "the errors by field"}})
def api_create(db: DbDep, viewer: StaffApi,
               body: Annotated[dict[str, Any], Body(description="a question in the schema of questions/, plus \"topic\"")]):
    """Create a question; 422 lists the errors by field."""
    try:
        with db.writing() as session:
            question = qs.create(session, draft=qs.draft_from_json(body), actor_id=viewer.user_id)
            out = {"id": question.id, "slug": question.slug, "version": question.current_version.number}
    except qs.DraftInvalid as exc:
        return _invalid(exc.errors)
    return out


@api.get("/questions/{question_id}")
def api_question(request: Request, db: DbDep, viewer: StaffApi, question_id: RowId) -> dict[str, Any]:
    """One question's current content (with its topic) and statistics."""
    with db.reading() as session:
        question = _question_or_404(session, question_id)
        detail = qs.question_detail(session, question=question, min_attempts=_min_attempts(request))
        detail["question"] = {**question.current_version.spec, "topic": question.topic.slug}
    return detail


@api.put("/questions/{question_id}", response_model=Created, responses={422: {"description": "the errors by field"}, 409: {"description": "another version is current since base_version"}})
def api_update(db: DbDep, viewer: StaffApi, question_id: RowId,
               body: Annotated[dict[str, Any], Body(description="the whole question, plus \"topic\"")]):
    """Save a new version of a question (none when nothing changed); 422 lists the errors by field.

    With "base_version" (the version the edit started from), 409 when another version is current by now.
    """
    body = dict(body)
    base = body.pop("base_version", None)
    if base is not None and (isinstance(base, bool) or not isinstance(base, int)):
        return _invalid({"base_version": ["must be a version number"]})
    try:
        with db.writing() as session:
            question = _question_or_404(session, question_id)
            qs.update(session, question=question, draft=qs.draft_from_json(body), actor_id=viewer.user_id,
                      base_version=base)
            out = {"id": question.id, "slug": question.slug, "version": question.current_version.number}
    except qs.DraftConflict as exc:
        return JSONResponse({"detail": exc.errors["question"][0], "current_version": exc.current}, status_code=409)
    except qs.DraftInvalid as exc:
        return _invalid(exc.errors)
    return out


@api.get("/questions/{question_id}/versions")
def api_versions(db: DbDep, viewer: StaffApi, question_id: RowId) -> list[dict[str, Any]]:
    """Every version, newest first: number, author, time, note and the diff against the one before."""
    with db.reading() as session:
        rows = qs.versions(session, question=_question_or_404(session, question_id))
    for row in rows:
        row["created_at"] = row["created_at"].isoformat()
    return rows


@api.post("/questions/{question_id}/versions/{number}/restore", response_model=Created)
def api_restore_version(db: DbDep, viewer: StaffApi, question_id: RowId, number: RowId):
    """Make an old version current again, as a new version."""
    try:
        with db.writing() as session:
            question = _question_or_404(session, question_id)
            qs.restore_version(session, question=question, number=number, actor_id=viewer.user_id)
            return {"id": question.id, "slug": question.slug, "version": question.current_version.number}
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None


def _api_archive(db, viewer: Viewer, question_id: RowId, archived: bool) -> dict[str, Any]:  # noqa: ANN001
    with db.writing() as session:
        question = _question_or_404(session, question_id)
        qs.set_archived(session, question=question, archived=archived, actor_id=viewer.user_id)
        return {"id": question.id, "slug": question.slug, "archived": question.archived}


@api.post("/questions/{question_id}/archive")
def api_archive(db: DbDep, viewer: StaffApi, question_id: RowId) -> dict[str, Any]:
    """Archive a question (learners stop seeing it; attempts stay)."""
    return _api_archive(db, viewer, question_id, True)


@api.post("/questions/{question_id}/restore")
def api_unarchive(db: DbDep, viewer: StaffApi, question_id: RowId) -> dict[str, Any]:
    """Bring an archived question back."""
    return _api_archive(db, viewer, question_id, False)


@api.post("/preview")
def api_preview(request: Request, viewer: StaffApi, body: PreviewIn) -> dict[str, Any]:
    """Validate and render a draft without saving: the prompt, a sample instance, and a trial answer's score."""
    seed = body.seed if body.seed is not None else secrets.randbelow(MAX_SEED)
    if body.form is not None:
        from starlette.datastructures import FormData

        pairs = [(k, str(x)) for k, v in body.form.items() for x in (v if isinstance(v, list) else [v])]
        form = FormData(pairs)
        draft, errors = qs.draft_from_form(form)
        answer, trial = _trial_answer(form, draft.data.get("type", ""))
        if body.answer is not None:
            answer = body.answer
        preview, problems = _build_preview(draft, errors, seed, answer)
    elif body.draft is not None:
        draft, trial = qs.draft_from_json(body.draft), {"choice": [], "text": ""}
        preview, problems = _build_preview(draft, {}, seed, body.answer)
        problems = _api_fields(draft, problems)
    else:
        raise HTTPException(422, "send the question as \"draft\" (or the form's fields as \"form\")")
    html = templates.get_template("admin/_preview.html").render(
        preview=preview, errors=problems, seed=seed, trial=trial, request=request)
    return {"ok": not problems, "seed": seed, "errors": [{"field": k, "message": m} for k, v in problems.items() for m in v],
            "preview": _jsonable(preview), "html": html}


def _api_fields(draft: qs.Draft, problems: dict[str, list[str]]) -> dict[str, list[str]]:
    """Errors keyed by the API's field paths rather than the form's boxes."""
    if not problems:
        return problems
    try:
        qs.validate(draft, form=False)
    except qs.DraftInvalid as exc:
        return exc.errors
    return problems


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str)) if value is not None else None


@api.post("/import", response_model=ImportOut, responses={422: {"description": "errors with line numbers; nothing applied"}})
def api_import(db: DbDep, viewer: StaffApi, body: ImportIn):
    """Import YAML, JSON, GIFT or Moodle XML: validated first, then applied all or nothing (dry_run changes nothing)."""
    result = _import(db, content=body.content, fmt=body.format, dry_run=body.dry_run, actor_id=viewer.user_id,
                     topic=body.topic)
    out = {"added": result.added, "changed": result.changed, "unchanged": result.unchanged, "notes": result.notes,
           "skipped": result.skipped, "errors": result.errors, "dry_run": body.dry_run}
    if result.errors:
        return JSONResponse({**out, "detail": f"line {result.errors[0]['line']}: {result.errors[0]['message']}"},
                            status_code=422)
    return out


@api.get("/export", response_class=Response, responses={200: {"content": {media: {} for media, _ in EXPORT_TYPES.values()},
                                                               "description": "the file, in the asked format"}})
def api_export(db: DbDep, viewer: StaffApi, format: Literal["yaml", "json", "gift", "moodle-xml"] = "yaml",
               topic: Annotated[str | None, Query(max_length=60)] = None) -> Response:
    """The bank (or one topic) as YAML, JSON, GIFT or Moodle XML."""
    return _export_response(db, format, topic or None)


@api.get("/audit")
def api_audit(db: DbDep, viewer: StaffApi, action: Annotated[str | None, Query(max_length=60)] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> dict[str, Any]:
    """The audit log, newest first."""
    with db.reading() as session:
        entries, total = audit.entries(session, limit=limit, offset=offset, action=action or None)
    for e in entries:
        e["at"] = e["at"].isoformat()
    return {"items": entries, "total": total}


@api.get("/users")
def api_users(db: DbDep, viewer: AdminApi) -> list[dict[str, Any]]:
    """Registered users with role, state and number of attempts (admins only)."""
    with db.reading() as session:
        rows = user_admin.list_users(session)
    for row in rows:
        row["created_at"] = row["created_at"].isoformat()
    return rows


@api.patch("/users/{user_id}")
def api_user_change(db: DbDep, viewer: AdminApi, user_id: RowId, body: UserChange) -> dict[str, Any]:
    """Change a user's role and/or active state (admins only)."""
    try:
        with db.writing() as session:
            if body.role is not None:
                user_admin.set_role(session, actor_id=viewer.user_id, user_id=user_id, role=body.role)
            user = user_admin.get_user(session, user_id)
            if body.active is not None:
                user_admin.set_active(session, actor_id=viewer.user_id, user_id=user_id, active=body.active)
            out = {"id": user.id, "username": user.username, "role": user.role, "active": user.active}
    except LookupError:
        raise HTTPException(404, "no such user") from None
    except user_admin.UserProblem as exc:
        raise HTTPException(422, str(exc)) from None
    return out
