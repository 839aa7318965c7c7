"""Pure ASGI middleware: hardening headers, body size limit, JSON-only API bodies."""

from __future__ import annotations

import html
import json

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# The interactive docs load their script from a CDN; they get a looser policy of their own.
DOCS_PATHS = ("/docs", "/redoc")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Staff pages and data are not kept by the browser: Back after logging out shows none of them.
NO_STORE_PREFIXES = ("/admin", "/api/admin")
NO_STORE = [(b"cache-control", b"no-store")]


async def _send_refusal(send, path: str, status: int, detail: str) -> None:  # noqa: ANN001
    """JSON for the API, a short page for a browser (a form or upload that was too large)."""
    if path.startswith("/api/"):
        await _send_json(send, status, detail)
        return
    body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Too large</title>'
            f'<link rel="stylesheet" href="/static/app.css"></head><body><main class="panel narrow error-page">'
            f'<p class="eyebrow">Error {status}</p><h1>That was too large</h1><p>{html.escape(detail[:1].upper() + detail[1:])}. '
            f'Nothing was saved: go back and send less (an import can be split by topic).</p>'
            f'<p><a class="button" href="/">Back to the start</a></p></main></body></html>').encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            *HEADERS]})
    await send({"type": "http.response.body", "body": body})


async def _send_json(send, status: int, detail: str) -> None:  # noqa: ANN001
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *HEADERS]})
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """Adds security headers, refuses oversized bodies (413) and non-JSON API bodies (415)."""

    def __init__(self, app, max_body_bytes: int) -> None:  # noqa: ANN001
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body_bytes
            except ValueError:
                await _send_json(send, 400, "Content-Length is not a number")
                return
            if too_big:
                await _send_refusal(send, path, 413, f"the request body is larger than {self.max_body_bytes:,} bytes")
                return
        has_body = (length not in (None, b"0")) or b"chunked" in headers.get(b"transfer-encoding", b"")
        if path.startswith("/api/") and scope["method"] in WRITE_METHODS and has_body:
            ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if ctype != b"application/json":
                await _send_json(send, 415, "the API takes JSON bodies: send Content-Type: application/json")
                return

        received = 0

        async def limited_receive():  # noqa: ANN202
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge()
            return message

        docs = path.startswith(DOCS_PATHS)
        extra = HEADERS + NO_STORE if path.startswith(NO_STORE_PREFIXES) else HEADERS

        async def send_with_headers(message):  # noqa: ANN001, ANN202
            if message["type"] == "http.response.start" and not docs:
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            await _send_refusal(send, path, 413, f"the request body is larger than {self.max_body_bytes:,} bytes")


class BodyTooLarge(Exception):
    """A streamed body went over the limit."""
