"""Two hundred candidates saving answers at once: no save lost, none refused with "database is locked"."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from app.models import Interview, InterviewItem

pytestmark = pytest.mark.slow
CANDIDATES = 200
QUESTIONS = 3


async def _candidate(app, n: int) -> list[tuple[int, str]]:  # noqa: ANN001
    """One candidate: start an interview, then save every answer."""
    failures: list[tuple[int, str]] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as http:
        created = await http.post("/api/interviews", json={"count": QUESTIONS, "time_limit_seconds": 600,
                                                           "topics": ["cnn"]})
        if created.status_code != 201:
            return [(created.status_code, created.text)]
        body = created.json()
        for q in body["questions"]:
            answer = [0] if "choices" in q else f"{body['id']}:{q['position']}"
            r = await http.put(f"/api/interviews/{body['id']}/answers/{q['position']}",
                               json={"answer": answer, "elapsed_ms": 100})
            if r.status_code != 200:
                failures.append((r.status_code, r.text))
    return failures


async def _all(app) -> list[tuple[int, str]]:  # noqa: ANN001
    results = await asyncio.gather(*(_candidate(app, n) for n in range(CANDIDATES)))
    return [f for r in results for f in r]


def test_two_hundred_candidates_saving_at_once(app, client, db):
    failures = asyncio.run(asyncio.wait_for(_all(app), timeout=120))
    assert failures == [], failures[:5]
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Interview)) == CANDIDATES
        saved = s.execute(select(Interview.public_id, InterviewItem.position, InterviewItem.answer, InterviewItem.saved_at)
                          .join(Interview, Interview.id == InterviewItem.interview_id)).all()
    assert len(saved) == CANDIDATES * QUESTIONS
    assert all(answer is not None and at is not None for _, _, answer, at in saved), "every save is stored"
    texts = [(pid, pos, a) for pid, pos, a, _ in saved if isinstance(a, str)]
    assert texts and all(a == f"{pid}:{pos}" for pid, pos, a in texts), "each save landed on its own interview"
