"""A server killed with SIGKILL mid-interview loses no saved answer and still finishes the interview at its deadline."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from app.models import Interview
from tests.conftest import FIXTURE_BANK, SECRET

pytestmark = pytest.mark.slow
DEEPPREP = Path(sys.executable).with_name("deepprep")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start `deepprep serve` and wait (bounded) until it answers."""
    proc = subprocess.Popen([str(DEEPPREP), "serve", "--port", str(port), "--log-level", "info"], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/topics", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"the server did not start within 40 s:\n{log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


def test_sigkill_mid_interview_loses_nothing_and_still_finishes(tmp_path: Path, database_url: str):
    port = free_port()
    env = {**os.environ, "DEEPPREP_DATA_DIR": str(tmp_path), "DEEPPREP_DATABASE_URL": database_url,
           "DEEPPREP_QUESTIONS_DIR": str(FIXTURE_BANK), "DEEPPREP_SECRET_KEY": SECRET, "DEEPPREP_ENV": "test",
           "DEEPPREP_INTERVIEW_GRACE_SECONDS": "1", "DEEPPREP_INTERVIEW_SWEEP_SECONDS": "1"}
    log = tmp_path / "server.log"
    base = f"http://127.0.0.1:{port}"
    proc = serve(port, env, log)
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            created = http.post("/api/interviews", json={"count": 4, "time_limit_seconds": 10})
            assert created.status_code == 201, created.text
            body = created.json()
            pid = body["id"]
            answers = {}
            for q in body["questions"]:
                answer = [q["choices"][0]["id"]] if "choices" in q else f"answer to {q['position']}"
                assert http.put(f"/api/interviews/{pid}/answers/{q['position']}",
                                json={"answer": answer}).status_code == 200
                answers[str(q["position"])] = answer
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

            proc = serve(port, env, log)
            state = http.get(f"/api/interviews/{pid}").json()
            assert state["answers"] == answers, "every saved answer survived the crash"

            # Nobody looks at the interview now: the server's own sweep must finish it.
            engine = create_engine(database_url)
            try:
                limit = time.monotonic() + 30
                status = None
                while time.monotonic() < limit:
                    with engine.connect() as conn:
                        status = conn.execute(select(Interview.status).where(Interview.public_id == pid)).scalar()
                    if status == "finished":
                        break
                    time.sleep(0.25)
            finally:
                engine.dispose()
            assert status == "finished", f"not finished by the sweep:\n{log.read_text()[-2000:]}"
            # The sweep says so in the server's log, beside uvicorn's own lines.
            limit = time.monotonic() + 5
            while "sweep finished 1 expired interview" not in log.read_text() and time.monotonic() < limit:
                time.sleep(0.1)
            assert "sweep finished 1 expired interview" in log.read_text(), log.read_text()[-2000:]
            report = http.get(f"/api/interviews/{pid}").json()["report"]
            assert report["finished_by"] == "deadline"
            assert {str(q["position"]): q["answer"] for q in report["questions"]} == answers
    finally:
        stop(proc)
