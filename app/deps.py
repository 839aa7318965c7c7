"""FastAPI dependencies: the database, the viewer, and checks shared by routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.db import Database
from app.security import SESSION_COOKIE, Viewer, csrf_valid, guest_id_from_cookie, resolve_viewer


# Async, though they do no I/O: FastAPI would run a plain def dependency in a worker thread.
async def get_db(request: Request) -> Database:
    """The app's database."""
    return request.app.state.db


async def get_settings_dep(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def _viewer_from_db(request: Request, db: Database) -> Viewer:
    with db.reading() as session:
        return resolve_viewer(request, session)


async def get_viewer(request: Request) -> Viewer:
    """Who is asking; also kept on request.state for templates."""
    # The database straight from the app, not as a sub-dependency: FastAPI's solving of each level
    # costs more than the rest of this function on the hot routes.
    if request.cookies.get(SESSION_COOKIE):
        viewer = await run_in_threadpool(_viewer_from_db, request, request.app.state.db)
    else:
        # Guests and visitors need no query: the guest cookie is signed.
        viewer = Viewer(user_id=guest_id_from_cookie(request))
    request.state.viewer = viewer
    return viewer


DbDep = Annotated[Database, Depends(get_db)]
# A database id in a path: bounded so a huge number is a 422, not an overflow inside the driver.
RowId = Annotated[int, Path(ge=0, le=2**63 - 1)]
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
