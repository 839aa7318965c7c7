"""All routers, included in one place."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Route


def include_routes(app: FastAPI) -> None:
    """Attach every area's router to the app."""
    from app.routes import admin as admin_routes
    from app.routes import api, engine, practice, progress
    from app.routes import auth as auth_routes
    from app.routes import interviews as interview_routes

    # First, so it is matched before anything else (see its docstring).
    app.router.routes.insert(0, Route("/questions/{slug}", practice.question_page, methods=["GET"]))
    # Then the routers of the busiest requests (the answer POST, the autosave PUT): routes are tried in
    # order, and FastAPI's check of each route passed on the way costs (the autosave, included last,
    # spent a fifth of its time getting to its route). No path of one router is another's.
    app.include_router(api.router)
    interview_routes.install(app)
    app.include_router(practice.router)
    app.include_router(progress.router)
    app.include_router(engine.api)
    app.include_router(engine.pages)
    auth_routes.install(app)
    admin_routes.install(app)
