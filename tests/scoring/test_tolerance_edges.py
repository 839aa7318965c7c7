"""A tolerance's bounds are included, whatever float subtraction makes of them."""

from __future__ import annotations

import pytest

from app.formats import gift
from app.scoring import score_numeric


@pytest.mark.parametrize(("answer", "expected", "atol", "correct"), [
    ("0.4", 0.3, 0.1, True),  # 0.4 - 0.3 is 0.10000000000000003 in floats
    ("0.2", 0.3, 0.1, True),
    ("0.41", 0.3, 0.1, False),
    ("3.141", 3.1415, 0.0005, True),
    ("3.142", 3.1415, 0.0005, True),
    ("3.1421", 3.1415, 0.0005, False),
    ("7", 6, 0, False),
])
def test_bounds_are_inclusive(answer, expected, atol, correct):
    assert score_numeric(answer, expected=expected, atol=atol, rtol=0).correct is correct


def test_gift_range_becomes_a_clean_midpoint_that_accepts_both_ends():
    topics, errors, _ = gift.parse("::pi::Pi to 3 decimals? {#3.141..3.142}\n", default_topic="maths")
    assert errors == []
    answer = topics[0].questions[0].answer
    assert (answer.value, answer.atol) == (3.1415, 0.0005)
    for end in ("3.141", "3.142"):
        assert score_numeric(end, expected=answer.value, atol=answer.atol, rtol=answer.rtol).correct
    assert "3.1414999" not in topics[0].questions[0].model_answer
