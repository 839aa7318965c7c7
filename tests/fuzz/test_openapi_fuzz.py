"""Schemathesis over /openapi.json, in-process on the test database: no 500s, responses match the schema.

Every operation is called as a logged-in admin (so the admin API is exercised beyond its 403), on a
fresh copy of the fixture bank per operation. Examples per operation are bounded so the whole file
runs in well under a minute; FUZZ_EXAMPLES raises the bound for a longer local run.
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
)

from app import auth  # noqa: E402
from app.models import User  # noqa: E402
from app.passwords import hash_password  # noqa: E402
from app.security import SESSION_COOKIE  # noqa: E402

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Logging out would end the session the other operations use; it is a one-liner covered in tests/routes.
SKIPPED = ("/api/auth/logout",)


@pytest.fixture
def admin_cookies(app) -> dict[str, str]:  # noqa: ANN001
    """A session cookie for an admin in this test's database."""
    db = app.state.db
    with db.writing() as session:
        user = User(username="fuzz-admin", password_hash=hash_password("fuzz admin password 123"), role="admin",
                    is_guest=False, active=True)
        session.add(user)
        session.flush()
        token = auth.start_session(session, user=user, settings=app.state.settings)
    return {SESSION_COOKIE: token}


@pytest.fixture
def api_schema(app):  # noqa: ANN001, ANN201
    """The app's own OpenAPI document, called through the ASGI app."""
    return schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path=list(SKIPPED))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_never_500s_and_matches_its_schema(case, admin_cookies):  # noqa: ANN001
    case.call_and_validate(cookies=admin_cookies, checks=CHECKS)
