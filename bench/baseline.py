"""The baseline of bench/run.py: a bare Starlette app that returns a short HTML string."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

PAGE = "<!doctype html><html><head><title>baseline</title></head><body><p>Hello from the baseline.</p></body></html>"


async def hello(request):  # noqa: ANN001, ANN201
    """The one page: a constant HTML string."""
    return HTMLResponse(PAGE)


app = Starlette(routes=[Route("/", hello)])
