"""The admin: who may use it, the question list with statistics, editing with preview, versions and archive."""

from __future__ import annotations

from functools import cache

import pytest
from sqlalchemy import func, select

from app import auth
from app.models import (
    Attempt,
    AuditLog,
    Interview,
    InterviewItem,
    Question,
    QuestionVersion,
    User,
    utcnow,
)
from app.passwords import hash_password
from app.security import SESSION_COOKIE
from tests.helpers import guests, hidden_fields, page_form, parse_html

ROLES = [None, "learner", "instructor", "admin"]


@cache
def _hash() -> str:
    return hash_password("a password nobody types")


def log_in_as(client, role: str | None, name: str | None = None) -> int | None:  # noqa: ANN001
    """Make a user with the role (None: stay a guest) and give the client its session cookie (no argon2 per test)."""
    if role is None:
        return None
    with client.app.state.db.writing() as s:
        user = User(username=name or f"{role}-user", password_hash=_hash(), role=role, is_guest=False, active=True)
        s.add(user)
        s.flush()
        token = auth.start_session(s, user=user, settings=client.app.state.settings)
        user_id = user.id
    client.cookies.set(SESSION_COOKIE, token)
    return user_id


def question_id(db, slug: str) -> int:  # noqa: ANN001
    with db.reading() as s:
        return s.scalar(select(Question.id).where(Question.slug == slug))


NEW_QUESTION = {
    "slug": "relu-derivative", "topic": "foundations", "difficulty": "beginner", "type": "single_choice",
    "prompt": "What is the derivative of ReLU for a positive input?",
    "options": [{"text": "1", "correct": True}, {"text": "0", "why": "That is for negative inputs."}],
    "model_answer": "1.", "explanation": "ReLU is the identity for positive inputs.",
}

STAFF_PAGES = ["/admin", "/admin/questions/new", "/admin/questions/{id}", "/admin/questions/{id}/history",
               "/admin/import", "/admin/export", "/admin/audit"]
STAFF_API_GETS = ["/api/admin/questions", "/api/admin/questions/{id}", "/api/admin/questions/{id}/versions",
                  "/api/admin/export?format=yaml", "/api/admin/audit"]
STAFF_API_POSTS = [("post", "/api/admin/questions", NEW_QUESTION), ("put", "/api/admin/questions/{id}", NEW_QUESTION),
                   ("post", "/api/admin/questions/{id}/archive", None), ("post", "/api/admin/questions/{id}/restore", None),
                   ("post", "/api/admin/preview", {"draft": NEW_QUESTION}),
                   ("post", "/api/admin/import", {"format": "yaml", "content": "x", "dry_run": True}),
                   ("post", "/api/admin/questions/{id}/versions/1/restore", None)]


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_by_role(client, db, role):
    log_in_as(client, role)
    for path in STAFF_PAGES:
        url = path.format(id=question_id(db, "pooling-purpose"))
        response = client.get(url, follow_redirects=False)
        if role is None:
            assert response.status_code == 303 and response.headers["location"] == f"/login?next={url}", url
        elif role == "learner":
            assert response.status_code == 403, url
            assert parse_html(response.text).select_one("h1").get_text() == "Not allowed"
        else:
            assert response.status_code == 200, url
            assert parse_html(response.text).select_one("nav.admin-nav") is not None


