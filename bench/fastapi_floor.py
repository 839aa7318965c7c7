"""A reference beside the baseline: what FastAPI itself costs for the shapes the app's routes have.

Not part of the targets; bench/run.py measures it so the table shows how much of a page's time is the
framework (a sync route and a sync dependency each take a trip through the thread pool) and how much is
deepprep's own work (database, generators, Markdown, templates).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

PAGE = "<!doctype html><html><head><title>floor</title></head><body><p>Hello from FastAPI.</p></body></html>"

app = FastAPI()


@app.get("/async", response_class=HTMLResponse)
async def async_page() -> str:
    """An async route: no thread pool."""
    return PAGE


def viewer(request: Request) -> str | None:
    """A sync dependency, like app.deps.get_viewer (without its database read)."""
    return request.cookies.get("deepprep_guest")


@app.get("/sync", response_class=HTMLResponse)
def sync_page(who: Annotated[str | None, Depends(viewer)]) -> str:
    """A sync route with a sync dependency: two trips through the thread pool, as deepprep's pages make."""
    return PAGE
