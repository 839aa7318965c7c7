"""Routes are tried in order (the busiest routers first): none may hide another."""

from __future__ import annotations

import re

from starlette.routing import Match


def _all_routes(routes) -> list:  # noqa: ANN001
    out = []
    for route in routes:
        inner = getattr(route, "router", None) or getattr(route, "original_router", None)
        if hasattr(route, "path") and hasattr(route, "endpoint"):
            out.append(route)
        elif inner is not None and hasattr(inner, "routes"):
            out += _all_routes(inner.routes)
    return out


def _first_route(routes, path: str, method: str):  # noqa: ANN001, ANN202
    """The route that answers: the first full match, looking inside included routers."""
    scope = {"type": "http", "path": path, "method": method, "root_path": "", "headers": [], "query_string": b""}
    for route in routes:
        match, _child = route.matches(scope)
        if match != Match.FULL:
            continue
        inner = getattr(route, "router", None) or getattr(route, "original_router", None)
        if hasattr(route, "endpoint") or inner is None:
            return route
        found = _first_route(inner.routes, path, method)
        if found is not None:
            return found
    return None


def test_every_route_answers_its_own_paths(app):
    routes = _all_routes(app.router.routes)
    assert len(routes) > 50
    hidden = []
    for route in routes:
        sample = re.sub(r"\{[^}:]+(:[^}]+)?\}", "123", route.path)
        for method in sorted(route.methods or {"GET"}):
            if _first_route(app.router.routes, sample, method) is not route:
                hidden.append(f"{method} {route.path}")
    assert hidden == []


def test_api_docs_title_operations_in_words(client):
    """/docs lists "Score an answer and store the attempt ...", not the function name "Api Answer"."""
    paths = client.get("/openapi.json").json()["paths"]
    summaries = [op["summary"] for ops in paths.values() for op in ops.values() if isinstance(op, dict)]
    assert summaries and not [s for s in summaries if s.startswith("Api ")]
    assert paths["/api/questions/{ref}/answers"]["post"]["summary"].startswith("Score an answer")