@pytest.mark.parametrize("role", ROLES)
def test_user_management_is_for_admins_only(client, db, role):
    log_in_as(client, role)
    other = log_in_as(client.__class__(client.app), "learner", "someone")
    page = client.get("/admin/users", follow_redirects=False)
    api = client.get("/api/admin/users")
    change = client.patch(f"/api/admin/users/{other}", json={"role": "instructor"})
    expected = {None: 303, "learner": 403, "instructor": 403, "admin": 200}[role]
    assert page.status_code == expected
    assert api.status_code == (200 if role == "admin" else 403)
    assert change.status_code == (200 if role == "admin" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_admin_api_by_role(client, db, role):
    log_in_as(client, role)
    for method, path, body in STAFF_API_POSTS + [("get", p, None) for p in STAFF_API_GETS]:
        url = path.format(id=question_id(db, "pooling-purpose"))
        kwargs = {"json": body} if body is not None else {}
        response = getattr(client, method)(url, **kwargs)
        if role in (None, "learner"):
            assert response.status_code == 403, (url, response.text)
        else:
            assert response.status_code in (200, 201, 422), (url, response.text)
    if role in (None, "learner"):
        with db.reading() as s:
            assert s.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_cross_site_api_writes_are_refused(client, db):
    log_in_as(client, "admin")
    qid = question_id(db, "pooling-purpose")
    response = client.post(f"/api/admin/questions/{qid}/archive", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert client.post(f"/api/admin/questions/{qid}/archive", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200


def test_nav_shows_admin_to_staff_only(client):
    assert parse_html(client.get("/").text).select_one("nav a[href='/admin']") is None
    log_in_as(client, "instructor")
    assert parse_html(client.get("/").text).select_one("nav a[href='/admin']") is not None


# ---------------------------------------------------------------- list, statistics and flags


def _attempts(db, slug: str, scores: list[float], *, missed: list[str] | None = None, source: str = "practice",
              user_ids: list[int] | None = None) -> list[int]:  # noqa: ANN001
    with db.writing() as s:
        question = s.scalar(select(Question).where(Question.slug == slug))
        ids = []
        for i, score in enumerate(scores):
            uid = user_ids[i] if user_ids else None
            if uid is None:
                user = User(is_guest=True)
                s.add(user)
                s.flush()
                uid = user.id
            a = Attempt(user_id=uid, question_id=question.id, version_id=question.current_version_id, seed=0,
                        answer="x", score=score, correct=score > 0.7, source=source,
                        feedback={"covered": [], "missed": missed or [], "message": ""}, time_spent_ms=10_000 + i * 1000)
            s.add(a)
            s.flush()
            ids.append(a.id)
        return ids


def test_list_shows_statistics_and_flags(client, db):
    log_in_as(client, "instructor")
    _attempts(db, "dropout-purpose", [0.1] * 8 + [0.2] * 4, missed=["All units are used at inference"])
    _attempts(db, "conv-size-fixed", [1.0] * 3)
    page = parse_html(client.get("/admin").text)
    row = page.select_one("tr[data-slug='dropout-purpose']")
    assert row.select_one(".attempts").get_text(strip=True) == "12"
    assert row.select_one(".facility").get_text(strip=True) == "13%"
    assert "All units are used at inference" in row.select_one(".missed-points").get_text()
    assert [t.get_text(strip=True) for t in row.select(".flags .tag")] == ["Too hard"]
    few = page.select_one("tr[data-slug='conv-size-fixed']")
    assert few.select(".flags .tag") == [], "three attempts are too few to flag"
    flagged = parse_html(client.get("/admin?flag=too_hard").text)
    assert [r["data-slug"] for r in flagged.select("tr[data-slug]")] == ["dropout-purpose"]
    body = client.get("/api/admin/questions", params={"flag": "too_hard"}).json()
    assert body["items"][0]["stats"]["flags"] == ["too_hard"] and body["items"][0]["stats"]["median_time_ms"] == 15_500


def test_discrimination_from_interviews_or_user_means(client, db):
    log_in_as(client, "instructor")
    slugs = ["dropout-purpose", "conv-size-fixed", "pooling-purpose"]
    with db.writing() as s:
        users = guests(s, 5)
    strong = [0.0, 0.25, 0.5, 0.75, 1.0]  # each user's ability
    # Practice only: discrimination falls back to each user's mean on the other questions.
    _attempts(db, "dropout-purpose", strong, user_ids=users)
    _attempts(db, "conv-size-fixed", strong, user_ids=users)
    stats = client.get("/api/admin/questions").json()["items"]
    dropout = next(i for i in stats if i["slug"] == "dropout-purpose")["stats"]
    assert dropout["discrimination_method"] == "user mean" and dropout["discrimination"] == pytest.approx(1.0)
    # Interviews: the question's score against the rest of the interview.
    with db.writing() as s:
        questions = {q.slug: q for q in s.scalars(select(Question).where(Question.slug.in_(slugs)))}
        for n, (uid, ability) in enumerate(zip(users, strong, strict=True)):
            iv = Interview(public_id=f"iv{n}", user_id=uid, settings={}, seed=n, status="finished", deadline=utcnow())
            s.add(iv)
            s.flush()
            for pos, slug in enumerate(slugs):
                q = questions[slug]
                score = (1 - ability) if slug == "pooling-purpose" else ability  # pooling runs against the rest
                a = Attempt(user_id=uid, question_id=q.id, version_id=q.current_version_id, answer="x", score=score,
                            correct=score > 0.5, feedback={}, source="interview")
                s.add(a)
                s.flush()
                s.add(InterviewItem(interview_id=iv.id, position=pos, question_id=q.id, version_id=q.current_version_id,
                                    attempt_id=a.id))
    items = {i["slug"]: i["stats"] for i in client.get("/api/admin/questions").json()["items"]}
    assert items["pooling-purpose"]["discrimination_method"] == "interview"
    assert items["pooling-purpose"]["discrimination"] == pytest.approx(-1.0)
    assert items["conv-size-fixed"]["discrimination_n"] == 5
    page = parse_html(client.get(f"/admin/questions/{question_id(db, 'pooling-purpose')}").text)
    assert "rest of the interview" in page.select_one(".question-stats").get_text()


def test_search_and_filters_with_sql_metacharacters_are_harmless(client, db):
    log_in_as(client, "instructor")
    for q in ["'; DROP TABLE questions; --", '"', "%", "_", "x' OR 1=1 --", "NEAR(a b)", "\\"]:
        assert client.get("/admin", params={"q": q}).status_code == 200
        assert client.get("/api/admin/questions", params={"q": q}).status_code == 200
    assert client.get("/admin", params={"topic": "' OR 1=1 --", "type": "x'--"}).status_code == 200
    assert client.get("/api/admin/questions", params={"type": "x'--"}).status_code == 422
    assert len(client.get("/api/admin/questions").json()["items"]) == 5
    page = parse_html(client.get("/admin", params={"q": "pooling"}).text)
    assert [r["data-slug"] for r in page.select("tr[data-slug]")] == ["pooling-purpose"]


# ---------------------------------------------------------------- create, edit, preview


def _form(client, url: str) -> tuple:  # noqa: ANN001
    page, form, fields = page_form(client, url, "form#question-form")
    values = {el["name"]: (el.get_text() if el.name == "textarea" else el.get("value", ""))
              for el in form.select("input[name], textarea[name]") if el.get("type") not in ("hidden",)}
    for sel in form.select("select[name]"):
        chosen = sel.select_one("option[selected]") or sel.select_one("option")
        values[sel["name"]] = chosen["value"]
    return page, {**values, **fields}


def test_create_through_the_form_with_preview_then_save(client, db):
    log_in_as(client, "instructor", "ines")
    _page, data = _form(client, "/admin/questions/new?type=numeric")
    assert "answer:" in data["details"]
    data.update(slug="dense-params", topic="foundations", prompt="How many weights does a dense layer from 3 to 2 units have?",
                model_answer="6 weights (plus 2 biases).", explanation="Inputs times outputs.",
                details="answer:\n  value: 6\n  atol: 0\n  rtol: 0\n", tags="dense, params", try_answer="7")
    preview = client.post("/admin/questions/new", data={**data, "action": "preview"})
    assert preview.status_code == 200
    page = parse_html(preview.text)
    assert "dense layer from 3 to 2" in page.select_one("#preview .preview-prompt").get_text()
    assert page.select_one("#preview .trial-result .score").get_text(strip=True) == "0%"
    assert page.select_one("#q-slug")["value"] == "dense-params", "the form keeps what was typed"
    with db.reading() as s:
        assert s.scalar(select(Question).where(Question.slug == "dense-params")) is None, "a preview saves nothing"
    saved = client.post("/admin/questions/new", data={**data, "action": "save"}, follow_redirects=True)
    assert saved.status_code == 200 and "Question created" in parse_html(saved.text).select_one(".flash").get_text()
    with db.reading() as s:
        q = s.scalar(select(Question).where(Question.slug == "dense-params"))
        assert q.origin == "admin" and q.current_version.author == "ines"
        assert q.current_version.spec["answer"]["value"] == 6 and q.current_version.spec["tags"] == ["dense", "params"]
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "question.create"))
        assert entry.target == "question:dense-params"


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"slug": "Bad Slug"}, "slug", "lowercase"),
    ({"prompt": "short"}, "prompt", "at least 10"),
    ({"details": "options: [unclosed"}, "details", "not valid YAML"),
    ({"details": "rubric:\n  - point: x\n"}, "details", "rubric.0"),
    ({"details": "colour: blue"}, "details", "unknown key 'colour'"),
    ({"type": "numeric"}, "details", "needs 'answer'"),
    ({"topic": "Not A Slug"}, "topic", "lowercase"),
    ({"details": "generator: no_such_thing\nparams: {}"}, "details", "unknown generator"),
    ({"prompt": "What is $\\frac{1}{$ here?"}, "prompt", "cannot render"),
    ({"model_answer": "It is $\\sqrt{$ per batch."}, "model_answer", "cannot render the formula $\\sqrt{$: "),
    ({"type": "numeric", "details": "answer:\n  value: .nan\n"}, "details", "finite number"),
    ({"type": "numeric", "details": "answer:\n  value: 4\n  atol: .inf\n"}, "details", "finite number"),
])
def test_form_errors_are_inline_and_keep_what_was_typed(client, db, change, field, message):
    log_in_as(client, "instructor")
    _page, data = _form(client, "/admin/questions/new?type=free_text")
    data.update(slug="my-question", topic="foundations", prompt="Explain what batch norm does to activations.",
                model_answer="It normalises them.", explanation="Per mini-batch statistics.")
    if change.get("details", "").startswith("generator"):
        data["type"] = "computed"
    data.update(change)
    for action in ("save", "preview"):
        response = client.post("/admin/questions/new", data={**data, "action": action})
        assert response.status_code == 422, (action, response.text[:300])
        page = parse_html(response.text)
        error = page.select_one(f"#err-{field}")
        assert error is not None and message in error.get_text(), (action, page.select(".error"))
        assert page.select_one("#q-details").get_text() == data["details"]
        assert page.select_one("#q-prompt").get_text() == data["prompt"]
    with db.reading() as s:
        assert s.scalar(select(Question).where(Question.slug == "my-question")) is None


