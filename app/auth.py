"""Accounts: registration, login with rate limits, server-side sessions, and keeping a guest's progress."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from fastapi import Request, Response
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Attempt, AuthSession, Interview, LoginAttempt, ReviewCard, User, utcnow
from app.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.security import GUEST_COOKIE, SESSION_COOKIE, Viewer, guest_id_from_cookie

ROLES: tuple[str, ...] = ("learner", "instructor", "admin")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,39}$")


@cache
def _dummy_hash() -> str:
    # Verifying against this when the account does not exist keeps a wrong name as slow as a wrong password.
    return hash_password("not-a-real-password-just-for-timing")


class AuthProblem(ValueError):
    """A refused registration or password change; field names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LoginOutcome:
    """The result of a login attempt: the user on success, else why not (wrong or limited)."""

    user: User | None
    limited: bool = False


def hash_token(token: str) -> str:
    """The hash of a session token, as stored; the token itself only ever lives in the cookie."""
    return hashlib.sha256(token.encode()).hexdigest()


def username_problem(username: str) -> str | None:
    """Why a new username is refused, or None."""
    if not USERNAME_RE.match(username):
        return "Use 3 to 40 letters, digits, dots, dashes or underscores, starting with a letter or digit."
    return None


def find_user(session: Session, username: str) -> User | None:
    """A registered user by name, ignoring case."""
    return session.scalar(select(User).where(func.lower(User.username) == username.strip().lower(),
                                             User.is_guest.is_(False)))


def register(session: Session, *, username: str, password: str, password_again: str | None = None) -> User:
    """Create a learner account; raises AuthProblem naming the field at fault."""
    username = username.strip()
    problem = username_problem(username)
    if problem:
        raise AuthProblem("username", problem)
    if find_user(session, username) is not None:
        raise AuthProblem("username", "That name is taken; choose another.")
    problem = password_problem(password)
    if problem:
        raise AuthProblem("password", problem)
    if password_again is not None and password_again != password:
        raise AuthProblem("password_again", "The two passwords differ.")
    user = User(username=username, password_hash=hash_password(password), role="learner", is_guest=False, active=True)
    session.add(user)
    session.flush()
    return user


def _recent_failures(session: Session, settings: Settings, column, value: str) -> int:  # noqa: ANN001
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    return session.scalar(select(func.count()).select_from(LoginAttempt).where(column == value, LoginAttempt.at >= since)) or 0


def login_limited(session: Session, *, settings: Settings, username: str, address: str) -> bool:
    """Whether too many logins failed lately for this account or from this address."""
    name = username.strip().lower()[:40]
    return (_recent_failures(session, settings, LoginAttempt.username, name) >= settings.login_max_failures
            or _recent_failures(session, settings, LoginAttempt.address, address[:64]) >= settings.login_max_failures)


def authenticate(session: Session, *, settings: Settings, username: str, password: str, address: str) -> LoginOutcome:
    """Check a login; failures are counted in the database so every server process shares the limit."""
    if login_limited(session, settings=settings, username=username, address=address):
        return LoginOutcome(None, limited=True)
    user = find_user(session, username) if username.strip() else None
    ok = verify_password(user.password_hash if user and user.password_hash else _dummy_hash(), password)
    if not ok or user is None or not user.active:
        cutoff = utcnow() - timedelta(seconds=settings.login_window_seconds)
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
        session.add(LoginAttempt(username=username.strip().lower()[:40], address=address[:64]))
        session.flush()
        return LoginOutcome(None)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == user.username.lower()))
    return LoginOutcome(user)


