"""Schemathesis over /openapi.json, in-process on a temporary SQLite file: no 500s, responses match the schema.

Every operation is called as a logged-in admin (so the admin API is exercised beyond its 403) on one
database loaded with the fixture bank, shared by the whole module as a server's would be. Examples per
operation are bounded so the file runs in well under a minute; FUZZ_EXAMPLES raises the bound.

The app is built at import because schemathesis' pytest fixture loader (from_fixture) does not work
with pytest 9 (it reads a private attribute, Function._nodeid); building it reads no database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
)

from app import auth  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import User  # noqa: E402
from app.passwords import hash_password  # noqa: E402
from app.security import SESSION_COOKIE  # noqa: E402
from app.startup import prepare_database  # noqa: E402
from tests.conftest import make_settings  # noqa: E402

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))


def _documents_app_422(schema_doc: dict) -> bool:
    detail = schema_doc.get("components", {}).get("schemas", {}).get("HTTPValidationError", {}).get("properties", {})
    return detail.get("detail", {}).get("type") == "string"


def error_body_shape(ctx, response, case) -> None:  # noqa: ANN001
    """Every 4xx from the API is JSON with a string detail; a 422 also lists {field, message} errors."""
    if not 400 <= response.status_code < 500 or response.status_code in (405,):
        return
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("detail"), str), f"error body without a string detail: {body!r}"
    if response.status_code == 422 and "errors" in body:
        assert all(isinstance(e, dict) and isinstance(e.get("message"), str) for e in body["errors"]), body


def schema_conformance(ctx, response, case):  # noqa: ANN001, ANN201
    """response_schema_conformance, except for 422 while /openapi.json still documents FastAPI's default
    HTTPValidationError (detail: array) instead of the app's {detail: str, errors: [...]} (reported to the lead)."""
    if response.status_code == 422 and not _documents_app_422(case.operation.schema.raw_schema):
        return None
    return response_schema_conformance(ctx, response, case)


CHECKS = [not_a_server_error, schema_conformance, content_type_conformance, error_body_shape]
# Failures found here in other people's files, reported to the lead: expected to fail until fixed there.
# Known, reported failures that are not fixed yet, by operation label (none at present).
KNOWN: dict[str, str] = {}


def known_failure(label: str, exc: BaseException) -> str | None:
    """The reported bug behind this failure, or None when it is a new one."""
    return KNOWN.get(label)


# Logging out would end the session the other operations use; it is a one-liner covered in tests/routes.
SKIPPED = ("/api/auth/logout",)
_FOLDER = Path(tempfile.mkdtemp(prefix="deepprep-fuzz-"))
APP = create_app(make_settings(_FOLDER, f"sqlite:///{_FOLDER / 'fuzz.sqlite3'}"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path=list(SKIPPED))


@pytest.fixture(scope="module")
def admin_cookies() -> Iterator[dict[str, str]]:
    """Load the fixture bank, and a session cookie for an admin; remove the folder afterwards."""
    db = APP.state.db
    try:
        prepare_database(db)
        with db.writing() as session:
            user = User(username="fuzz-admin", password_hash=hash_password("fuzz admin password 123"),
                        role="admin", is_guest=False, active=True)
            session.add(user)
            session.flush()
            token = auth.start_session(session, user=user, settings=APP.state.settings)
        yield {SESSION_COOKIE: token}
    finally:
        db.dispose()
        shutil.rmtree(_FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_never_500s_and_matches_its_schema(case, admin_cookies):  # noqa: ANN001
    try:
        case.call_and_validate(cookies=admin_cookies, checks=CHECKS)
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup
        reason = known_failure(case.operation.label, exc)
        if reason:
            pytest.xfail(reason)
        raise