def test_what_check_bank_refuses_cannot_be_saved_but_can_be_previewed(client, db):
    log_in_as(client, "instructor")
    _page, data = _form(client, "/admin/questions/new?type=free_text")
    data.update(slug="cats-question", topic="foundations", prompt="Explain what batch norm does to activations.",
                model_answer="Something unrelated about cats.", explanation="Per mini-batch statistics.",
                details="rubric:\n  - point: normalises with batch statistics\n    phrasings: [batch mean and variance]\n")
    preview = client.post("/admin/questions/new", data={**data, "action": "preview"})
    page = parse_html(preview.text)
    assert preview.status_code == 200 and page.select_one("#preview") is not None, "the draft is still previewed"
    assert "on its own rubric" in page.select_one("#err-model_answer").get_text()
    saved = client.post("/admin/questions/new", data={**data, "action": "save"})
    assert saved.status_code == 422 and "on its own rubric" in parse_html(saved.text).select_one("#err-model_answer").get_text()
    numeric = {**data, "type": "numeric", "model_answer": "4", "details": "answer:\n  value: 4\n  forms: ['5']\n"}
    refused = client.post("/admin/questions/new", data={**numeric, "action": "save"})
    assert refused.status_code == 422 and "'5' does not score 100%" in parse_html(refused.text).select_one("#err-details").get_text()
    with db.reading() as s:
        assert s.scalar(select(Question).where(Question.slug == "cats-question")) is None


