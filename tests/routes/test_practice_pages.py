"""The learner's pages, driven as a browser without JavaScript would: parse, pick, submit."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from app.models import Attempt, ReviewCard, User
from tests.helpers import page_form, parse_html


def test_home_lists_topics_with_counts_and_continue(client):
    page = parse_html(client.get("/").text)
    cards = page.select(".topic-card")
    names = [c.select_one("h3").get_text(strip=True) for c in cards]
    assert names == ["Foundations", "Convolutional networks"]
    assert "4 questions" in cards[1].get_text(" ", strip=True)
    assert page.select_one("#continue")["href"].startswith("/questions/")
    assert page.select_one("form[role=search] input[name=q]") is not None


def test_reading_creates_no_rows(client, db):
    client.get("/")
    client.get("/questions")
    client.get("/questions/dropout-purpose")
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0


def test_list_filters_and_search(client):
    page = parse_html(client.get("/questions?type=numeric").text)
    assert [a["href"] for a in page.select(".question-list a")] == ["/questions/conv-size-fixed"]
    page = parse_html(client.get("/questions?q=pooling").text)
    hrefs = [a["href"] for a in page.select(".question-list a")]
    assert "/questions/pooling-purpose" in hrefs and "/questions/dropout-purpose" not in hrefs
    page = parse_html(client.get("/questions?topic=foundations&difficulty=beginner").text)
    assert [a["href"] for a in page.select(".question-list a")] == ["/questions/dropout-purpose"]


def test_search_with_fts_syntax_and_sql_metacharacters_is_harmless(client):
    for q in ['"', "AND OR NOT", "*", "x' OR 1=1 --", "NEAR(a b)", "drop table questions;", "%_"]:
        response = client.get("/questions", params={"q": q})
        assert response.status_code == 200, q
    assert client.get("/api/questions", params={"q": "'; DROP TABLE questions; --"}).status_code == 200
    assert client.get("/api/questions").json()["total"] == 5


def test_free_text_answer_gets_feedback_and_rating_schedules_review(client, db):
    _page, form, fields = page_form(client, "/questions/dropout-purpose")
    assert form.select_one("textarea[name=answer]") is not None
    response = client.post("/questions/dropout-purpose", data={**fields, "answer": "It randomly drops neurons during training to reduce overfitting."},
                           follow_redirects=True)
    assert response.status_code == 200
    page = parse_html(response.text)
    assert page.select_one(".verdict .score").get_text(strip=True).endswith("%")
    covered = [li.get_text(strip=True) for li in page.select("ul.covered li")]
    missed = [li.get_text(strip=True) for li in page.select("ul.missed li")]
    assert "Reduces overfitting" in covered
    assert "All units are used at inference" in missed
    assert page.select_one(".model-answer").get_text(strip=True)
    rate_form = page.select_one("form.rate-form")
    checked = rate_form.select_one("input[name=rating][checked]")
    assert checked is not None
    token = rate_form.select_one("input[name=csrf_token]")["value"]
    after = client.post(rate_form["action"], data={"csrf_token": token, "rating": "1", "then": "stay"}, follow_redirects=True)
    assert "Next review" in parse_html(after.text).select_one(".rating").get_text(" ", strip=True)
    with db.reading() as s:
        card = s.scalar(select(ReviewCard))
        assert card is not None and card.last_rating == 1


def test_computed_question_shows_worked_answer(client):
    page, form, fields = page_form(client, "/questions/conv-size-computed?seed=7")
    assert fields["seed"] == "7"
    api = client.get("/api/questions/conv-size-computed?seed=7").json()
    prompt_again = client.get("/questions/conv-size-computed?seed=7").text
    assert parse_html(prompt_again).select_one(".prompt").get_text() == page.select_one(".prompt").get_text()
    right = client.post("/api/questions/conv-size-computed/answers", json={"answer": "0", "seed": 7}).json()
    assert right["worked"], "a computed question returns the engine's steps"
    assert api["type"] == "computed"


def test_choice_question_radio_and_result(client):
    _page, form, fields = page_form(client, "/questions/pooling-purpose?seed=3")
    radios = form.select("input[type=radio][name=choice]")
    assert len(radios) == 3
    labels = {r["value"]: r.find_parent("label").get_text(" ", strip=True) for r in radios}
    right = next(v for v, text in labels.items() if "Pooling layer" in text)
    wrong = next(v for v, text in labels.items() if "Softmax" in text)
    page = parse_html(client.post("/questions/pooling-purpose", data={**fields, "choice": wrong}, follow_redirects=True).text)
    assert page.select_one(".verdict.wrong")
    assert "does not downsample" in page.select_one(".option-review li.chosen .why").get_text()
    page = parse_html(client.post("/questions/pooling-purpose", data={**fields, "choice": right}, follow_redirects=True).text)
    assert page.select_one(".verdict.right .score").get_text(strip=True) == "100%"


def test_multiple_choice_partial_credit(client):
    _page, form, fields = page_form(client, "/questions/weight-sharing-where?seed=1")
    boxes = {b.find_parent("label").get_text(" ", strip=True): b["value"] for b in form.select("input[type=checkbox]")}
    cnn = next(v for k, v in boxes.items() if "Convolutional" in k)
    page = parse_html(client.post("/questions/weight-sharing-where", data={**fields, "choice": [cnn]}, follow_redirects=True).text)
    assert page.select_one(".verdict .score").get_text(strip=True) == "50%"


def test_unreadable_numeric_answer_keeps_what_was_typed(client, db):
    _page, _form, fields = page_form(client, "/questions/conv-size-fixed")
    response = client.post("/questions/conv-size-fixed", data={**fields, "answer": "ten by ten"})
    assert response.status_code == 422
    page = parse_html(response.text)
    assert page.select_one("#answer-error").get_text(strip=True)
    assert page.select_one("textarea[name=answer]").get_text() == "ten by ten"
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Attempt)) == 0


def test_numeric_forms_accepted(client):
    _page, _form, fields = page_form(client, "/questions/conv-size-fixed")
    for answer in ("10x10", "10 × 10", "(10, 10)", "the output is 10 by 10 pixels"):
        page = parse_html(client.post("/questions/conv-size-fixed", data={**fields, "answer": answer}, follow_redirects=True).text)
        assert page.select_one(".verdict.right"), answer


def test_form_without_csrf_token_is_refused(client, db):
    client.get("/questions/dropout-purpose")
    assert client.post("/questions/dropout-purpose", data={"answer": "x"}).status_code == 403
    assert client.post("/questions/dropout-purpose", data={"answer": "x", "csrf_token": "forged"}).status_code == 403
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Attempt)) == 0


def test_someone_elses_result_is_not_found(app, client):
    _page, _form, fields = page_form(client, "/questions/dropout-purpose")
    response = client.post("/questions/dropout-purpose", data={**fields, "answer": "regularisation"}, follow_redirects=False)
    url = response.headers["location"]
    from fastapi.testclient import TestClient

    with TestClient(app) as stranger:
        assert stranger.get(url).status_code == 404
    assert client.get(url).status_code == 200


def test_progress_page_and_csv(client):
    _page, _form, fields = page_form(client, "/questions/conv-size-fixed")
    client.post("/questions/conv-size-fixed", data={**fields, "answer": "10x10"})
    page = parse_html(client.get("/progress").text)
    assert page.select_one("#streak").get_text(strip=True) == "1"
    rows = page.select("table.history tbody tr")
    assert len(rows) == 1 and "conv-size-fixed" in rows[0].get_text()
    assert page.select("svg.chart")
    csv_text = client.get("/progress.csv").text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("attempt_id,") and "conv-size-fixed" in lines[1]


def test_progress_csv_neutralises_formulas_and_numbers_options_as_shown(client):
    client.post("/api/questions/dropout-purpose/answers", json={"answer": '=HYPERLINK("http://x","dropout")'})
    client.post("/api/questions/weight-sharing-where/answers", json={"answer": [0, 2]})
    rows = {r["question"]: r for r in csv.DictReader(io.StringIO(client.get("/progress.csv").text))}
    assert rows["dropout-purpose"]["answer"].startswith("'=HYPERLINK")
    assert rows["weight-sharing-where"]["answer"] == "option 1, option 3"


def test_unknown_question_is_a_404_page(client):
    response = client.get("/questions/no-such-thing")
    assert response.status_code == 404
    assert parse_html(response.text).select_one("h1").get_text(strip=True) == "Not found"


def test_bad_address_is_an_error_page_with_the_reason(client):
    """A page opened with a malformed address says what is wrong, as a page; the API keeps JSON."""
    for url, field in (("/questions?page=abc", "page (in the address)"), ("/attempts/abc", "attempt_id (in the address)")):
        response = client.get(url)
        assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
        page = parse_html(response.text)
        assert page.select_one("h1").get_text(strip=True) == "That address is not quite right"
        assert field in page.select_one(".error-page").get_text(" ", strip=True)
    api = client.get("/api/questions?limit=abc")
    assert api.status_code == 422 and api.json()["detail"].startswith("query.limit")


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_list_says_what_a_hand_edited_address_did(client):
    """Past the last page shows the last page; a search with no words, an unknown topic or filter value say so."""
    last = parse_html(client.get("/questions?page=999").text)
    assert last.select("ol.question-list li") and "Page 999" not in last.get_text()
    emoji = parse_html(client.get("/questions?q=%F0%9F%A7%A0").text).select_one("#result-count").get_text()
    assert "has no words to search for" in emoji
    nope = parse_html(client.get("/questions?topic=nope").text).select_one("#result-count").get_text()
    assert "There is no topic “nope”" in nope
    ignored = parse_html(client.get("/questions?difficulty=hard").text).select_one("#ignored-filters").get_text()
    assert "difficulty “hard”" in ignored
