"""The question page stays light: a few queries, nothing written for a reader."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def count_queries(engine):
    """Count the SQL statements (not BEGIN/ROLLBACK) run inside the block."""
    seen: list[str] = []

    def before(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        if statement.strip().split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_question_page_costs_few_queries(client, db):
    client.post("/api/questions/conv-size-fixed/answers", json={"answer": "10x10"})  # now a known guest
    client.get("/questions/pooling-purpose")
    with count_queries(db.engine) as seen:
        assert client.get("/questions/pooling-purpose").status_code == 200
    assert len(seen) <= 3, seen
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for s in seen)


def test_question_versions_are_rendered_once_not_per_request(client, monkeypatch):
    import app.bank as bank
    import app.rendering as rendering

    calls = []
    monkeypatch.setattr(rendering, "render_markdown", lambda *a, **k: calls.append(a) or "")
    monkeypatch.setattr(bank, "render_markdown", lambda *a, **k: calls.append(a) or "")
    assert client.get("/questions/dropout-purpose").status_code == 200
    assert calls == []
