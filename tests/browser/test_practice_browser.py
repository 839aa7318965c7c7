"""A learner in a real browser: pick a topic, answer free-text and computed questions, read the feedback, rate."""

from __future__ import annotations

import json
import re

import pytest

from app.bank import load_bank
from app.generators import get_generator
from tests.browser.conftest import ROOT, check_accessibility, shoot

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

FREE_TEXT = "what-is-cnn"
COMPUTED = "conv-output-size-computed"


def expected_answer(slug: str, seed: int) -> str:
    """The right answer of a computed question for a seed, worked out here from the real bank."""
    topics, errors = load_bank(ROOT / "questions")
    assert not errors
    spec = next(q for t in topics for q in t.questions if q.slug == slug)
    answer = get_generator(spec.generator).instantiate(seed, spec.params or None).answer
    return json.dumps(answer.tolist() if hasattr(answer, "tolist") else answer)


def test_practice_flow_free_text_then_computed(page):
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Practise deep-learning interviews")
    shoot(page, "home")
    check_accessibility(page, "home")

    page.locator(".topic-card a", has_text="Convolutional networks").click()
    expect(page).to_have_url(re.compile(r"/questions\?topic=cnn"))
    page.locator(f".question-list a[href='/questions/{FREE_TEXT}']").click()
    expect(page).to_have_url(re.compile(f"/questions/{FREE_TEXT}$"))
    shoot(page, "question-free-text")
    check_accessibility(page, "question")

    page.fill("#answer", "A CNN uses convolutional layers: small learnable filters slide over the image, with weight "
                         "sharing so there are far fewer parameters, and it learns a hierarchy of features.")
    page.keyboard.press("Control+Enter")  # the shortcut submits without a reload
    expect(page.locator(".verdict .score")).to_have_text(re.compile(r"\d+%"))
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    covered = page.locator("ul.covered li").all_inner_texts()
    assert "Weight sharing keeps the parameter count small" in covered
    expect(page.locator("ul.missed li").first).to_be_visible()
    expect(page.locator(".model-answer")).not_to_be_empty()
    shoot(page, "result-free-text")
    check_accessibility(page, "result")

    # The suggested rating is preselected; Save keeps us on the result, which now says when it is due.
    expect(page.locator("#rate-form input[name=rating]:checked")).to_have_count(1)
    page.locator("#rate-form button[value=stay]").click()
    expect(page.locator(".rating")).to_contain_text("Next review")

    # A computed question: fresh numbers from a seed, scored against the engine's answer.
    page.goto("/questions?topic=cnn")
    page.locator(f".question-list a[href='/questions/{COMPUTED}']").click()
    seed = int(page.locator("#answer-form input[name=seed]").input_value())
    expect(page.locator("#answer-format")).to_be_visible()
    page.fill("#answer", expected_answer(COMPUTED, seed))
    shoot(page, "question-computed")
    page.locator("#answer-form button[type=submit]").click()
    expect(page.locator(".verdict .score")).to_have_text("100%")
    expect(page.locator(".verdict")).to_contain_text("Correct")
    expect(page.locator("ol.worked li.step").first).to_be_visible()
    assert page.locator("ol.worked li.step").count() >= 1
    shoot(page, "result-computed")
    check_accessibility(page, "result-computed")

    # Rating with the keyboard: 4 is Easy, then on to the next question.
    page.locator("main").focus()  # not in a text box, so the digit is a shortcut
    page.keyboard.press("4")
    page.wait_for_url(re.compile(r"/questions/[^/?]+$"))
    expect(page.locator("#answer-form")).to_be_visible()


def test_wrong_format_is_explained_inline(page):
    page.goto(f"/questions/{COMPUTED}")
    page.fill("#answer", "about twelve-ish")
    page.locator("#answer-form button[type=submit]").click()
    expect(page.locator("#answer-error")).to_be_visible()
    expect(page.locator("#answer")).to_have_value("about twelve-ish")
    check_accessibility(page, "question-error")


def test_progress_and_playground_pages_are_accessible(page):
    page.goto(f"/questions/{FREE_TEXT}")
    page.fill("#answer", "Filters slide over the image.")
    page.locator("#answer-form button[type=submit]").click()
    expect(page.locator(".verdict")).to_be_visible()
    page.goto("/progress")
    expect(page.locator("h1")).to_have_text("Your progress")
    expect(page.locator("table.history tbody tr")).to_have_count(1)
    shoot(page, "progress")
    check_accessibility(page, "progress")

    page.goto("/playground")
    shoot(page, "playground")
    check_accessibility(page, "playground")
    page.locator("main a[href^='/playground/']").first.click()
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("main")).to_be_visible()
    shoot(page, "playground-tool")
    check_accessibility(page, "playground-tool")


def test_pages_work_with_javascript_off(browser, server):
    ctx = browser.new_context(base_url=server.url, java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(f"/questions/{FREE_TEXT}")
        page.fill("#answer", "Convolutional layers with shared weights.")
        page.locator("#answer-form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
        expect(page.locator(".verdict .score")).to_have_text(re.compile(r"\d+%"))
    finally:
        ctx.close()
