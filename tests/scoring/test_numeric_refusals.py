"""Answers the parser must refuse rather than misread: decimal commas and non-finite values.

A refused answer raises AnswerFormatError; evaluate() turns it into AnswerRejected, so nothing is
recorded and the learner sees the reason and can type the answer again.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.answers import AnswerRejected, evaluate
from app.bank_schema import QuestionSpec
from app.scoring import AnswerFormatError, parse_numbers, parse_numeric, score_numeric

DECIMAL_HINT = "write decimals with a point"
NOT_FINITE = "not a finite number"


@pytest.mark.parametrize(
    ("text", "example"),
    [
        ("0,149; 0,331; 0,299; 0,222", "(0.149, not 0,149)"),  # a 4-vector with decimal commas
        ("0,25", "(0.25, not 0,25)"),
        ("0,5", "(0.5, not 0,5)"),
        ("-0,5", "(0.5, not 0,5)"),
        ("0,149, 0,331", "(0.149, not 0,149)"),  # decimal commas in a comma-space list
        ("0,149\n0,331", "(0.149, not 0,149)"),
        ("1, 0,5", "(0.5, not 0,5)"),
        ("the answer is 0,25", "(0.25, not 0,25)"),
        ("0,25%", "(0.25, not 0,25)"),
        ("00,5", "(0.149, not 0,149)"),
        ("05,000", "(0.149, not 0,149)"),  # a group starting with 0 is never thousands grouping
        ("0,000,001", "(0.149, not 0,149)"),
    ],
)
def test_decimal_comma_is_refused_with_the_decimal_point_hint(text: str, example: str) -> None:
    with pytest.raises(AnswerFormatError) as info:
        parse_numbers(text)
    assert DECIMAL_HINT in str(info.value)
    assert example in str(info.value)


def test_decimal_comma_vector_is_refused_by_the_scorer_not_scored_zero() -> None:
    with pytest.raises(AnswerFormatError, match=DECIMAL_HINT):
        score_numeric(
            "0,149; 0,331; 0,299; 0,222", expected=[0.148564, 0.331, 0.299, 0.222], rtol=0.01
        )


def test_decimal_comma_scalar_is_refused_by_the_scorer_not_a_shape_mismatch() -> None:
    with pytest.raises(AnswerFormatError, match=DECIMAL_HINT):
        score_numeric("0,25", expected=0.25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,000,000", 1_000_000),
        ("12,345", 12345),
        ("12,345.6", 12345.6),
        ("-1,792", -1792),
        ("[1, 2, 3]", [1, 2, 3]),
        ("1, 2, 3", [1, 2, 3]),
        ("[0,1,0]", [0, 1, 0]),  # inside brackets commas separate values
        ("[0,5]", [0, 5]),
        ("0,1,0", [0, 1, 0]),  # several commas: a list, not one decimal
        ("0, 5", [0, 5]),
        ("0.149; 0.331; 0.299; 0.222", [0.149, 0.331, 0.299, 0.222]),
        ("0,5 x 2 = 1", 1),  # working before '=' is not read
    ],
)
def test_thousands_and_lists_still_read(text: str, expected) -> None:
    np.testing.assert_array_equal(parse_numeric(text), expected)


@pytest.mark.parametrize(
    "text",
    [
        "[nan, inf, 0, 0]",
        "[1, nan]",
        "[NaN, 1]",
        "(1, Infinity)",
        "[1, -inf]",
        "[1, +inf]",
        "[1, ∞]",
        "1, nan",
        "nan, 1",
        "1; inf",
        "[[1, nan], [3, 4]]",
        "nan",
        "-inf",
        "Infinity",
        "x = inf",
        "d = 3, k = nan",
    ],
)
def test_non_finite_values_are_refused(text: str) -> None:
    with pytest.raises(AnswerFormatError) as info:
        parse_numbers(text)
    assert NOT_FINITE in str(info.value)


def test_infinity_as_a_word_in_a_sentence_is_ignored() -> None:
    assert parse_numeric("as n goes to infinity the ratio is 0.5") == 0.5
    assert parse_numeric("information gain: 0.3") == 0.3


def _numeric_spec(value) -> QuestionSpec:
    return QuestionSpec(
        slug="refusal-check",
        difficulty="beginner",
        type="numeric",
        prompt="What is the value asked for here?",
        model_answer="see the value",
        explanation="An explanation.",
        answer={"value": value, "rtol": 0.01},
    )


@pytest.mark.parametrize(
    ("value", "answer", "reason"),
    [
        (0.25, "0,25", DECIMAL_HINT),
        ([0.148564, 0.331, 0.299, 0.222], "0,149; 0,331; 0,299; 0,222", DECIMAL_HINT),
        ([0.0, 0.0, 0.0, 0.0], "[nan, inf, 0, 0]", NOT_FINITE),
        ([1.0, 2.0], "[1, nan]", NOT_FINITE),
    ],
)
def test_evaluate_rejects_so_nothing_is_recorded(value, answer: str, reason: str) -> None:
    spec = _numeric_spec(value)
    with pytest.raises(AnswerRejected) as info:
        evaluate(spec, {"model_answer": "<p>see the value</p>"}, seed=1, answer=answer)
    assert reason in str(info.value)
