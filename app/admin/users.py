"""Managing accounts: list them, change a role, deactivate and reactivate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.admin import audit
from app.auth import ROLES, end_all_sessions
from app.models import Attempt, User


class UserProblem(ValueError):
    """A refused change to an account, with the reason."""


def list_users(session: Session, *, q: str | None = None) -> list[dict[str, Any]]:
    """Registered users (not guests) with their number of attempts."""
    counts = select(Attempt.user_id, func.count().label("n")).group_by(Attempt.user_id).subquery()
    stmt = (select(User, counts.c.n).outerjoin(counts, counts.c.user_id == User.id)
            .where(User.is_guest.is_(False)).order_by(User.username))
    if q:
        stmt = stmt.where(func.lower(User.username).contains(q.lower(), autoescape=True))
    return [{"id": u.id, "username": u.username, "role": u.role, "active": u.active, "created_at": u.created_at,
             "attempts": n or 0} for u, n in session.execute(stmt)]


def get_user(session: Session, user_id: int) -> User:
    """A registered user by id; LookupError when there is none."""
    user = session.get(User, user_id)
    if user is None or user.is_guest:
        raise LookupError("no such user")
    return user


def _other_active_admins(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.active.is_(True), User.is_guest.is_(False), User.id != user_id)) or 0


def set_role(session: Session, *, actor_id: int, user_id: int, role: str) -> User:
    """Change a user's role; the last active admin cannot stop being one."""
    if role not in ROLES:
        raise UserProblem(f"unknown role '{role}'; use one of {', '.join(ROLES)}")
    user = get_user(session, user_id)
    if user.role == role:
        return user
    if user.role == "admin" and _other_active_admins(session, user.id) == 0:
        raise UserProblem("this is the last active admin; make someone else admin first")
    audit.record(session, user_id=actor_id, action="user.role", target=f"user:{user.username}",
                 detail={"from": user.role, "to": role})
    user.role = role
    return user


def set_active(session: Session, *, actor_id: int, user_id: int, active: bool) -> User:
    """Deactivate (ending every session) or reactivate an account; nobody deactivates themselves."""
    user = get_user(session, user_id)
    if user.active == active:
        return user
    if not active and user.id == actor_id:
        raise UserProblem("you cannot deactivate your own account")
    if not active and user.role == "admin" and _other_active_admins(session, user.id) == 0:
        raise UserProblem("this is the last active admin")
    user.active = active
    if not active:
        end_all_sessions(session, user_id=user.id)
    audit.record(session, user_id=actor_id, action="user.activate" if active else "user.deactivate",
                 target=f"user:{user.username}")
    return user
