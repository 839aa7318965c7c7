"""Live worked answers: the JSON API under /api/engine and the /playground pages."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from pydantic import ValidationError

import engine
from app.engine_tools import TOOLS, Tool
from app.pictures import picture_for
from app.templating import render

api = APIRouter(prefix="/api/engine", tags=["engine"])
pages = APIRouter(include_in_schema=False)


def engine_error_message(tool: Tool, exc: engine.EngineError) -> str:
    """The engine's message, with its parameter named as the API names it."""
    param = tool.extra.get("rename", {}).get(exc.param.split("[")[0], None)
    return f"{param}{exc.param[len(exc.param.split('[')[0]):]}: {exc.message}" if param else str(exc)


def run_tool(tool: Tool, body: Any) -> dict[str, Any]:
    """Validate a body for a tool and run it; bad input becomes a 422 naming the parameter."""
    try:
        model = tool.model.model_validate(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise HTTPException(422, f"{where}: {err['msg']}" if where else err["msg"]) from None
    try:
        return tool.run(model)
    except engine.EngineError as exc:
        raise HTTPException(422, engine_error_message(tool, exc)) from None


def _make_endpoint(tool: Tool):  # noqa: ANN202
    def endpoint(body):  # noqa: ANN001, ANN202
        try:
            return tool.run(body)
        except engine.EngineError as exc:
            raise HTTPException(422, engine_error_message(tool, exc)) from None

    endpoint.__doc__ = f"{tool.title}: {tool.summary} The response also has the worked steps."
    endpoint.__name__ = "engine_" + tool.slug.replace("-", "_")
    # Real objects, not strings: FastAPI reads the body model from the annotation.
    endpoint.__annotations__ = {"body": tool.model, "return": dict[str, Any]}
    return endpoint


for _tool in TOOLS.values():
    api.add_api_route(f"/{_tool.slug}", _make_endpoint(_tool), methods=["POST"], summary=_tool.title)


def _parse_field(kind: str, raw: str) -> Any:
    """Read one playground field typed by a person: numbers, lists like 1, 2, 3, or JSON."""
    raw = raw.strip()
    if raw == "":
        return None
    if kind == "choice":
        return raw
    if kind == "bool":
        return raw.lower() in ("1", "true", "yes", "on")
    if kind in ("number", "int"):
        try:
            return int(raw) if kind == "int" else float(raw)
        except ValueError:
            raise ValueError(f"'{raw}' is not a number") from None
    if kind == "vector":
        text = raw if raw.startswith("[") else f"[{raw}]"
    elif kind == "matrix" and not raw.startswith("["):
        rows = [r for r in raw.replace("\n", ";").split(";") if r.strip()]
        text = "[" + ",".join(f"[{r}]" for r in rows) + "]"
    elif kind == "text":
        if raw.lstrip("-").isdigit():
            return int(raw)
        if raw[0] in "[{":
            text = raw
        else:
            return raw
    else:
        text = raw
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError("could not read this; use numbers separated by commas, or JSON like [[1, 2], [3, 4]]") from None


@pages.get("/playground")
def playground_index(request: Request):
    """Every engine family, each with a form to try your own numbers."""
    return render(request, "playground/index.html", {"tools": list(TOOLS.values())})


@pages.get("/playground/{slug}")
def playground_tool(request: Request, slug: str):
    """One family: the inputs live in the URL, so a worked answer can be shared."""
    tool = TOOLS.get(slug)
    if tool is None:
        raise HTTPException(404, f"There is no playground called '{slug}'.")
    given = {i.name: request.query_params[i.name] for i in tool.inputs if i.name in request.query_params}
    values = {i.name: given.get(i.name, i.default) for i in tool.inputs}
    errors: dict[str, str] = {}
    result, parsed_inputs = None, None
    if given:
        body: dict[str, Any] = {}
        for inp in tool.inputs:
            try:
                parsed = _parse_field(inp.kind, values[inp.name])
            except ValueError as exc:
                errors[inp.name] = str(exc)
                continue
            if parsed is not None:
                body[inp.name] = parsed
        if not errors:
            parsed_inputs = body
            try:
                result = run_tool(tool, body)
            except HTTPException as exc:
                field_name = str(exc.detail).split(":", 1)[0].split(".", 1)[0]
                errors[field_name if field_name in values else "_"] = str(exc.detail)
    status = 422 if errors else 200
    share = f"/playground/{slug}?{urlencode(values)}"
    return render(request, "playground/tool.html", {
        "tool": tool, "values": values, "errors": errors, "result": result, "share": share,
        "picture": picture_for(tool, result, parsed_inputs) if result else None,
    }, status_code=status)
