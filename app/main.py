"""The FastAPI application: create_app(settings) builds it; `app` is the default instance."""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.config import Settings, get_settings
from app.db import Database
from app.middleware import GuardMiddleware
from app.startup import prepare_database
from app.templating import render

ROOT = Path(__file__).resolve().parent.parent


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _validation_message(exc: RequestValidationError) -> tuple[str, list[dict]]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        errors.append({"field": ".".join(loc), "message": err.get("msg", "invalid").removeprefix("Value error, ")})
    first = errors[0] if errors else {"field": "", "message": "invalid request"}
    message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return message, errors


def _page_message(errors: list[dict]) -> str:
    """The first validation problem in words for a page: "page (in the address): ..."."""
    if not errors:
        return "The request was not valid."
    where, _, name = errors[0]["field"].partition(".")
    place = {"query": "in the address", "path": "in the address", "body": "in the form"}.get(where)
    label = f"{name} ({place})" if place and name else errors[0]["field"] or "The request"
    return f"{label}: {errors[0]['message']}."


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):  # noqa: ANN202
        message, errors = _validation_message(exc)
        if _wants_json(request):
            return JSONResponse({"detail": message, "errors": errors}, status_code=422)
        # A page opened with a bad address (/questions?page=abc): the reason on a page, not raw JSON.
        return render(request, "error.html", {"status": 422, "title": "That address is not quite right",
                                              "message": _page_message(errors)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):  # noqa: ANN202
        headers = getattr(exc, "headers", None)
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
        titles = {403: "Not allowed", 404: "Not found", 405: "Not allowed here", 409: "Too late", 429: "Slow down"}
        return render(request, "error.html", {"status": exc.status_code, "title": titles.get(exc.status_code, "Something went wrong"),
                                              "message": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):  # noqa: ANN202
        import logging

        logging.getLogger("deepprep").exception("unhandled error on %s", request.url.path)
        if _wants_json(request):
            return JSONResponse({"detail": "internal error; it has been logged"}, status_code=500)
        return render(request, "error.html", {"status": 500, "title": "Something went wrong",
                                              "message": "The error has been logged."}, status_code=500)


VALIDATION_ERROR_SCHEMA = {
    "title": "HTTPValidationError", "type": "object", "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "the first problem, in words"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
    },
}


def _install_openapi(app: FastAPI) -> None:
    """Describe 422 bodies as the app sends them ({"detail": str, "errors": [...]}); title operations by docstring."""

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            schema.setdefault("components", {}).setdefault("schemas", {})["HTTPValidationError"] = VALIDATION_ERROR_SCHEMA
            # Each operation titled by its docstring's first line, not its function's name ("Api Save").
            for operations in schema.get("paths", {}).values():
                for op in operations.values():
                    if isinstance(op, dict) and op.get("description"):
                        op["summary"] = op["description"].strip().splitlines()[0].rstrip(".")
        return app.openapi_schema

    app.openapi = openapi


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for the given settings (the environment's by default)."""
    settings = settings or get_settings()
    db = Database(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        prepare_database(db, migrate=settings.migrate_on_start, sync=settings.sync_bank_on_start)
        db.start_checkpoints()
        for hook in app.state.background_starters:
            await hook(app)
        # What start-up made (modules, templates, the bank's content) lives as long as the process:
        # frozen, the collector's full passes stop walking it, which shortens their pauses.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            for stop in app.state.background_stoppers:
                await stop(app)
            db.dispose()

    # The API docs serve Swagger UI and ReDoc from the package, not from a CDN.
    app = FastAPIOffline(
        title="deepprep",
        summary="Practise deep-learning interview questions: scored answers, worked solutions, mock interviews.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.background_starters = []
    app.state.background_stoppers = []
    app.add_middleware(GuardMiddleware, max_body_bytes=settings.max_body_bytes)
    _install_error_handlers(app)
    _install_openapi(app)
    app.mount("/static", StaticFiles(directory=str(ROOT / "static")), name="static")

    from app.routes import include_routes

    include_routes(app)
    return app


def __getattr__(name: str):  # noqa: ANN202
    # `uvicorn app.main:app` builds the app on first access, so importing this module stays cheap.
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)
