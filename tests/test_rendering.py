"""Markdown with math renders to MathML on the server and is sanitised."""

from __future__ import annotations

import pytest

from app.rendering import MathError, render_inline, render_markdown
from tests.helpers import parse_html


def test_inline_and_block_math_become_mathml():
    page = parse_html(render_markdown("Softmax $\\sigma(z)_i$ is\n\n$$\\frac{e^{z_i}}{\\sum_j e^{z_j}}$$"))
    maths = page.select("math")
    assert len(maths) == 2
    assert maths[1]["display"] == "block" and maths[1].select_one("mfrac")


def test_dollar_amounts_are_not_math():
    assert "<math" not in render_markdown("It costs $5 and $6.")


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<svg onload=alert(1)>",
        '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
        "<iframe src=//evil></iframe>",
    ],
)
def test_attacks_are_neutralised(attack):
    html = render_markdown(attack)
    page = parse_html(html)
    assert not page.select("script, iframe, svg, img")
    for tag in page.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on")
            assert "javascript:" not in str(value).lower()


def test_bad_formula_raises_with_the_formula():
    with pytest.raises(MathError, match="frac"):
        render_markdown("$\\frac{a}{$ and more $x$")


def test_inline_has_no_paragraph():
    assert render_inline("**ReLU**") == "<strong>ReLU</strong>"
