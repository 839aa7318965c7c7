"""Two server processes on one PostgreSQL database: nothing that matters lives in one process's memory.

One interview is taken across both servers (created on one, answers saved alternately on both,
submitted on the other); the login session, the failed-login limit and the interview sweep are
shared through the database. One of the servers runs two uvicorn workers, as `--workers N` does in
production. Skips when PostgreSQL does not answer at 127.0.0.1:5432 (or DEEPPREP_MP_PG_URL).
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.browser.conftest import (
    ROOT,
    deepprep_command,
    free_port,
    server_env,
    stop,
    wait_until_up,
)
from tests.conftest import FIXTURE_BANK

psycopg = pytest.importorskip("psycopg")
pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ADMIN_URL = os.environ.get("DEEPPREP_MP_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "two servers, one database 123"


def _connect(url: str):  # noqa: ANN202
    return psycopg.connect(url, connect_timeout=3, autocommit=True)


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this module, dropped afterwards; skip when PostgreSQL is away."""
    try:
        _connect(ADMIN_URL).close()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL does not answer at {ADMIN_URL}: {exc}")
    name = f"deepprep_mp_{uuid.uuid4().hex[:10]}"
    with _connect(ADMIN_URL) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        with _connect(ADMIN_URL) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def servers(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Server A (two workers) and server B (one), each its own process tree, on the same database."""
    data_dir = tmp_path_factory.mktemp("mp-data")
    env = server_env(data_dir, DEEPPREP_DATABASE_URL=pg_database, DEEPPREP_QUESTIONS_DIR=str(FIXTURE_BANK),
                     DEEPPREP_INTERVIEW_SWEEP_SECONDS="1", DEEPPREP_INTERVIEW_GRACE_SECONDS="0",
                     DEEPPREP_LOGIN_MAX_FAILURES="6")
    migrated = subprocess.run([*deepprep_command(), "migrate"], env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=180)
    assert migrated.returncode == 0, migrated.stderr
    started: list[subprocess.Popen] = []
    urls = []
    try:
        for name, workers in (("a", 2), ("b", 1)):
            port = free_port()
            log = data_dir / f"server-{name}.log"
            with log.open("w") as out:
                process = subprocess.Popen(
                    [*deepprep_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
                     str(workers), "--log-level", "warning"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
            started.append(process)
            url = f"http://127.0.0.1:{port}"
            wait_until_up(url, process, log, timeout=120)
            urls.append(url)
        yield urls[0], urls[1]
    finally:
        for process in started:
            stop(process)


def _answer_for(question: dict) -> object:
    if question.get("choices"):
        return [question["choices"][0]["id"]]
    if question["type"] in ("numeric", "computed"):
        return "42"
    return "Dropout randomly drops units during training to reduce overfitting."


def test_an_interview_taken_across_two_processes(servers: tuple[str, str], pg_database: str):
    a, b = servers
    # One cookie jar for both: cookies ignore the port, as they would behind one reverse proxy.
    with httpx.Client(timeout=30) as http:
        user = f"mp{uuid.uuid4().hex[:8]}"
        made = http.post(f"{a}/api/auth/register", json={"username": user, "password": PASSWORD})
        assert made.status_code == 201, made.text
        me = http.get(f"{b}/api/auth/me").json()
        assert me["authenticated"] and me["username"] == user  # the session A made is known to B

        # An interview that expires on its own: the sweep of some process finishes it.
        short = http.post(f"{a}/api/interviews", json={"count": 3, "time_limit_seconds": 10})
        assert short.status_code == 201, short.text

        created = http.post(f"{a}/api/interviews", json={"count": 3, "time_limit_seconds": 600})
        assert created.status_code == 201, created.text
        interview = created.json()
        iid = interview["id"]
        answers = {}
        for q in interview["questions"]:
            server = a if q["position"] % 2 else b  # alternately on both servers
            answers[q["position"]] = _answer_for(q)
            saved = http.put(f"{server}/api/interviews/{iid}/answers/{q['position']}",
                             json={"answer": answers[q["position"]], "elapsed_ms": 1500})
            assert saved.status_code == 200, saved.text
            other = b if server == a else a
            state = http.get(f"{other}/api/interviews/{iid}").json()
            assert state["answers"][str(q["position"])] == answers[q["position"]]
        # Overwrite one answer on the other process; the later save wins everywhere.
        first = interview["questions"][0]
        if not first.get("choices"):
            answers[1] = _answer_for(first) + " Units are all used at inference."
            assert http.put(f"{b}/api/interviews/{iid}/answers/1", json={"answer": answers[1]}).status_code == 200

        report = http.post(f"{b}/api/interviews/{iid}/submit")
        assert report.status_code == 200, report.text
        body = report.json()
        assert body["status"] == "finished"
        assert [q["position"] for q in body["questions"]] == [1, 2, 3]
        assert {q["position"]: q["answer"] for q in body["questions"]} == answers
        assert body["total"]["answered"] == 3
        again = http.get(f"{a}/api/interviews/{iid}/report")
        assert again.status_code == 200 and again.json() == body  # scored once, the same from either process
        late = http.put(f"{a}/api/interviews/{iid}/answers/1", json={"answer": "too late"})
        assert late.status_code == 409

        # The sweep (any process, one second apart) finishes the expired interview; nobody asked for it.
        short_id = short.json()["id"]
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            # Read it from the database directly: an API read would finish it on access instead.
            status = _status_in_db(pg_database.replace("+psycopg", "", 1), short_id)
            if status == "finished":
                break
            time.sleep(0.5)
        assert status == "finished"
        swept = http.get(f"{b}/api/interviews/{short_id}").json()
        assert swept["status"] == "finished" and swept["report"]["finished_by"] == "deadline"


def test_failed_logins_are_counted_across_processes(servers: tuple[str, str]):
    a, b = servers
    with httpx.Client(timeout=30) as http:
        user = f"lim{uuid.uuid4().hex[:8]}"
        assert http.post(f"{a}/api/auth/register", json={"username": user, "password": PASSWORD}).status_code == 201
        codes = [http.post(f"{(a, b)[i % 2]}/api/auth/login", json={"username": user, "password": "wrong one"})
                 .status_code for i in range(6)]
        assert codes == [401] * 6
        # The limit (6 here) is reached over both processes together: each refuses from now on.
        for server in (a, b):
            limited = http.post(f"{server}/api/auth/login", json={"username": user, "password": PASSWORD})
            assert limited.status_code == 429, limited.text


def _status_in_db(url: str, public_id: str) -> str | None:
    with _connect(url) as conn:
        row = conn.execute("SELECT status FROM interviews WHERE public_id = %s", (public_id,)).fetchone()
    return row[0] if row else None



def test_a_form_from_one_process_is_accepted_by_the_other(servers: tuple[str, str]):
    from tests.helpers import hidden_fields, parse_html

    a, b = servers
    with httpx.Client(timeout=30) as http:  # a guest: the CSRF token and guest cookie are signed, not remembered
        page = parse_html(http.get(f"{a}/questions/dropout-purpose").text)
        fields = hidden_fields(page.select_one("form.answer-form"))
        posted = http.post(f"{b}/questions/dropout-purpose", data={**fields, "answer": "It drops units at random."})
        assert posted.status_code == 303, posted.text[:500]
        result = http.get(f"{a}{posted.headers['location']}")
        assert result.status_code == 200
        assert parse_html(result.text).select_one(".verdict .score") is not None