def start_session(session: Session, *, user: User, settings: Settings) -> str:
    """Open a login session for the user; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=hash_token(token), user_id=user.id,
                            expires_at=utcnow() + timedelta(days=settings.session_days)))
    # Expired sessions are swept here, where sessions are written anyway.
    session.execute(delete(AuthSession).where(AuthSession.expires_at < utcnow()))
    session.flush()
    return token


def end_session(session: Session, token: str | None) -> None:
    """End one login session (logging out)."""
    if token:
        session.execute(delete(AuthSession).where(AuthSession.token_hash == hash_token(token)))


def end_all_sessions(session: Session, *, user_id: int) -> None:
    """End every login session of a user (password changed, account deactivated)."""
    session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))


def change_password(session: Session, *, user_id: int, current: str, new: str, new_again: str) -> User:
    """Set a new password after checking the current one; every session of the user ends."""
    user = session.get(User, user_id)
    if user is None or user.is_guest or not user.password_hash:
        raise AuthProblem("current", "Log in first.")
    if not verify_password(user.password_hash, current):
        raise AuthProblem("current", "The current password is not right.")
    problem = password_problem(new)
    if problem:
        raise AuthProblem("new", problem)
    if new != new_again:
        raise AuthProblem("new_again", "The two new passwords differ.")
    user.password_hash = hash_password(new)
    end_all_sessions(session, user_id=user.id)
    return user


def viewer_from_session(request: Request, session: Session) -> Viewer | None:
    """The logged-in viewer from the session cookie; None when absent, expired, ended or deactivated."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        return None
    row = session.execute(
        select(User.id, User.username, User.role)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == hash_token(token), AuthSession.expires_at > utcnow(),
               User.active.is_(True), User.is_guest.is_(False))
    ).first()
    if row is None:
        return None
    return Viewer(user_id=row.id, username=row.username, role=row.role, is_guest=False)


def merge_guest(session: Session, *, guest_id: int | None, user_id: int) -> int:
    """Move a guest's attempts, review cards and interviews to an account; returns attempts moved."""
    if guest_id is None or guest_id == user_id:
        return 0
    guest = session.get(User, guest_id)
    if guest is None or not guest.is_guest:
        return 0
    moved = session.execute(update(Attempt).where(Attempt.user_id == guest_id).values(user_id=user_id)).rowcount or 0
    session.execute(update(Interview).where(Interview.user_id == guest_id).values(user_id=user_id))
    mine = {c.question_id: c for c in session.scalars(select(ReviewCard).where(ReviewCard.user_id == user_id))}
    for card in session.scalars(select(ReviewCard).where(ReviewCard.user_id == guest_id)).all():
        other = mine.get(card.question_id)
        if other is None:
            card.user_id = user_id
        elif card.updated_at > other.updated_at:
            # Both reviewed the question: the later review state wins, the other is dropped.
            session.delete(other)
            session.flush()
            card.user_id = user_id
        else:
            session.delete(card)
    guest.active = False
    session.flush()
    return moved


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Put the session token in an HttpOnly, SameSite=Lax cookie (Secure over https)."""
    settings: Settings = request.app.state.settings
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_days * 86400, httponly=True,
                        samesite="lax", secure=settings.https_cookies, path="/")
    # The guest identity was merged into the account; the browser need not keep it.
    if request.cookies.get(GUEST_COOKIE):
        response.delete_cookie(GUEST_COOKIE, path="/")


def clear_session_cookie(request: Request, response: Response) -> None:
    """Forget the session cookie in the browser."""
    settings: Settings = request.app.state.settings
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.https_cookies)


def client_address(request: Request) -> str:
    """The address a request came from (uvicorn applies trusted X-Forwarded-For)."""
    return request.client.host if request.client else "unknown"


def log_in(session: Session, request: Request, response: Response, user: User) -> None:
    """Start a session for the user, keep the guest's progress, and set the cookie."""
    merge_guest(session, guest_id=guest_id_from_cookie(request), user_id=user.id)
    set_session_cookie(request, response, start_session(session, user=user, settings=request.app.state.settings))


def recent_logins(session: Session, *, user_id: int) -> int:
    """How many sessions a user has open."""
    return session.scalar(select(func.count()).select_from(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.expires_at > utcnow())) or 0