def test_version_note_survives_an_error_and_staff_pages_are_not_cached(client, db):
    log_in_as(client, "instructor")
    qid = question_id(db, "dropout-purpose")
    _page, data = _form(client, f"/admin/questions/{qid}")
    assert client.get(f"/admin/questions/{qid}").headers["cache-control"] == "no-store"
    assert client.get("/api/admin/questions").headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/questions").headers
    response = client.post(f"/admin/questions/{qid}", data={**data, "prompt": "short", "note": "tightened the rubric",
                                                              "action": "save"})
    assert response.status_code == 422
    assert parse_html(response.text).select_one("#q-note")["value"] == "tightened the rubric"


def test_computed_preview_shows_a_sample_and_a_new_one(client, db):
    log_in_as(client, "instructor")
    qid = question_id(db, "conv-size-computed")
    page, data = _form(client, f"/admin/questions/{qid}")
    assert page.select_one("#preview .sample .worked") is not None
    seed = page.select_one("#sample-seed").get_text()
    expected = page.select_one("#preview .expected").get_text()
    right = client.post(f"/admin/questions/{qid}", data={**data, "action": "preview", "try_answer": expected})
    assert parse_html(right.text).select_one(".trial-result .label").get_text() == "Correct"
    assert parse_html(right.text).select_one("#sample-seed").get_text() == seed, "the same sample while trying answers"
    fresh = parse_html(client.post(f"/admin/questions/{qid}", data={**data, "action": "new-sample"}).text)
    assert fresh.select_one("#sample-seed").get_text() != seed
    bad = parse_html(client.post(f"/admin/questions/{qid}", data={**data, "action": "preview", "try_answer": "banana"}).text)
    assert "Not scored" in bad.select_one(".trial-result").get_text()


