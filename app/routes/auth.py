"""Accounts: log in, register, log out and change the password; pages and their JSON twins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from app import auth
from app.deps import DbDep, ViewerDep, check_csrf
from app.security import SESSION_COOKIE
from app.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/auth", tags=["auth"])


def install(app: FastAPI) -> None:
    """Resolve viewers from login sessions and attach the account routes."""
    app.state.session_resolver = auth.viewer_from_session
    app.include_router(router)
    app.include_router(api)


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to go to after logging in; anything else (other sites, //host) becomes the default."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 500:
        return default
    return value


def _retry_after(request: Request) -> dict[str, str]:
    return {"Retry-After": str(request.app.state.settings.login_window_seconds)}


@router.get("/login")
def login_page(request: Request, viewer: ViewerDep, next: str | None = None):
    """The login form."""
    return render(request, "auth/login.html", {"username": "", "next": safe_next(next), "error": None})


@router.post("/login")
async def login_submit(request: Request, db: DbDep, viewer: ViewerDep):
    """Check the name and password; start a session and keep the guest's progress."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    username = str(form.get("username") or "")[:200]
    password = str(form.get("password") or "")[:1024]
    target = safe_next(str(form.get("next") or ""))
    response = RedirectResponse(target, status_code=303)
    with db.writing() as session:
        outcome = auth.authenticate(session, settings=request.app.state.settings, username=username,
                                    password=password, address=auth.client_address(request))
        if outcome.user is not None:
            auth.log_in(session, request, response, outcome.user)
    if outcome.user is not None:
        return response
    if outcome.limited:
        minutes = max(1, round(request.app.state.settings.login_window_seconds / 60))
        error = (f"Too many failed logins for this account or from this address. Try again in {minutes} "
                 f"minute{'s' if minutes != 1 else ''}: failures older than that no longer count.")
        status = 429
    else:
        error, status = "That name and password do not match an account.", 401
    page = render(request, "auth/login.html", {"username": username, "next": target, "error": error}, status_code=status)
    if status == 429:
        page.headers.update(_retry_after(request))
    return page


@router.get("/register")
def register_page(request: Request, viewer: ViewerDep):
    """The sign-up form."""
    return render(request, "auth/register.html", {"username": "", "errors": {}, "has_progress": viewer.user_id is not None})


@router.post("/register")
async def register_submit(request: Request, db: DbDep, viewer: ViewerDep):
    """Create a learner account, log it in, and keep what was practised as a guest."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    username = str(form.get("username") or "")[:200]
    response = RedirectResponse("/progress", status_code=303)
    try:
        with db.writing() as session:
            user = auth.register(session, username=username, password=str(form.get("password") or "")[:2000],
                                 password_again=str(form.get("password_again") or "")[:2000])
            auth.log_in(session, request, response, user)
    except auth.AuthProblem as exc:
        return render(request, "auth/register.html", {"username": username, "errors": {exc.field: exc.message},
                                                      "has_progress": viewer.user_id is not None}, status_code=422)
    return response


@router.post("/logout")
async def logout(request: Request, db: DbDep):
    """End this login session."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    with db.writing() as session:
        auth.end_session(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    auth.clear_session_cookie(request, response)
    return response


@router.get("/account")
def account_page(request: Request, db: DbDep, viewer: ViewerDep, changed: str | None = None):
    """The account: name, role, open sessions, and the change-password form."""
    if viewer.is_guest:
        return RedirectResponse("/login?next=/account", status_code=303)
    with db.reading() as session:
        sessions = auth.recent_logins(session, user_id=viewer.user_id)
    return render(request, "auth/account.html", {"errors": {}, "sessions": sessions, "changed": bool(changed)})


@router.post("/account/password")
async def change_password(request: Request, db: DbDep, viewer: ViewerDep):
    """Change the password; every other session ends, this browser stays logged in."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    if viewer.is_guest:
        return RedirectResponse("/login?next=/account", status_code=303)
    response = RedirectResponse("/account?changed=1", status_code=303)
    try:
        with db.writing() as session:
            user = auth.change_password(session, user_id=viewer.user_id, current=str(form.get("current") or "")[:2000],
                                        new=str(form.get("new") or "")[:2000],
                                        new_again=str(form.get("new_again") or "")[:2000])
            auth.set_session_cookie(request, response, auth.start_session(session, user=user,
                                                                          settings=request.app.state.settings))
    except auth.AuthProblem as exc:
        with db.reading() as session:
            sessions = auth.recent_logins(session, user_id=viewer.user_id)
        return render(request, "auth/account.html", {"errors": {exc.field: exc.message}, "sessions": sessions,
                                                     "changed": False}, status_code=422)
    return response


class Credentials(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class Me(BaseModel):
    authenticated: bool
    user_id: int | None
    username: str | None
    role: str | None


@api.post("/login", response_model=Me)
def api_login(request: Request, response: Response, db: DbDep, body: Credentials):
    """Log in; sets the session cookie. 401 when the name or password is wrong, 429 after too many failures."""
    with db.writing() as session:
        outcome = auth.authenticate(session, settings=request.app.state.settings, username=body.username,
                                    password=body.password, address=auth.client_address(request))
        if outcome.user is not None:
            auth.log_in(session, request, response, outcome.user)
            me = {"authenticated": True, "user_id": outcome.user.id, "username": outcome.user.username,
                  "role": outcome.user.role}
    if outcome.limited:
        raise HTTPException(429, "too many failed logins for this account or address; try again later",
                            headers=_retry_after(request))
    if outcome.user is None:
        raise HTTPException(401, "wrong username or password")
    return me


@api.post("/register", response_model=Me, status_code=201)
def api_register(request: Request, response: Response, db: DbDep, body: Credentials):
    """Create a learner account and log it in (a guest's progress is kept). 422 with the reason when refused."""
    try:
        with db.writing() as session:
            user = auth.register(session, username=body.username, password=body.password)
            auth.log_in(session, request, response, user)
            me = {"authenticated": True, "user_id": user.id, "username": user.username, "role": user.role}
    except auth.AuthProblem as exc:
        raise HTTPException(422, f"{exc.field}: {exc.message}") from None
    return me


@api.post("/logout", status_code=204)
def api_logout(request: Request, db: DbDep):
    """End this login session."""
    with db.writing() as session:
        auth.end_session(session, request.cookies.get(SESSION_COOKIE))
    response = Response(status_code=204)
    auth.clear_session_cookie(request, response)
    return response


@api.get("/me", response_model=Me)
def api_me(viewer: ViewerDep):
    """Who is logged in (authenticated false for a guest)."""
    if viewer.is_guest:
        return {"authenticated": False, "user_id": viewer.user_id, "username": None, "role": None}
    return {"authenticated": True, "user_id": viewer.user_id, "username": viewer.username, "role": viewer.role}
