"""Helpers for tests: parse HTML with BeautifulSoup and submit forms with their CSRF tokens."""

from __future__ import annotations

from bs4 import BeautifulSoup


def parse_html(html: str) -> BeautifulSoup:
    """Parse a page; query it with .select() / .select_one() CSS selectors."""
    return BeautifulSoup(html, "html.parser")


def hidden_fields(form) -> dict[str, str]:  # noqa: ANN001
    """The hidden inputs of a form (CSRF token, seed ...)."""
    return {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}


def page_form(client, url: str, selector: str = "form.answer-form"):  # noqa: ANN001, ANN201
    """Open a page and return (page, form, hidden fields) for the form matching selector."""
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    page = parse_html(response.text)
    form = page.select_one(selector)
    assert form is not None, f"no {selector} on {url}"
    return page, form, hidden_fields(form)


def guests(session, n: int) -> list[int]:  # noqa: ANN001
    """The ids of n new guest users, added in the given session."""
    from app.models import User

    users = [User(is_guest=True) for _ in range(n)]
    session.add_all(users)
    session.flush()
    return [u.id for u in users]