def test_preview_api_validates_and_renders_without_saving(client, db):
    log_in_as(client, "instructor")
    ok = client.post("/api/admin/preview", json={"draft": NEW_QUESTION, "seed": 3, "answer": [0]}).json()
    assert ok["ok"] is True and ok["seed"] == 3 and "derivative of ReLU" in ok["preview"]["prompt_html"]
    assert ok["preview"]["trial"]["score"] == 1.0
    assert parse_html(ok["html"]).select_one(".preview-prompt") is not None
    bad = client.post("/api/admin/preview", json={"draft": {**NEW_QUESTION, "options": [{"text": "only"}]}}).json()
    assert bad["ok"] is False and any(e["field"] == "question" for e in bad["errors"])
    form = client.post("/api/admin/preview", json={"form": {"slug": "a-b-c", "topic": "x", "type": "numeric",
                                                            "difficulty": "beginner", "prompt": "Two plus two is what?",
                                                            "model_answer": "4", "explanation": "Sum.",
                                                            "details": "answer: {value: 4}", "try_answer": "4"}}).json()
    assert form["ok"] and form["preview"]["trial"]["correct"] is True
    assert client.post("/api/admin/preview", json={"seed": -1}).status_code == 422
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Question)) == 5


def test_api_create_update_versions_restore_archive(client, db):
    log_in_as(client, "instructor", "ines")
    created = client.post("/api/admin/questions", json=NEW_QUESTION)
    assert created.status_code == 201
    qid = created.json()["id"]
    assert created.json() == {"id": qid, "slug": "relu-derivative", "version": 1}
    assert client.post("/api/admin/questions", json=NEW_QUESTION).json()["errors"][0]["field"] == "slug"
    # A learner answers version 1.
    answer = client.post("/api/questions/relu-derivative/answers", json={"answer": "1"}).json()
    edited = {**NEW_QUESTION, "explanation": "For x > 0, ReLU(x) = x, so the slope is 1."}
    assert client.put(f"/api/admin/questions/{qid}", json=edited).json()["version"] == 2
    assert client.put(f"/api/admin/questions/{qid}", json=edited).json()["version"] == 2, "no change, no version"
    bad = client.put(f"/api/admin/questions/{qid}", json={**edited, "difficulty": "easy", "slug": "other-slug"})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"difficulty"}
    renamed = client.put(f"/api/admin/questions/{qid}", json={**edited, "slug": "other-slug"})
    assert renamed.status_code == 422 and renamed.json()["errors"][0]["field"] == "slug"
    versions = client.get(f"/api/admin/questions/{qid}/versions").json()
    assert [v["number"] for v in versions] == [2, 1] and versions[0]["author"] == "ines"
    assert any(line.startswith("+explanation:") for line in versions[0]["diff"])
    restored = client.post(f"/api/admin/questions/{qid}/versions/1/restore").json()
    assert restored["version"] == 3
    with db.reading() as s:
        attempt = s.get(Attempt, answer["attempt_id"])
        assert s.get(QuestionVersion, attempt.version_id).number == 1, "the attempt keeps its version"
        q = s.get(Question, qid)
        assert q.current_version.spec["explanation"] == NEW_QUESTION["explanation"]
    assert client.post(f"/api/admin/questions/{qid}/archive").json()["archived"] is True
    assert client.get("/api/questions/relu-derivative").status_code == 404, "learners no longer see it"
    assert client.get(f"/attempts/{answer['attempt_id']}").status_code == 200, "the result page still works"
    assert client.post(f"/api/admin/questions/{qid}/restore").json()["archived"] is False
    assert client.get("/api/questions/relu-derivative").status_code == 200
    actions = [e["action"] for e in client.get("/api/admin/audit").json()["items"]]
    assert actions == ["question.restore", "question.archive", "question.restore_version", "question.edit",
                       "question.create"]


