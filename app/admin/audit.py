"""The audit log: every admin change, with who made it and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditLog, User


def record(session: Session, *, user_id: int | None, action: str, target: str = "", detail: dict[str, Any] | None = None) -> None:
    """Write one audit entry in the same transaction as the change it describes."""
    session.add(AuditLog(user_id=user_id, action=action[:60], target=target[:200], detail=detail or {}))


def entries(session: Session, *, limit: int = 50, offset: int = 0, action: str | None = None,
            target: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of the audit log, newest first, and how many entries match in all."""
    stmt = select(AuditLog, User.username).outerjoin(User, User.id == AuditLog.user_id)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if target:
        stmt = stmt.where(AuditLog.target == target)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.order_by(AuditLog.id.desc()).limit(limit).offset(offset)).all()
    return [{"id": a.id, "at": a.at, "user": name or (f"user {a.user_id}" if a.user_id else "system"),
             "action": a.action, "target": a.target, "detail": a.detail or {}} for a, name in rows], total


def actions(session: Session) -> list[str]:
    """The distinct actions in the log, for the filter."""
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
