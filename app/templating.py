"""Jinja2 set-up and the one helper that renders a page (and sets the CSRF cookie when new)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from app.lru import Lru
from app.rendering import render_latex
from app.security import CSRF_COOKIE, CSRF_FIELD, csrf_token

ROOT = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=str(ROOT / "templates"))
env = templates.env
# Templates do not change while the server runs (a code change restarts it), so skip the mtime checks.
env.auto_reload = False
env.globals["CSRF_FIELD"] = CSRF_FIELD


def _percent(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def _num(value: Any, digits: int = 4) -> str:
    """Format numbers in traces: integers as they are, floats to a few significant digits."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e12:
            return str(int(value))
        return f"{value:.{digits}g}"
    if isinstance(value, list):
        return "[" + ", ".join(_num(v, digits) for v in value) + "]"
    return str(value)


def _math(latex: str, display: bool = False) -> Markup:
    return Markup(render_latex(latex, display=display))  # noqa: S704 (render_latex sanitises)


def _matrix_rows(value: Any) -> list[list[Any]] | None:
    """A 2-D list as rows for a table, or None if it is not one."""
    if isinstance(value, list) and value and all(isinstance(r, list) for r in value):
        if all(not isinstance(c, list) for r in value for c in r):
            return value
    return None


STATUS_LABELS = {"new": "New", "due": "Due for review", "mastered": "Mastered", "missed": "Missed last time"}

env.filters["percent"] = _percent
env.filters["zip"] = lambda a, b: list(zip(a, b, strict=True))
env.filters["status_label"] = lambda s: STATUS_LABELS.get(s, s)
env.filters["state_label"] = lambda s: {"active": "In use", "archived": "Archived", "all": "All"}.get(s, s)
env.filters["num"] = _num
env.filters["math"] = _math
env.filters["matrix_rows"] = _matrix_rows


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """Render a page with the viewer, a CSRF token and the request; sets the CSRF cookie if new."""
    ctx = {"csrf_token": csrf_token(request), "viewer": getattr(request.state, "viewer", None)}
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    _set_csrf_cookie(request, response)
    return response


def _set_csrf_cookie(request: Request, response: HTMLResponse) -> None:
    seed = getattr(request.state, "csrf_seed", None)
    if seed and not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, seed, httponly=True, samesite="lax", path="/",
                            secure=request.app.state.settings.https_cookies, max_age=365 * 24 * 3600)


# Pages rendered once and kept: the HTML with marked holes where per-request values go.
_PAGES = Lru(max_size=64_000_000, max_entries=4000)  # sizes in characters
_HOLE = "hole" + secrets.token_hex(8)  # per process, so no question's text can contain it


def _hole(name: str) -> str:
    return f"{_HOLE}-{name}-"


def render_once(request: Request, name: str, key: Hashable, context: Callable[[], Mapping[str, Any]],
                per_request: Mapping[str, str]) -> HTMLResponse:
    """Render a page that is the same for everyone with the same key but for a few values; cached per process.

    `context` is called only when the page is not cached; `key` must name everything it depends on. The viewer's header, the search box and the CSRF token
    are handled here; `per_request` values (plain text, escaped here) fill their holes on every request.
    """
    viewer = getattr(request.state, "viewer", None)
    header = (viewer.display_name, viewer.is_staff) if viewer is not None and not viewer.is_guest else None
    full_key = (name, key, header, request.query_params.get("q", ""))
    html = _PAGES.get(full_key)
    if html is None:
        holes = {field: Markup(_hole(field)) for field in per_request}  # noqa: S704 (our own marker)
        html = templates.get_template(name).render(
            {**context(), **holes, "csrf_token": _hole("csrf"), "viewer": viewer, "request": request})
        _PAGES.put(full_key, html, len(html))
    html = html.replace(_hole("csrf"), csrf_token(request))
    for field, value in per_request.items():
        html = html.replace(_hole(field), str(Markup.escape(value)))
    response = HTMLResponse(html)
    _set_csrf_cookie(request, response)
    return response