@pytest.mark.parametrize("body", [[], "x", {"slug": 5}, {**NEW_QUESTION, "options": "nope"}, {**NEW_QUESTION, "extra": 1}])
def test_api_create_refuses_bad_bodies_with_422(client, db, body):
    log_in_as(client, "admin")
    response = client.post("/api/admin/questions", json=body)
    assert response.status_code == 422 and response.json()["detail"]


def test_history_page_shows_diffs_and_restores(client, db):
    log_in_as(client, "admin", "root")
    qid = question_id(db, "pooling-purpose")
    page, data = _form(client, f"/admin/questions/{qid}")
    data["explanation"] = "Pooling summarises each window with its max or mean."
    saved = client.post(f"/admin/questions/{qid}", data={**data, "action": "save", "note": "clearer"}, follow_redirects=True)
    assert "Saved as version 2" in parse_html(saved.text).select_one(".flash").get_text()
    history = parse_html(client.get(f"/admin/questions/{qid}/history").text)
    v2 = history.select_one("#v2")
    assert v2.select_one(".author").get_text() == "root" and v2.select_one(".version-note").get_text() == "clearer"
    assert any("Pooling summarises" in s.get_text() for s in v2.select("pre.diff .add"))
    form = history.select_one("#v1 form.restore-form")
    client.post(form["action"], data=hidden_fields(form))
    history = parse_html(client.get(f"/admin/questions/{qid}/history").text)
    assert "restored from version 1" in history.select_one("#v3 .version-note").get_text()
    audit = parse_html(client.get("/admin/audit").text)
    assert [td.get_text() for td in audit.select("td.action code")][:2] == ["question.restore_version", "question.edit"]
    assert audit.select_one("td.who-did").get_text() == "root"


def test_archive_and_restore_through_the_page(client, db):
    log_in_as(client, "instructor")
    qid = question_id(db, "dropout-purpose")
    page = parse_html(client.get(f"/admin/questions/{qid}").text)
    form = page.select_one("form.archive-form")
    client.post(form["action"], data=hidden_fields(form))
    assert client.get("/questions/dropout-purpose").status_code == 404
    assert "archived" in parse_html(client.get("/admin?state=archived").text).select_one("tr[data-slug]").get_text()
    page = parse_html(client.get(f"/admin/questions/{qid}").text)
    form = page.select_one("form.archive-form")
    assert form["action"].endswith("/restore")
    client.post(form["action"], data=hidden_fields(form))
    assert client.get("/questions/dropout-purpose").status_code == 200


@pytest.mark.parametrize("path", ["/admin/questions/new", "/admin/questions/{id}", "/admin/questions/{id}/archive",
                                  "/admin/questions/{id}/versions/1/restore", "/admin/import",
                                  "/admin/users/{uid}/role", "/admin/users/{uid}/active"])
@pytest.mark.parametrize("token", [None, "forged"])
def test_admin_forms_need_their_csrf_token(client, db, path, token):
    log_in_as(client, "admin")
    uid = log_in_as(client.__class__(client.app), "learner", "lea")
    client.get("/admin")  # the CSRF cookie is set; the post carries no or a wrong token
    data = {"action": "save", **NEW_QUESTION, "role": "admin", "active": "0", "content": "x", "format": "yaml"}
    data.pop("options")
    if token:
        data["csrf_token"] = token
    url = path.format(id=question_id(db, "pooling-purpose"), uid=uid)
    assert client.post(url, data=data, follow_redirects=False).status_code == 403
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 0
        assert s.get(User, uid).role == "learner"


# ---------------------------------------------------------------- what authors write is neutralised


XSS = {
    "prompt": 'Click <script>alert(1)</script> [here](javascript:alert(2)) <img src=x onerror=alert(3)> now please',
    "explanation": '<a href="javascript:alert(4)" onclick="alert(5)">x</a> and [y](javascript:alert(6))',
}


def _assert_clean(html: str) -> None:
    page = parse_html(html)
    assert all(s.get("src", "").startswith("/static/") and not s.get_text().strip() for s in page.select("main script"))
    for tag in page.select("main *"):
        assert not any(attr.startswith("on") for attr in tag.attrs), tag
        assert "javascript:" not in (tag.get("href") or "").lower(), tag


