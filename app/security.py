"""Who is asking (guest cookie or login session), CSRF tokens, and hardening headers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from app.db import Statements
from app.models import User, utcnow

GUEST_COOKIE = "deepprep_guest"
CSRF_COOKIE = "deepprep_csrf"
SESSION_COOKIE = "deepprep_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Viewer:
    """The person behind a request; user_id is None for a visitor who has not written anything."""

    user_id: int | None
    username: str | None = None
    role: str = "learner"
    is_guest: bool = True

    @property
    def is_staff(self) -> bool:
        """Instructors and admins may use the admin."""
        return self.role in ("instructor", "admin") and not self.is_guest

    @property
    def display_name(self) -> str:
        """What the header shows."""
        return self.username or "Guest"


def _guest_signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.resolved_secret_key, salt="guest")


def guest_id_from_cookie(request: Request) -> int | None:
    """The guest user id held in the signed cookie, if valid."""
    raw = request.cookies.get(GUEST_COOKIE)
    if not raw or len(raw) > 200:
        return None
    return _verified_guest_id(request.app.state.settings.resolved_secret_key, raw)


@lru_cache(maxsize=4096)
def _verified_guest_id(secret: str, raw: str) -> int | None:
    """Check a guest cookie's signature once per distinct cookie (the answer never changes)."""
    try:
        value = URLSafeSerializer(secret, salt="guest").loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def set_guest_cookie(request: Request, response: Response, user_id: int) -> None:
    """Remember a guest identity in a signed, HttpOnly cookie."""
    settings = request.app.state.settings
    response.set_cookie(
        GUEST_COOKIE, _guest_signer(request).dumps(user_id), max_age=YEAR, httponly=True,
        samesite="lax", secure=settings.https_cookies, path="/",
    )


def resolve_viewer(request: Request, session: Session) -> Viewer:
    """Find the viewer: a login session first (see app.auth), else the guest cookie."""
    resolver = getattr(request.app.state, "session_resolver", None)
    if resolver is not None and request.cookies.get(SESSION_COOKIE):
        viewer = resolver(request, session)
        if viewer is not None:
            return viewer
    # The guest cookie is signed, so reads trust it without a query; ensure_user checks the row
    # before anything is written for it.
    return Viewer(user_id=guest_id_from_cookie(request))


_GUEST_ROW = select(User.is_guest, User.active).where(User.id == bindparam("user_id"))
_NEW_GUEST = (insert(User.__table__).values({k: bindparam(k) for k in ("role", "is_guest", "active", "created_at")})
              .returning(User.__table__.c.id))


def ensure_user(request: Request, response: Response, stmts: Statements, viewer: Viewer) -> int:
    """The viewer's user id for a write, creating a guest user (and its cookie) when there is none yet."""
    if viewer.user_id is not None and not viewer.is_guest:
        return viewer.user_id
    if viewer.user_id is not None:
        row = stmts.first(_GUEST_ROW, {"user_id": viewer.user_id})
        if row is not None and row[0] and row[1]:  # a guest, still active
            return viewer.user_id
    (user_id,) = stmts.first(_NEW_GUEST, {"role": "learner", "is_guest": True, "active": True, "created_at": utcnow()})
    set_guest_cookie(request, response, user_id)
    request.state.new_guest_id = user_id
    return user_id


# CSRF: a random per-browser value in a cookie, and a form token that is its HMAC. A cross-site
# form can make the browser send the cookie but cannot read it, so it cannot forge the token.
def _csrf_mac(request: Request, seed: str) -> str:
    return _csrf_mac_for(request.app.state.settings.resolved_secret_key, seed)


@lru_cache(maxsize=4096)
def _csrf_mac_for(secret: str, seed: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + seed.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The CSRF token for this browser's forms (the cookie is set by the middleware)."""
    seed = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_seed", None)
    if not seed:
        seed = secrets.token_urlsafe(24)
        request.state.csrf_seed = seed
    return _csrf_mac(request, seed)


def csrf_valid(request: Request, token: str | None) -> bool:
    """Whether a submitted token matches this browser's CSRF cookie."""
    seed = request.cookies.get(CSRF_COOKIE)
    return bool(seed and token and hmac.compare_digest(_csrf_mac(request, seed), token))
