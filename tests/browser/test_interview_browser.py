"""A candidate in a real browser: a timed interview that survives a reload and finishes by itself."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import check_accessibility, shoot

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

ANSWER = "Weight sharing: the same small filter slides over every position of the image."


def clock_seconds(page) -> int:  # noqa: ANN001
    """The countdown as shown, in seconds."""
    text = page.locator("#iv-clock-value").inner_text().strip()
    parts = [int(p) for p in text.split(":")]
    seconds = 0
    for p in parts:
        seconds = seconds * 60 + p
    return seconds


def start_interview(page, *, minutes: str, count: int = 3) -> str:  # noqa: ANN001
    """Set up a custom interview through the form; returns its id, with the first question open."""
    page.goto("/interviews")
    page.fill("#iv-count", str(count))
    page.fill("#iv-minutes", minutes)
    page.locator("#setup-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/interviews/[^/]+/q/1$"))
    return page.locator("#iv-run").get_attribute("data-interview")


def open_first_with(page, interview: str, selector: str, *, count: int) -> int:  # noqa: ANN001
    """Open the first question of the interview that has the selector; its position (skip if none)."""
    for position in range(1, count + 1):
        page.goto(f"/interviews/{interview}/q/{position}")
        if page.locator(selector).count():
            return position
    pytest.skip(f"no question with {selector} among the {count} drawn")


def answer_shown_question(page) -> tuple[str, str]:  # noqa: ANN001
    """Answer whatever question is shown: text in the box, or the first option. Returns (kind, value)."""
    box = page.locator("#iv-answer")
    if box.count():
        box.fill(ANSWER)
        return "text", ANSWER
    choice = page.locator("#iv-form input[name=choice]").first
    choice.check()
    return "choice", choice.get_attribute("value")


def test_timed_interview_survives_reload_and_finishes_by_itself(page):
    started = time.monotonic()
    interview = start_interview(page, minutes="0.3334")  # 20 seconds
    first = clock_seconds(page)
    assert 10 <= first <= 20, first

    kind, value = answer_shown_question(page)
    expect(page.locator("#iv-saved")).to_contain_text("Saved at", timeout=8_000)  # autosave, no button pressed
    before = clock_seconds(page)

    page.reload()
    after = clock_seconds(page)
    assert 0 < after <= before, (before, after)  # the countdown continues from the server's deadline
    if kind == "text":
        expect(page.locator("#iv-answer")).to_have_value(ANSWER)
    else:
        expect(page.locator(f"#iv-form input[name=choice][value='{value}']")).to_be_checked()

    # No more input: at zero the page submits by itself and the report opens.
    remaining = max(1.0, 20 - (time.monotonic() - started))
    page.wait_for_url(re.compile(f"/interviews/{interview}/report"), timeout=(remaining + 30) * 1000)
    expect(page.locator("#total-score")).to_have_text(re.compile(r"\d+%"))
    expect(page.locator("article.iv-q")).to_have_count(3)
    first_q = page.locator("#q-1")
    if kind == "text":
        expect(first_q.locator("pre.given")).to_have_text(ANSWER)
    else:
        expect(first_q.locator("li.chosen")).to_have_count(1)
    expect(page.locator("#q-2 .given-none, #q-2 li.chosen")).not_to_have_count(0)
    shoot(page, "interview-report")
    check_accessibility(page, "interview-report")


def test_interview_pages_are_accessible(page):
    page.goto("/interviews")
    shoot(page, "interview-setup")
    check_accessibility(page, "interview-setup")

    interview = start_interview(page, minutes="10")
    answer_shown_question(page)
    expect(page.locator("#iv-saved")).to_contain_text("Saved at", timeout=8_000)
    page.locator("#iv-flag").check()
    shoot(page, "interview-question")
    check_accessibility(page, "interview-question")

    page.goto(f"/interviews/{interview}/submit")
    expect(page.locator("#iv-confirm h1")).to_have_text("Finish the interview?")
    check_accessibility(page, "interview-confirm")
    page.locator("#submit-form button[type=submit]").click()
    page.wait_for_url(re.compile(f"/interviews/{interview}/report"))
    expect(page.locator("#total-score")).to_be_visible()

    page.goto("/interviews/history")
    shoot(page, "interview-history")
    check_accessibility(page, "interview-history")


def test_answer_typed_just_before_a_reload_is_never_lost(page):
    """A reload that beats the autosave shows the typed answer again, and moving on never blanks it."""
    interview = start_interview(page, minutes="10", count=6)
    position = open_first_with(page, interview, "textarea#iv-answer", count=6)
    page.locator("#iv-answer").fill(ANSWER)
    page.reload()  # before the 0.8 s autosave: only the save sent as the page unloads may carry it
    expect(page.locator("#iv-answer")).to_have_value(ANSWER)
    expect(page.locator("#iv-saved")).to_contain_text("Saved at", timeout=8_000)
    other = 1 if position != 1 else 2
    page.locator(f'a.iv-cell[data-position="{other}"]').click()
    page.wait_for_url(re.compile(f"/interviews/{interview}/q/{other}$"))
    page.goto(f"/interviews/{interview}/q/{position}")
    expect(page.locator("#iv-answer")).to_have_value(ANSWER)
    saved = page.request.get(f"/api/interviews/{interview}").json()
    assert saved["answers"][str(position)] == ANSWER


def test_digit_keys_pick_options_and_autosave(page):
    interview = start_interview(page, minutes="10", count=6)
    open_first_with(page, interview, "#iv-form input[name=choice]", count=6)
    page.locator("h1").first.click()  # focus outside any field
    page.keyboard.press("1")
    expect(page.locator("#iv-form input[name=choice]").first).to_be_checked()
    expect(page.locator("#iv-saved")).to_contain_text("Saved at", timeout=8_000)