def test_script_and_handlers_are_neutralised_via_create(client, db):
    log_in_as(client, "instructor")
    body = {**NEW_QUESTION, "slug": "xss-test", **XSS,
            "options": [{"text": "<b onmouseover=alert(7)>1</b>", "correct": True},
                        {"text": "[z](javascript:alert(8))", "why": "<script>alert(9)</script>"}]}
    assert client.post("/api/admin/questions", json=body).status_code == 201
    _assert_clean(client.get("/questions/xss-test").text)
    attempt = client.post("/api/questions/xss-test/answers", json={"answer": "1"}).json()["attempt_id"]
    _assert_clean(client.get(f"/attempts/{attempt}").text)
    _assert_clean(client.get(f"/admin/questions/{question_id(db, 'xss-test')}").text)
    _assert_clean(client.post("/api/admin/preview", json={"draft": body}).json()["html"])


def test_script_and_handlers_are_neutralised_via_import(client, db):
    log_in_as(client, "instructor")
    gift = ("::xss-gift::[html]<p>Which is right?<script>alert(1)</script><img src=x onerror=alert(2)></p>{\n"
            "=<b onclick=alert(3)>yes</b>#<a href='javascript:alert(4)'>why</a>\n~no\n}\n")
    result = client.post("/api/admin/import", json={"format": "gift", "content": gift, "dry_run": False, "topic": "cnn"})
    assert result.status_code == 200, result.text
    _assert_clean(client.get("/questions/xss-gift").text)
    yaml_text = ("topic: cnn\nname: Convolutional networks\nquestions:\n  - slug: xss-yaml\n    difficulty: beginner\n"
                 "    type: free_text\n    prompt: 'Explain <script>alert(1)</script> [a](javascript:alert(2))'\n"
                 "    rubric: [{point: a point, phrasings: [words]}]\n    model_answer: '<img src=x onerror=alert(3)> words'\n"
                 "    explanation: ok\n")
    assert client.post("/api/admin/import", json={"format": "yaml", "content": yaml_text, "dry_run": False}).status_code == 200
    _assert_clean(client.get("/questions/xss-yaml").text)
    attempt = client.post("/api/questions/xss-yaml/answers", json={"answer": "words"}).json()["attempt_id"]
    _assert_clean(client.get(f"/attempts/{attempt}").text)


def test_admin_pages_carry_a_strict_csp(client):
    log_in_as(client, "admin")
    for url in ("/admin", "/admin/questions/new", "/admin/import", "/login"):
        headers = client.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        page = parse_html(client.get(url).text)
        assert all(s.get("src", "").startswith("/static/") for s in page.select("script"))
        assert page.select("[style]") == []


def test_two_editors_do_not_silently_undo_each_other(client, db):
    log_in_as(client, "instructor", "ines")
    qid = question_id(db, "dropout-purpose")
    _page, tab_a = _form(client, f"/admin/questions/{qid}")
    _page, tab_b = _form(client, f"/admin/questions/{qid}")
    saved = client.post(f"/admin/questions/{qid}", data={**tab_a, "explanation": "Tab A's better explanation.",
                                                        "action": "save"}, follow_redirects=False)
    assert saved.status_code == 303
    stale = client.post(f"/admin/questions/{qid}", data={**tab_b, "tags": "dropout, extra", "action": "save"})
    assert stale.status_code == 409
    page = parse_html(stale.text)
    assert "saved version 2 by ines" in page.select_one("#err-question").get_text()
    assert page.select_one("#q-tags")["value"] == "dropout, extra", "the stale draft is kept"
    base = page.select_one("input[name=base_version]")["value"]
    assert base == "2"
    again = client.post(f"/admin/questions/{qid}", data={**tab_b, "tags": "dropout, extra", "base_version": base,
                                                         "action": "save"}, follow_redirects=False)
    assert again.status_code == 303, "saving the kept draft again is a deliberate choice"
    current = client.get(f"/api/admin/questions/{qid}").json()["question"]
    api = client.put(f"/api/admin/questions/{qid}", json={**current, "base_version": 1})
    assert api.status_code == 409 and api.json()["current_version"] == 3
    assert client.put(f"/api/admin/questions/{qid}", json={**current, "base_version": 3}).status_code == 200
