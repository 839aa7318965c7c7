"""An instructor in a real browser: log in, write a question with the live preview, find it in practice."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import check_accessibility, log_in, shoot

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

SLUG = "browser-zebrafish-stride"
PROMPT = "Why does a zebrafish-sized stride of 2 halve the width of a feature map?"
OPTIONS = """options:
  - text: The filter moves two positions per step, so it visits half as many places
    correct: true
  - text: Half the weights are dropped
    why: A stride changes where the filter goes, not its weights.
  - text: The image is blurred first
    why: Nothing is blurred; positions are skipped.
"""


def test_admin_creates_a_question_with_live_preview_and_a_learner_finds_it(page):
    page.goto("/admin")
    expect(page).to_have_url(re.compile(r"/login\?next=/admin"))  # guests are sent to log in
    check_accessibility(page, "login")
    log_in(page, next_path="/admin")
    expect(page).to_have_url(re.compile(r"/admin$"))
    shoot(page, "admin-list")
    check_accessibility(page, "admin-list")

    page.goto("/admin/questions/new")
    page.select_option("#q-type", "single_choice")
    page.fill("#q-details", OPTIONS)
    page.fill("#q-slug", SLUG)
    page.fill("#q-topic", "cnn")
    page.select_option("#q-difficulty", "beginner")
    page.fill("#q-model_answer", "The output has half as many positions, because the filter moves two steps at a time.")
    page.fill("#q-explanation", "With stride $S$ the output size is $\\lfloor (I - F + 2P)/S \\rfloor + 1$.")
    page.fill("#q-prompt", PROMPT)
    # The live preview follows the typing, without pressing Preview.
    expect(page.locator("#preview .preview-prompt")).to_contain_text("zebrafish-sized stride", timeout=10_000)
    expect(page.locator("#preview .preview-options li")).to_have_count(3)
    expect(page.locator("#preview math").first).to_be_attached()  # the explanation's math rendered server-side
    shoot(page, "admin-edit")
    check_accessibility(page, "admin-edit")

    page.locator("#question-form button[value=save]").click()
    page.wait_for_url(re.compile(r"/admin/questions/\d+\?saved=new"))
    expect(page.locator(".flash")).to_contain_text("Question created")
    check_accessibility(page, "admin-saved")

    # A learner (a fresh profile) finds it in practice and answers it.
    learner = page.context.browser.new_context(base_url=page.url.split("/admin")[0])
    try:
        other = learner.new_page()
        other.goto("/questions?q=zebrafish")
        link = other.locator(f".question-list a[href='/questions/{SLUG}']")
        expect(link).to_have_count(1)
        link.click()
        expect(other.locator(".prompt")).to_contain_text("zebrafish-sized stride")
        other.locator("#answer-form input[name=choice]").first.check()
        other.locator("#answer-form button[type=submit]").click()
        expect(other.locator(".verdict .score")).to_have_text(re.compile(r"\d+%"))
    finally:
        learner.close()


def test_switching_the_type_of_a_new_question_swaps_in_its_yaml_shape(page):
    log_in(page, next_path="/admin/questions/new")
    page.select_option("#q-type", "single_choice")
    expect(page.locator("#q-details")).to_have_value(re.compile(r"^options:"), timeout=3_000)
    assert not page.js_errors, page.js_errors
