"""Mock interview pages, driven as a browser without JavaScript would: set up, answer, flag, finish, report."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.models import Interview, InterviewItem, utcnow
from tests.helpers import hidden_fields, page_form, parse_html


def start_from_form(client, **fields):  # noqa: ANN001, ANN201
    """Submit the custom set-up form; returns the response (not followed)."""
    _page, _form, hidden = page_form(client, "/interviews", "#setup-form")
    data = {"count": "4", "minutes": "20", "difficulty": "mixed", **fields}
    return client.post("/interviews", data={**hidden, **data}, follow_redirects=False)


def start(client, count: int = 4) -> str:  # noqa: ANN001
    response = start_from_form(client, count=str(count))
    assert response.status_code == 303, response.text[:500]
    return response.headers["location"].split("/")[2]


def question(client, pid: str, position: int):  # noqa: ANN001, ANN201
    page, form, fields = page_form(client, f"/interviews/{pid}/q/{position}", "#iv-form")
    return page, form, fields


def save(client, pid, position, fields, **data):  # noqa: ANN001, ANN201
    return client.post(f"/interviews/{pid}/q/{position}", data={**fields, **data}, follow_redirects=False)


def test_setup_page_shows_presets_and_the_form(client):
    page = parse_html(client.get("/interviews").text)
    titles = [h.get_text(strip=True) for h in page.select(".iv-preset h3")]
    assert "15-minute fundamentals screen" in titles and "45-minute mixed on-site" in titles
    cnn = next(p for p in page.select(".iv-preset") if "CNN" in p.select_one("h3").get_text())
    assert not cnn.select_one("button").has_attr("disabled")
    screen = next(p for p in page.select(".iv-preset") if "fundamentals" in p.select_one("h3").get_text())
    assert screen.select_one("button").has_attr("disabled"), "the fixture bank is too small for it"
    form = page.select_one("#setup-form")
    assert {i["value"] for i in form.select("input[name=topics]")} == {"foundations", "cnn"}
    assert form.select_one("input[name=count]") and form.select_one("input[name=minutes]")
    assert [o["value"] for o in form.select("select[name=difficulty] option")] == ["mixed", "beginner", "intermediate", "advanced"]


def test_bad_setup_shows_inline_errors_and_keeps_the_choices(client, db):
    response = start_from_form(client, count="99", minutes="abc", topics=["cnn"])
    assert response.status_code == 422
    page = parse_html(response.text)
    assert "between 3 and 30" in page.select_one("#count-error").get_text()
    assert page.select_one("#minutes-error").get_text(strip=True)
    assert page.select_one("input[name=count]")["value"] == "99"
    assert page.select_one("input[name=minutes]")["value"] == "abc"
    assert page.select_one("input[name=topics][value=cnn]").has_attr("checked")
    response = start_from_form(client, count="3", topics=["foundations"])
    assert "Only 1 question" in parse_html(response.text).select_one("#count-error").get_text()
    response = start_from_form(client, count="3", difficulty="<script>")
    assert response.status_code == 422 and parse_html(response.text).select_one("#difficulty-error")
    response = start_from_form(client, topics=["x" * 500])
    assert response.status_code == 422
    with db.reading() as s:
        assert s.scalar(select(Interview)) is None


def test_preset_starts_an_interview(client):
    _page, form, hidden = page_form(client, "/interviews", ".iv-preset form")
    response = client.post("/interviews", data={**hidden, "preset": "cnn-20"}, follow_redirects=True)
    page = parse_html(response.text)
    assert page.select_one("h1").get_text(" ", strip=True) == "Question 1 of 4"
    assert page.select_one(".eyebrow").get_text(strip=True) == "20-minute CNN deep dive"


def test_question_page_has_clock_form_flag_and_overview_but_no_answers(client):
    pid = start(client)
    page, form, fields = question(client, pid, 1)
    clock = page.select_one("#iv-clock-value").get_text(strip=True)
    assert clock in ("20:00", "19:59")
    run = page.select_one("#iv-run")
    assert int(run["data-deadline-ms"]) - int(run["data-server-ms"]) <= 20 * 60 * 1000
    assert page.select_one("script[src='/static/interview.js']")
    assert form.select_one("input[name=flagged][type=checkbox]")
    assert {b["value"] for b in form.select("button[name=go]")} == {"stay", "next"}
    assert len(page.select(".iv-map a")) == 4
    assert page.select_one(".iv-map a[aria-current]").get_text(strip=True).startswith("1")
    assert page.select_one("#iv-saved").get_text(strip=True) == "Not saved yet"
    text = page.get_text(" ", strip=True)
    assert "Model answer" not in text and "Score" not in text and "%" not in page.select_one(".iv-layout").get_text()
    assert fields["shown_at"].isdigit()


def test_answer_flag_navigate_and_resume_without_javascript(client, db):
    pid = start(client)
    page, form, fields = question(client, pid, 1)
    textarea = form.select_one("textarea[name=answer]")
    choices = form.select("input[name=choice]")
    # A numeric question's unreadable answer would be shown back once with a warning: give it a number.
    typed = "my answer <b>kept</b>" if "free text" in page.select_one(".crumbs").get_text() else "<b>42</b>"
    data = {"answer": typed} if textarea else {"choice": choices[0]["value"]}
    response = save(client, pid, 1, fields, flagged="1", go="next", **data)
    assert response.status_code == 303 and response.headers["location"].endswith("/q/2")
    page, form, fields = question(client, pid, 2)
    first = page.select_one(".iv-map a[data-position='1']")
    assert "is-answered" in first["class"] and "is-flagged" in first["class"]
    assert "is-empty" in page.select_one(".iv-map a[data-position='2']")["class"]
    assert page.select_one("#iv-counts").get_text(" ", strip=True).startswith("1 answered · 1 flagged · 3 empty")
    # Open question 3 from the overview, leave, and come back: it resumes on question 3.
    question(client, pid, 3)
    resumed = client.get(f"/interviews/{pid}", follow_redirects=False)
    assert resumed.headers["location"] == f"/interviews/{pid}/q/3"
    page, form, _ = question(client, pid, 1)
    if textarea:
        assert form.select_one("textarea[name=answer]").get_text() == typed
    else:
        assert form.select_one(f"input[name=choice][value='{choices[0]['value']}']").has_attr("checked")
    assert form.select_one("input[name=flagged]").has_attr("checked")
    assert page.select_one("#iv-saved").get_text(strip=True).startswith("Saved at")
    save(client, pid, 1, fields, go="stay", **data)  # the flag box unticked clears the flag
    page, form, _ = question(client, pid, 1)
    assert not form.select_one("input[name=flagged]").has_attr("checked")


def test_save_of_a_bad_answer_keeps_what_was_typed(client, db):
    pid = start(client)
    for position in range(1, 5):
        page, form, fields = question(client, pid, position)
        if form.select("input[name=choice]"):
            response = save(client, pid, position, fields, choice="42", go="next")
            assert response.status_code == 422
            assert "no option 42" in parse_html(response.text).select_one("#answer-error").get_text()
        else:
            long = "y" * 10_001
            response = save(client, pid, position, fields, answer=long, go="next")
            assert response.status_code == 422
            page = parse_html(response.text)
            assert page.select_one("#answer-error").get_text(strip=True)
            assert page.select_one("textarea[name=answer]").get_text() == long[:10_000]
    with db.reading() as s:
        assert s.scalars(select(InterviewItem.answer)).all() == [None] * 4


def test_time_spent_is_tracked_from_the_page(client, db):
    pid = start(client)
    _page, _form, fields = question(client, pid, 1)
    with db.writing() as s:  # pretend the interview started a minute ago and the page was shown 20 s ago
        s.execute(update(Interview).values(started_at=utcnow() - timedelta(minutes=1)))
    fields["shown_at"] = str(int(fields["shown_at"]) - 20_000)
    save(client, pid, 1, fields, answer="x", go="stay")
    fields["shown_at"] = "999999999999999999999"
    save(client, pid, 1, fields, answer="x", go="stay")
    with db.reading() as s:
        spent = s.scalar(select(InterviewItem.time_spent_ms).where(InterviewItem.position == 1))
    assert 19_000 <= spent <= 22_000


def test_confirm_lists_unanswered_and_flagged_then_report(client, db):
    pid = start(client, count=5)  # the whole fixture bank, so the computed question is in
    _page, form, fields = question(client, pid, 2)
    data = {"choice": form.select("input[name=choice]")[0]["value"]} if form.select("input[name=choice]") else {"answer": "10x10"}
    save(client, pid, 2, fields, flagged="1", go="finish", **data)
    page, form, hidden = page_form(client, f"/interviews/{pid}/submit", "#submit-form")
    assert [a.get_text(strip=True) for a in page.select("#unanswered a")] == ["Question 1", "Question 3", "Question 4",
                                                                               "Question 5"]
    assert [a.get_text(strip=True) for a in page.select("#flagged a")] == ["Question 2"]
    assert client.post(f"/interviews/{pid}/submit", data={}).status_code == 403
    response = client.post(form["action"], data=hidden, follow_redirects=True)
    assert response.url.path == f"/interviews/{pid}/report"
    report = parse_html(response.text)
    assert report.select_one("#total-score").get_text(strip=True).endswith("%")
    assert len(report.select(".iv-topics-table tbody tr")) == 2
    items = report.select("article.iv-q")
    assert len(items) == 5
    for item in items:
        assert item.select_one(".iv-q-score .score").get_text(strip=True).endswith("%")
        assert item.select_one(".iv-q-score .time").get_text(strip=True).endswith("spent")
        assert item.select_one(".model-answer").get_text(strip=True)
    computed = [i for i in items if i.select_one(".iv-worked")]
    assert computed, "the fixture bank's computed question shows its worked answer"
    assert report.select(".given-none"), "unanswered questions say so"
    assert "Your first interview" in report.select_one("#comparison").get_text()
    # Finished: the question pages lead to the report, and saves are refused.
    assert client.get(f"/interviews/{pid}/q/1", follow_redirects=False).headers["location"].endswith("/report")
    late = save(client, pid, 1, fields, answer="late")
    assert late.status_code == 409
    assert "finished" in parse_html(late.text).select_one("main").get_text()


def test_expired_interview_finishes_on_access(client, db):
    pid = start(client)
    _page, _form, fields = question(client, pid, 1)
    with db.writing() as s:
        s.execute(update(Interview).values(deadline=utcnow() - timedelta(seconds=5)))
    page, _form, _ = question(client, pid, 1)  # within grace: still open, with the time-up notice
    assert page.select_one("#iv-timeup") and page.select_one("#iv-clock-value").get_text(strip=True) == "0:00"
    with db.writing() as s:
        s.execute(update(Interview).values(deadline=utcnow() - timedelta(minutes=5)))
    late = save(client, pid, 1, fields, answer="late")
    assert late.status_code == 409 and "Time is up" in late.text
    response = client.get(f"/interviews/{pid}", follow_redirects=True)
    assert response.url.path.endswith("/report")
    assert "Finished at the deadline" in parse_html(response.text).select_one(".iv-facts").get_text()


def test_reports_and_pages_are_only_for_their_owner(app, client):
    pid = start(client)
    paths = [f"/interviews/{pid}", f"/interviews/{pid}/q/1", f"/interviews/{pid}/submit",
             f"/interviews/{pid}/report", f"/interviews/{pid}/report.json", f"/interviews/{pid}/report.csv"]
    with TestClient(app) as stranger:
        for path in paths:
            assert stranger.get(path).status_code == 404, path
        _p, _f, hidden = page_form(stranger, "/interviews", "#setup-form")
        assert stranger.post(f"/interviews/{pid}/submit", data=hidden).status_code == 404
        assert stranger.post(f"/interviews/{pid}/q/1", data={**hidden, "answer": "x"}).status_code == 404
        assert stranger.post(f"/interviews/{pid}/practise-again", data=hidden).status_code == 404
    assert client.get(f"/interviews/{pid}/report.json").status_code == 409
    for bad in ("9", "0", "-1", "x", "1e3", "99999999999999999999999"):
        assert client.get(f"/interviews/{pid}/q/{bad}").status_code == 404, bad
    assert client.get(f"/interviews/{pid}/report?requeued=abc", follow_redirects=False).status_code == 303


def test_exports_and_history(client):
    pid = start(client)
    _page, form, fields = question(client, pid, 1)
    data = {"choice": form.select("input[name=choice]")[0]["value"]} if form.select("input[name=choice]") else {"answer": "=HYPERLINK(1)"}
    save(client, pid, 1, fields, **data)
    _p, _f, hidden = page_form(client, f"/interviews/{pid}/submit", "#submit-form")
    client.post(f"/interviews/{pid}/submit", data=hidden)
    exported = client.get(f"/interviews/{pid}/report.json")
    assert "attachment" in exported.headers["content-disposition"]
    body = json.loads(exported.text)
    assert body["id"] == pid and len(body["questions"]) == 4
    csv_text = client.get(f"/interviews/{pid}/report.csv").text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("position,question,topic")
    if "answer" in data:
        assert "'=HYPERLINK" in csv_text, "a spreadsheet must not run an answer as a formula"
    history = parse_html(client.get("/interviews/history").text)
    rows = history.select("table.iv-history tbody tr")
    assert len(rows) == 1 and rows[0].select_one("a")["href"] == f"/interviews/{pid}"
    assert history.select_one("svg.chart.line")
    assert parse_html(client.get("/interviews").text).select_one(".iv-running") is None


def test_history_without_interviews(client):
    page = parse_html(client.get("/interviews/history").text)
    assert page.select_one(".empty")


def test_running_interview_is_listed_for_resuming(client):
    pid = start(client)
    page = parse_html(client.get("/interviews").text)
    assert page.select_one(".iv-running a")["href"] == f"/interviews/{pid}"
    assert hidden_fields(page.select_one("#setup-form"))["csrf_token"]


def test_report_says_no_answer_for_an_unanswered_choice_question(client):
    from tests.helpers import parse_html

    created = client.post("/api/interviews", json={"topics": ["cnn"], "count": 3, "time_limit_seconds": 600,
                                                   "difficulty": "mixed"}).json()
    choice = next(q for q in created["questions"] if q["type"] in ("single_choice", "multiple_choice"))
    client.post(f"/api/interviews/{created['id']}/submit")
    page = parse_html(client.get(f"/interviews/{created['id']}/report").text)
    block = page.select_one(f"#q-{choice['position']}")
    assert block.select_one(".given-none") is not None
    assert block.select("ul.option-review li")
