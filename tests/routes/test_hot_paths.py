"""The question page stays light: a few queries, nothing written for a reader."""

from __future__ import annotations

import time
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import event, update

from app import db as app_db
from app.db import Database
from app.models import Attempt, Question, Topic
from tests.helpers import page_form, parse_html
from tests.routes.test_admin import log_in_as


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


@contextmanager
def count_fast_reads(db, monkeypatch):
    """Count the reads that go straight to the driver (Database.fetch_one)."""
    seen: list[str] = []
    real = db.fetch_one
    monkeypatch.setattr(db, "fetch_one", lambda stmt, params=None: seen.append(str(stmt)) or real(stmt, params))
    yield seen


def test_a_warm_question_page_reads_nothing_or_one_count(client, db, monkeypatch):
    client.post("/api/questions/conv-size-fixed/answers", json={"answer": "10x10"})  # now a known guest
    for slug in ("dropout-purpose", "pooling-purpose"):
        client.get(f"/questions/{slug}")
    with count_queries(db.engine) as seen, count_fast_reads(db, monkeypatch) as fast:
        assert client.get("/questions/dropout-purpose").status_code == 200
    assert seen == [] and fast == [], "free text: the version and the page are remembered"
    with count_queries(db.engine) as seen, count_fast_reads(db, monkeypatch) as fast:
        assert client.get("/questions/pooling-purpose").status_code == 200
    assert seen == [] and len(fast) == 1 and "count" in fast[0].lower(), "choice: one count picks the instance"


def test_a_change_made_in_this_process_shows_at_once(client, db):
    assert "dropout" in client.get("/questions/dropout-purpose").text.lower()
    with db.writing() as s:
        s.execute(update(Question).where(Question.slug == "dropout-purpose").values(archived=True))
    assert client.get("/questions/dropout-purpose").status_code == 404
    with db.writing() as s:
        s.execute(update(Topic).where(Topic.slug == "foundations").values(name="Regularisation, renamed"))
        s.execute(update(Question).where(Question.slug == "dropout-purpose").values(archived=False))
    page = parse_html(client.get("/questions/dropout-purpose").text)
    assert page.select_one(".crumbs a").get_text() == "Regularisation, renamed"


def test_another_process_edit_shows_within_the_recheck_interval(settings, client, db, monkeypatch):
    slow = Database(settings.model_copy(update={"bank_recheck_seconds": 3600}))
    other = Database(settings)
    try:
        before = slow.bank_generation()
        with other.writing() as s:
            s.execute(update(Topic).where(Topic.slug == "foundations").values(name="Elsewhere"))
        assert slow.bank_generation() == before, "within the interval this process keeps what it knew"
        later = time.monotonic() + 3601
        monkeypatch.setattr(app_db.time, "monotonic", lambda: later)
        assert slow.bank_generation() > before, "after it, the change is seen"
    finally:
        slow.dispose()
        other.dispose()


def test_cached_pages_carry_each_browsers_own_token_and_header(app, client):
    _page, _form, first = page_form(client, "/questions/dropout-purpose")
    with TestClient(app, base_url="http://testserver") as other:
        log_in_as(other, "learner", "lena")
        page, _form, second = page_form(other, "/questions/dropout-purpose")
        assert first["csrf_token"] != second["csrf_token"]
        assert page.select_one(".who .user").get_text() == "lena", "the header is the viewer's, not the cached guest's"
        done = other.post("/questions/dropout-purpose", data={**second, "answer": "It drops units at random."},
                          follow_redirects=False)
        assert done.status_code == 303, "the token filled into the cached page is accepted"
    assert parse_html(client.get("/questions/dropout-purpose").text).select_one(".who .user") is None


def test_a_computed_question_keeps_its_numbers_until_answered(client, db):
    _page, _form, first = page_form(client, "/questions/conv-size-computed")
    _page, form, again = page_form(client, "/questions/conv-size-computed")
    assert again["seed"] == first["seed"], "a reload shows the same numbers"
    api = client.get("/api/questions/conv-size-computed").json()
    assert api["seed"] == int(first["seed"]), "the API's current instance is the page's"
    answered = client.post("/api/questions/conv-size-computed/answers", json={"answer": "3"}).json()
    with db.reading() as s:
        assert s.get(Attempt, answered["attempt_id"]).seed == int(first["seed"]), "an answer without a seed is for it"
    _page, form, after = page_form(client, "/questions/conv-size-computed")
    assert after["seed"] != first["seed"], "after an answer, new numbers"
    new = form.find_parent("article").select_one("a.button[href*='seed=']")["href"]
    assert new.split("seed=")[1] not in (after["seed"], first["seed"]), "'New numbers' links to other numbers"


def test_question_versions_are_rendered_once_not_per_request(client, monkeypatch):
    import app.bank as bank
    import app.rendering as rendering

    calls = []
    monkeypatch.setattr(rendering, "render_markdown", lambda *a, **k: calls.append(a) or "")
    monkeypatch.setattr(bank, "render_markdown", lambda *a, **k: calls.append(a) or "")
    assert client.get("/questions/dropout-purpose").status_code == 200
    assert calls == []


def _list_rows(client, path: str = "/questions") -> dict[str, str]:  # noqa: ANN001
    """Each listed question's link text and its status tag ("" when new)."""
    page = parse_html(client.get(path).text)
    rows = {}
    for li in page.select("ol.question-list li"):
        status = li.select_one(".tag[class*='status-']")
        rows[li.select_one("a")["href"].rsplit("/", 1)[1]] = status.get_text() if status else ""
    return rows


def test_the_cached_list_page_follows_each_viewers_answers_and_the_bank(app, client, db):
    assert _list_rows(client)["conv-size-fixed"] == ""
    client.post("/api/questions/conv-size-fixed/answers", json={"answer": "9x9"})
    assert _list_rows(client)["conv-size-fixed"] == "missed", "the viewer's own answer shows at once"
    with TestClient(app, base_url="http://testserver") as other:
        assert _list_rows(other)["conv-size-fixed"] == "", "another viewer does not get this one's page"
    with db.writing() as s:
        s.execute(update(Question).where(Question.slug == "dropout-purpose").values(archived=True))
    assert "dropout-purpose" not in _list_rows(client), "a change to the bank shows at once"
    page = parse_html(client.get("/questions?q=pooling").text)
    assert page.select_one("#site-search")["value"] == "pooling" and page.select_one("#f-q")["value"] == "pooling"
