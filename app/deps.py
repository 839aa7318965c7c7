"""FastAPI dependencies: the database, the viewer, and checks shared by routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from app.config import Settings
from app.db import Database
from app.security import Viewer, csrf_valid, resolve_viewer


def get_db(request: Request) -> Database:
    """The app's database."""
    return request.app.state.db


def get_settings_dep(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def get_viewer(request: Request, db: Annotated[Database, Depends(get_db)]) -> Viewer:
    """Who is asking; also kept on request.state for templates."""
    with db.reading() as session:
        viewer = resolve_viewer(request, session)
    request.state.viewer = viewer
    return viewer


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ViewerDep = Annotated[Viewer, Depends(get_viewer)]


class CsrfError(HTTPException):
    """A form posted without its CSRF token, or with a wrong one."""

    def __init__(self) -> None:
        super().__init__(status_code=403, detail="This form has expired or did not come from this site. Reload the page and try again.")


def check_csrf(request: Request, token: str | None) -> None:
    """Refuse a state-changing form without the right CSRF token."""
    if not csrf_valid(request, token):
        raise CsrfError()
