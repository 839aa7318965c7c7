"""Import (dry run first, all or nothing, line-numbered errors), export, and managing users."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import AuditLog, AuthSession, Question, Topic, User
from tests.helpers import hidden_fields, page_form, parse_html
from tests.routes.test_admin import log_in_as

GIFT = """$CATEGORY: $course$/top/cnn

::pool-size::What is the output width of 2x2 max pooling, stride 2, on a 32-wide input?{#16}

::match-it::Match them.{=a->b =c->d =e->f}

::conv-size-fixed::[markdown]A $12 \\\\times 12$ input, a 3x3 filter, stride 1: the output size?{#10:0.5}
"""


def _count(db, model) -> int:  # noqa: ANN001
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_import_page_dry_run_then_apply(client, db):
    log_in_as(client, "instructor")
    _page, form, fields = page_form(client, "/admin/import", "form#import-form")
    checked = client.post("/admin/import", data={**fields, "format": "gift", "content": GIFT, "action": "check"})
    assert checked.status_code == 200
    page = parse_html(checked.text)
    assert [li.get_text(strip=True) for li in page.select("ul.added li")] == ["pool-size"]
    assert page.select_one("ul.changed").get_text().count("conv-size-fixed") == 1
    assert "line 5" in page.select_one("ul.skipped").get_text() and "matching" in page.select_one("ul.skipped").get_text()
    assert page.select_one("#i-content").get_text() == GIFT, "the pasted text is kept for applying"
    assert _count(db, Question) == 5, "a dry run changes nothing"
    apply = page.select_one("#apply-import")
    assert apply is not None
    done = client.post("/admin/import", data={**hidden_fields(page.select_one("form#import-form")), "format": "gift",
                                              "content": GIFT, "action": "apply"})
    assert "Added 1, changed 1" in parse_html(done.text).select_one(".flash").get_text()
    with db.reading() as s:
        assert s.scalar(select(Topic.name).where(Topic.slug == "cnn")) == "Convolutional networks", "the header is kept"
        q = s.scalar(select(Question).where(Question.slug == "conv-size-fixed"))
        assert q.current_version.number == 2 and q.current_version.spec["answer"]["atol"] == 0.5
        assert s.scalar(select(AuditLog.action).where(AuditLog.action == "bank.import")) == "bank.import"


def test_import_upload_and_bad_files(client, db):
    log_in_as(client, "instructor")
    _page, _form, fields = page_form(client, "/admin/import", "form#import-form")
    up = client.post("/admin/import", data={**fields, "format": "gift", "action": "check"},
                     files={"file": ("q.gift", GIFT.encode(), "text/plain")})
    assert up.status_code == 200 and parse_html(up.text).select_one("ul.added li").get_text(strip=True) == "pool-size"
    binary = client.post("/admin/import", data={**fields, "format": "gift", "action": "check"},
                         files={"file": ("q.gift", b"\xff\xfe\x00bad", "text/plain")})
    assert binary.status_code == 422 and "not UTF-8" in parse_html(binary.text).select_one(".line-errors").get_text()
    broken = "topic: cnn\nname: CNN\nquestions:\n  - slug: Bad Slug\n    difficulty: hard\n"
    bad = client.post("/admin/import", data={**fields, "format": "yaml", "content": broken, "action": "apply"})
    assert bad.status_code == 422
    errors = [li.get_text(" ", strip=True) for li in parse_html(bad.text).select(".line-errors li")]
    assert errors and all(e.startswith("line ") for e in errors) and any("line 4" in e for e in errors)
    assert parse_html(bad.text).select_one("#i-content").get_text() == broken
    assert _count(db, Question) == 5


def test_import_api_is_all_or_nothing(client, db):
    log_in_as(client, "admin")
    good = ("topic: cnn\nname: Convolutional networks\nquestions:\n  - slug: new-one\n    difficulty: beginner\n"
            "    type: numeric\n    prompt: What is two plus two, exactly?\n    answer: {value: 4}\n"
            "    model_answer: '4'\n    explanation: Sum.\n")
    bad_math = good.replace("new-one", "bad-math").replace("What is two plus two, exactly?", "What is $\\\\frac{1}{$?")
    dry = client.post("/api/admin/import", json={"format": "yaml", "content": good, "dry_run": True}).json()
    assert dry == {"added": ["new-one"], "changed": [], "unchanged": [], "notes": {}, "skipped": [], "errors": [],
                   "dry_run": True}
    assert _count(db, Question) == 5
    both = client.post("/api/admin/import", json={"format": "yaml", "content": good + "---\n" + bad_math,
                                                  "dry_run": False})
    assert both.status_code == 422 and both.json()["errors"] and both.json()["detail"].startswith("line ")
    assert _count(db, Question) == 5, "one bad question stops the whole import"
    gen = good.replace("type: numeric", "type: computed").replace("answer: {value: 4}", "generator: nope")
    assert client.post("/api/admin/import", json={"format": "yaml", "content": gen, "dry_run": False}).status_code == 422
    assert client.post("/api/admin/import", json={"format": "csv", "content": good}).status_code == 422
    applied = client.post("/api/admin/import", json={"format": "yaml", "content": good, "dry_run": False})
    assert applied.status_code == 200 and applied.json()["added"] == ["new-one"]
    assert client.get("/api/questions/new-one").status_code == 200


def test_oversized_import_is_refused(client, app):
    log_in_as(client, "admin")
    limit = app.state.settings.max_body_bytes
    response = client.post("/api/admin/import", content=b'{"format": "yaml", "content": "' + b"x" * limit + b'"}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_export_in_every_format(client, db):
    log_in_as(client, "instructor")
    for fmt, marker in (("yaml", "topic: cnn"), ("json", '"topics"'), ("gift", "$CATEGORY"), ("moodle-xml", "<quiz>")):
        response = client.get("/api/admin/export", params={"format": fmt, "topic": "cnn"})
        assert response.status_code == 200 and marker in response.text
        assert "deepprep-cnn." in response.headers["content-disposition"]
        assert "dropout-purpose" not in response.text
    page = client.get("/admin/export", params={"format": "gift"})
    assert "deepprep-bank.gift" in page.headers["content-disposition"] and "dropout-purpose" in page.text
    assert "not exported: conv-size-computed" in page.text
    assert client.get("/api/admin/export", params={"format": "pdf"}).status_code == 422


def test_users_change_role_and_deactivate(client, db):
    admin_id = log_in_as(client, "admin", "root")
    other = client.__class__(client.app)
    uid = log_in_as(other, "learner", "lea")
    page = parse_html(client.get("/admin/users").text)
    row = page.select_one("tr[data-user='lea']")
    form = row.select_one("form.role-form")
    client.post(form["action"], data={**hidden_fields(form), "role": "instructor"})
    assert other.get("/api/auth/me").json()["role"] == "instructor"
    row = parse_html(client.get("/admin/users").text).select_one("tr[data-user='lea']")
    form = row.select_one("form.active-form")
    client.post(form["action"], data=hidden_fields(form))
    assert other.get("/api/auth/me").json()["authenticated"] is False, "deactivating ends the sessions"
    with db.reading() as s:
        assert s.get(User, uid).active is False
        assert s.scalar(select(func.count()).select_from(AuthSession).where(AuthSession.user_id == uid)) == 0
    # Nobody locks the admin out: not yourself, not the last admin.
    self_off = client.patch(f"/api/admin/users/{admin_id}", json={"active": False})
    assert self_off.status_code == 422 and "your own" in self_off.json()["detail"]
    demote = client.patch(f"/api/admin/users/{admin_id}", json={"role": "learner"})
    assert demote.status_code == 422 and "last active admin" in demote.json()["detail"]
    assert client.patch("/api/admin/users/999999", json={"role": "admin"}).status_code == 404
    assert client.patch(f"/api/admin/users/{uid}", json={"role": "king"}).status_code == 422
    row = parse_html(client.get("/admin/users").text).select_one("tr[data-user='root']")
    form = row.select_one("form.role-form")
    refused = client.post(form["action"], data={**hidden_fields(form), "role": "learner"})
    assert refused.status_code == 422 and "last active admin" in parse_html(refused.text).select_one("#users-error").get_text()
    actions = [e["action"] for e in client.get("/api/admin/audit").json()["items"]]
    assert actions == ["user.deactivate", "user.role"]


def test_oversized_upload_from_a_page_is_a_page(client, app):
    log_in_as(client, "admin")
    limit = app.state.settings.max_body_bytes
    _page, _form, fields = page_form(client, "/admin/import", "form#import-form")
    response = client.post("/admin/import", data={**fields, "content": "x" * (limit + 10), "format": "yaml",
                                                  "action": "check"})
    assert response.status_code == 413 and response.headers["content-type"].startswith("text/html")
    assert "Nothing was saved" in parse_html(response.text).select_one(".error-page").get_text()


def test_import_names_a_type_or_topic_change_and_counts_unchanged(client, db):
    log_in_as(client, "admin")
    gift = "::dropout-purpose::Does dropout regularise a network? {=yes ~no}\n\n"
    _page, _form, fields = page_form(client, "/admin/import", "form#import-form")
    check = client.post("/admin/import", data={**fields, "content": gift, "format": "gift", "topic": "qa-gift",
                                               "action": "check"})
    page = parse_html(check.text)
    note = page.select_one(".changed .change-note").get_text()
    assert "type free_text → single_choice" in note and "topic foundations → qa-gift" in note
    same = client.post("/api/admin/import", json={"format": "yaml", "content": client.get(
        "/api/admin/export?format=yaml&topic=cnn").text, "dry_run": True}).json()
    assert same["changed"] == [] and same["unchanged"], "re-importing our own YAML export changes nothing"
