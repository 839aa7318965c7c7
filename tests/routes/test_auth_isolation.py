"""One account cannot read or change another's attempts, interviews or reports: they are 404 to it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.routes.test_admin import log_in_as


def test_another_users_attempts_and_interviews_are_404(client, app):
    log_in_as(client, "learner", "alice")
    attempt = client.post("/api/questions/conv-size-fixed/answers", json={"answer": "10x10"}).json()["attempt_id"]
    interview = client.post("/api/interviews", json={"topics": [], "count": 3, "time_limit_seconds": 600,
                                                     "difficulty": "mixed"}).json()["id"]
    with TestClient(app, base_url="http://testserver") as bob:
        log_in_as(bob, "learner", "bob")
        assert bob.get(f"/attempts/{attempt}").status_code == 404
        assert bob.post(f"/api/attempts/{attempt}/rating", json={"rating": 3}).status_code == 404
        for url in (f"/api/interviews/{interview}", f"/api/interviews/{interview}/report", f"/interviews/{interview}",
                    f"/interviews/{interview}/report", f"/interviews/{interview}/report.json"):
            assert bob.get(url).status_code == 404, url
        assert bob.put(f"/api/interviews/{interview}/answers/1", json={"answer": "1"}).status_code == 404
        assert bob.post(f"/api/interviews/{interview}/submit").status_code == 404
        assert bob.get("/api/progress").json()["history"] == []
    # Logged out, alice's browser is a stranger too.
    client.post("/api/auth/logout")
    assert client.get(f"/attempts/{attempt}").status_code == 404
    assert client.get(f"/api/interviews/{interview}").status_code == 404
