"""Accounts: sign up, log in, log out, password changes, rate limits, and a guest's progress kept."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.main import create_app
from app.models import Attempt, AuthSession, LoginAttempt, ReviewCard, User, utcnow
from app.passwords import hash_password
from app.security import GUEST_COOKIE, SESSION_COOKIE
from tests.conftest import make_settings
from tests.helpers import page_form, parse_html

PASSWORD = "correct horse battery"


def make_user(db, name: str, *, role: str = "learner", password: str = PASSWORD, active: bool = True) -> int:
    """A registered user, straight into the database."""
    with db.writing() as s:
        user = User(username=name, password_hash=hash_password(password), role=role, is_guest=False, active=active)
        s.add(user)
        s.flush()
        return user.id


def login(client, name: str, password: str = PASSWORD):  # noqa: ANN001, ANN201
    """Log in through the page, as a browser would."""
    _page, _form, fields = page_form(client, "/login", "form#login-form")
    return client.post("/login", data={**fields, "username": name, "password": password}, follow_redirects=False)


def test_register_logs_in_and_stores_only_a_token_hash(client, db):
    _page, form, fields = page_form(client, "/register", "form#register-form")
    assert {i["name"] for i in form.select("input")} >= {"csrf_token", "username", "password", "password_again"}
    response = client.post("/register", data={**fields, "username": "ada", "password": PASSWORD, "password_again": PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie
    token = client.cookies.get(SESSION_COOKIE)
    page = parse_html(client.get("/").text)
    assert page.select_one(".who .user").get_text(strip=True) == "ada"
    with db.reading() as s:
        user = s.scalar(select(User).where(User.username == "ada"))
        assert user.role == "learner" and not user.is_guest and user.password_hash.startswith("$argon2id$")
        assert "m=19456,t=2,p=1" in user.password_hash
        hashes = list(s.scalars(select(AuthSession.token_hash)))
        ada_id = user.id
    assert len(hashes) == 1 and token not in hashes[0] and len(hashes[0]) == 64
    assert client.get("/api/auth/me").json() == {"authenticated": True, "user_id": ada_id, "username": "ada",
                                                 "role": "learner"}


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"username": "ada", "password": "short", "password_again": "short"}, "password", "12 characters"),
    ({"username": "a", "password": PASSWORD, "password_again": PASSWORD}, "username", "3 to 40"),
    ({"username": "<script>", "password": PASSWORD, "password_again": PASSWORD}, "username", "3 to 40"),
    ({"username": "ada", "password": PASSWORD, "password_again": PASSWORD + "x"}, "password_again", "differ"),
    ({"username": "Taken", "password": PASSWORD, "password_again": PASSWORD}, "username", "taken"),
])
def test_register_refusals_are_inline_and_keep_the_name(client, db, data, field, message):
    make_user(db, "taken")
    _page, _form, fields = page_form(client, "/register", "form#register-form")
    response = client.post("/register", data={**fields, **data})
    assert response.status_code == 422
    page = parse_html(response.text)
    assert message in page.select_one(f"#{field}-error").get_text()
    assert page.select_one(f"#{field}")["aria-invalid"] == "true"
    assert page.select_one("#username")["value"] == data["username"]
    assert page.select_one("#password").get("value") is None, "a password is never echoed back"
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 1


def test_login_logout_and_the_old_cookie_stops_working(client, db):
    make_user(db, "grace")
    response = login(client, "Grace")  # names are matched ignoring case
    assert response.status_code == 303 and response.headers["location"] == "/"
    token = client.cookies.get(SESSION_COOKIE)
    assert client.get("/api/auth/me").json()["username"] == "grace"
    _page, form, fields = page_form(client, "/", "form[action='/logout']")
    assert client.post("/logout", data=fields, follow_redirects=False).status_code == 303
    assert client.get("/api/auth/me").json()["authenticated"] is False
    client.cookies.set(SESSION_COOKIE, token)  # replaying the old cookie does not bring the session back
    assert client.get("/api/auth/me").json()["authenticated"] is False
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuthSession)) == 0


def test_wrong_password_page_keeps_the_name(client, db):
    make_user(db, "grace")
    response = login(client, "grace", "wrong password here")
    assert response.status_code == 401
    page = parse_html(response.text)
    assert "do not match" in page.select_one("#login-error").get_text()
    assert page.select_one("#username")["value"] == "grace"
    assert SESSION_COOKIE not in client.cookies


def test_login_next_is_local_only(client, db):
    make_user(db, "grace")
    for target, expected in (("/progress", "/progress"), ("//evil.example/x", "/"), ("https://evil.example", "/"),
                             ("/\\evil.example", "/")):
        client.cookies.clear()
        _page, _form, fields = page_form(client, f"/login?next={target}", "form#login-form")
        response = client.post("/login", data={**fields, "username": "grace", "password": PASSWORD},
                               follow_redirects=False)
        assert response.headers["location"] == expected, target


def test_api_login_me_logout(client, db):
    make_user(db, "linus", role="instructor")
    assert client.post("/api/auth/login", json={"username": "linus", "password": "nope"}).status_code == 401
    assert client.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD}).status_code == 401
    assert client.post("/api/auth/login", json={"username": "linus"}).status_code == 422
    response = client.post("/api/auth/login", json={"username": "linus", "password": PASSWORD})
    assert response.status_code == 200 and response.json()["role"] == "instructor"
    assert "HttpOnly" in response.headers["set-cookie"]
    assert client.get("/api/auth/me").json()["authenticated"] is True
    assert client.post("/api/auth/logout").status_code == 204
    assert client.get("/api/auth/me").json() == {"authenticated": False, "user_id": None, "username": None, "role": None}


@pytest.fixture
def limited_client(tmp_path, database_url):
    """A client on an app that allows three failed logins."""
    app = create_app(make_settings(tmp_path, database_url, login_max_failures=3, https_cookies=True))
    with TestClient(app, base_url="https://testserver") as c:
        yield c


def test_failed_logins_are_limited_per_account_and_address(limited_client):
    client, db = limited_client, limited_client.app.state.db
    make_user(db, "grace")
    for _ in range(3):
        assert client.post("/api/auth/login", json={"username": "grace", "password": "wrong"}).status_code == 401
    limited = client.post("/api/auth/login", json={"username": "grace", "password": PASSWORD})
    assert limited.status_code == 429 and limited.headers["retry-after"]
    assert login(client, "grace").status_code == 429  # the page says so too
    assert "Too many" in parse_html(login(client, "grace").text).select_one("#login-error").get_text()
    # The count lives in the database (shared by server processes) and ages out of the window.
    with db.writing() as s:
        for row in s.scalars(select(LoginAttempt)):
            row.at = utcnow() - timedelta(hours=2)
    response = client.post("/api/auth/login", json={"username": "grace", "password": PASSWORD})
    assert response.status_code == 200
    assert "Secure" in response.headers["set-cookie"]


def test_address_limit_covers_many_accounts(limited_client):
    client = limited_client
    for name in ("a1x", "b2y", "c3z"):
        client.post("/api/auth/login", json={"username": name, "password": "wrong"})
    make_user(client.app.state.db, "grace")
    assert client.post("/api/auth/login", json={"username": "grace", "password": PASSWORD}).status_code == 429


def test_changing_the_password_ends_other_sessions(client, app, db):
    make_user(db, "grace")
    with TestClient(app, base_url="http://testserver") as other:
        assert other.post("/api/auth/login", json={"username": "grace", "password": PASSWORD}).status_code == 200
        login(client, "grace")
        _page, _form, fields = page_form(client, "/account", "form#password-form")
        bad = client.post("/account/password", data={**fields, "current": "wrong", "new": "x" * 12, "new_again": "x" * 12})
        assert bad.status_code == 422
        assert "not right" in parse_html(bad.text).select_one("#current-error").get_text()
        new = "a brand new passphrase"
        ok = client.post("/account/password", data={**fields, "current": PASSWORD, "new": new, "new_again": new},
                         follow_redirects=True)
        assert ok.status_code == 200 and "Password changed" in parse_html(ok.text).select_one(".flash").get_text()
        assert client.get("/api/auth/me").json()["authenticated"] is True, "this browser stays logged in"
        assert other.get("/api/auth/me").json()["authenticated"] is False, "the other browser is logged out"
        assert other.post("/api/auth/login", json={"username": "grace", "password": PASSWORD}).status_code == 401
        assert other.post("/api/auth/login", json={"username": "grace", "password": new}).status_code == 200


def test_account_page_needs_a_login(client):
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/account"


def test_deactivated_users_sessions_stop_working(client, db):
    uid = make_user(db, "grace")
    login(client, "grace")
    assert client.get("/api/auth/me").json()["authenticated"] is True
    with db.writing() as s:
        s.get(User, uid).active = False
    assert client.get("/api/auth/me").json()["authenticated"] is False
    assert client.post("/api/auth/login", json={"username": "grace", "password": PASSWORD}).status_code == 401


@pytest.mark.parametrize("path", ["/login", "/register", "/logout", "/account/password"])
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_forms_without_the_right_csrf_token_get_403(client, db, path, token):
    make_user(db, "grace")
    client.get("/login")  # the browser has a CSRF cookie, the form does not carry its token
    data = {"username": "grace", "password": PASSWORD, "password_again": PASSWORD, "current": PASSWORD,
            "new": "x" * 12, "new_again": "x" * 12}
    if token:
        data["csrf_token"] = token
    response = client.post(path, data=data, follow_redirects=False)
    assert response.status_code == 403
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuthSession)) == 0


def _answer_as_guest(client) -> None:  # noqa: ANN001
    client.post("/api/questions/conv-size-fixed/answers", json={"answer": "10x10"})
    attempt = client.post("/api/questions/dropout-purpose/answers", json={"answer": "drops units"}).json()["attempt_id"]
    client.post(f"/api/attempts/{attempt}/rating", json={"rating": 3})


def test_a_guests_progress_moves_to_the_new_account(client, db):
    _answer_as_guest(client)
    assert client.cookies.get(GUEST_COOKIE)
    _page, _form, fields = page_form(client, "/register", "form#register-form")
    assert "move to the new account" in _page.select_one(".auth").get_text()
    client.post("/register", data={**fields, "username": "ada", "password": PASSWORD, "password_again": PASSWORD})
    with db.reading() as s:
        ada = s.scalar(select(User).where(User.username == "ada"))
        assert s.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == ada.id)) == 2
        assert s.scalar(select(func.count()).select_from(ReviewCard).where(ReviewCard.user_id == ada.id)) == 1
        assert s.scalar(select(func.count()).select_from(User).where(User.is_guest.is_(True), User.active.is_(True))) == 0
    assert client.get("/api/progress").json()["history"], "the history follows the account"


def test_logging_in_merges_review_cards_keeping_the_later(client, db):
    uid = make_user(db, "grace")
    login(client, "grace")
    _answer_as_guest(client)  # as grace: a card for dropout-purpose
    client.post("/api/auth/logout")
    client.cookies.clear()
    _answer_as_guest(client)  # as a new guest: a later card for the same question
    with db.reading() as s:
        guest_card = s.scalar(select(ReviewCard).where(ReviewCard.user_id != uid))
        guest_due = guest_card.due
    login(client, "grace")
    with db.reading() as s:
        cards = list(s.scalars(select(ReviewCard)))
        assert len(cards) == 1 and cards[0].user_id == uid and cards[0].due == guest_due
        assert s.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == uid)) == 4
    assert GUEST_COOKIE not in client.cookies


def test_create_admin_command_then_log_in(client, db, settings, monkeypatch):
    from app import cli

    monkeypatch.setenv("DEEPPREP_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DEEPPREP_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DEEPPREP_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("DEEPPREP_QUESTIONS_DIR", str(settings.questions_dir))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long admin passphrase\n"))
    assert cli.main(["create-admin", "root"]) == 0
    response = client.post("/api/auth/login", json={"username": "root", "password": "a long admin passphrase"})
    assert response.status_code == 200 and response.json()["role"] == "admin"
    page = parse_html(client.get("/").text)
    assert page.select_one("nav a[href='/admin']") is not None
