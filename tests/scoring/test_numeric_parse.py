"""The numeric answer parser: every accepted form, and the reasons for what it refuses."""

from __future__ import annotations

import numpy as np
import pytest

from app.scoring import AnswerFormatError, parse_numbers, parse_numeric


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", 10.0),
        ("-3.5e-4", -3.5e-4),
        ("+7", 7.0),
        ("1E5", 1e5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1/3", 1 / 3),
        ("-1/2", -0.5),
        ("1 / 4", 0.25),
        ("45%", 0.45),
        ("45 %", 0.45),
        ("\u22123", -3.0),
        ("\u2248 0.73", 0.73),
        ("~0.73", 0.73),
        ("about 0.73", 0.73),
        ("141 units", 141.0),
        ("The answer is 7.0.", 7.0),
        ("1,792", 1792.0),
        ("1,792,000", 1792000.0),
        ("12,345.6", 12345.6),
        ("1_000", 1000.0),
        ("1\u202f792", 1792.0),
        ("1.5 \u00d7 10^-4", 1.5e-4),
        ("1.5x10^-4", 1.5e-4),
        ("1.5\u00d710\u207b\u2074", 1.5e-4),
        ("2^10", 1024.0),
        ("2**3", 8.0),
        ("3 \u00d7 47 = 141", 141.0),
        ("O = floor((12 - 3)/1) + 1 = 10", 10.0),
        ("f(x) = 0.73", 0.73),
        ("0.73 (rounded)", 0.73),
        ("x = - 3", -3.0),
        ("a) 10", 10.0),
        ("\uff11\uff12", 12.0),
        ("$\\approx 0.5$", 0.5),
        ("sqrt(2/512)", 0.0625),
        ("\u221a(2/512)", 0.0625),
        ("\u221a4", 2.0),
    ],
)
def test_scalar_forms(text: str, expected: float) -> None:
    got = parse_numeric(text)
    assert got.shape == ()
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10x10", [10, 10]),
        ("10X10", [10, 10]),
        ("10 \u00d7 10", [10, 10]),
        ("10 by 10", [10, 10]),
        ("3x3x64", [3, 3, 64]),
        ("(10, 10)", [10, 10]),
        ("[10, 10]", [10, 10]),
        ("the output is 10 x 10 pixels", [10, 10]),
        ("$10 \\times 10$", [10, 10]),
        ("7x7 \u2192 3x3", [3, 3]),
        ("0.1, 0.2, 0.7", [0.1, 0.2, 0.7]),
        ("0.1 0.2 0.7", [0.1, 0.2, 0.7]),
        ("1 -2", [1, -2]),
        ("[0.1, -0.2]", [0.1, -0.2]),
        ("0\n1\n2", [0, 1, 2]),
        ("0; 1; 2", [0, 1, 2]),
        ("c = 8, d = 4", [8, 4]),
        ("x1 = 0.5, x2 = 0.3", [0.5, 0.3]),
        ("[0.024, 0.064, 0.175, 0.475]", [0.024, 0.064, 0.175, 0.475]),
        ("[5]", [5]),
    ],
)
def test_vector_forms(text: str, expected: list[float]) -> None:
    got = parse_numeric(text)
    assert got.shape == (len(expected),)
    np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize(
    "text",
    [
        "[[1,2],[3,4]]",
        "[[1, 2], [3, 4]]",
        "((1, 2), (3, 4))",
        "(1, 2), (3, 4)",
        "[1, 2]\n[3, 4]",
        "[1 2; 3 4]",
        "1 2; 3 4",
        "1, 2\n3, 4",
        "Output:\n1 2\n3 4\n",
    ],
)
def test_matrix_forms(text: str) -> None:
    np.testing.assert_array_equal(parse_numeric(text), [[1, 2], [3, 4]])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,792", 1792),  # exactly three digits after the comma, no space: thousands
        ("1, 792", [1, 792]),  # a space after the comma: a list
        ("1,79", [1, 79]),  # not three digits: a list
        ("1,7920", [1, 7920]),
        ("1,2,345", [1, 2, 345]),  # a comma run that is not all thousands groups is a list
        ("[100,200,300]", [100, 200, 300]),  # inside brackets commas always separate values
        ("0,1,0", [0, 1, 0]),  # a run of several commas with a 0 group is still a list
        ("1,000,000", 1_000_000),
        ("12,345", 12345),
    ],
)
def test_thousands_separator_rule(text: str, expected) -> None:
    np.testing.assert_array_equal(parse_numeric(text), expected)


def test_percent_is_marked() -> None:
    parsed = parse_numbers("[50%, 0.25]")
    np.testing.assert_allclose(parsed.values, [0.5, 0.25])
    assert parsed.percent.tolist() == [True, False]
    assert parsed.texts == ("50%", "0.25")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ten", "could not find a number in 'ten'"),
        ("", "the answer is empty"),
        ("   ", "the answer is empty"),
        ("[]", "could not find a number"),
        ("[[1,2],[3]]", "the matrix rows have different lengths"),
        ("1 2 3\n4 5", "the matrix rows have different lengths"),
        ("12 - 3", "looks like a calculation"),
        ("12-3", "looks like a calculation"),
        ("3*47", "looks like a calculation"),
        ("(12 - 3)", "looks like a calculation"),
        ("z = 47, so 141", "found more than one number"),
        ("between 0.7 and 0.8", "found more than one number"),
        ("[1, 2", "is never closed"),
        ("[1, 2))", "has no opening bracket"),
        ("1e999", "too large"),
        ("10^5000", "too large"),
        ("1/0", "divides by zero"),
        ("[[[1]]]", "nested more than two levels"),
        ("[1, [2, 3]]", "mixes single numbers and lists"),
        ("2 x 2: [[1,2],[3,4]]", "both inside and outside brackets"),
        ("[1,2] or [3,4]", "several bracketed groups"),
        ("x" * 10_001, "longer than 10,000 characters"),
        ("(" * 4000 + "1" + ")" * 4000, "nested too deeply"),
        ("exp(1)", "is a formula"),
        ("max(0, 3)", "is a formula"),
    ],
)
def test_unreadable_answers_raise_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(AnswerFormatError) as info:
        parse_numeric(text)
    assert reason in str(info.value)
    assert info.value.reason == str(info.value)


def test_answer_format_error_is_a_value_error() -> None:
    assert issubclass(AnswerFormatError, ValueError)


def test_a_long_list_within_the_length_limit_parses() -> None:
    assert parse_numeric(", ".join(["0.5"] * 2000)).shape == (2000,)


def test_non_text_is_refused() -> None:
    with pytest.raises(AnswerFormatError):
        parse_numeric(12)  # type: ignore[arg-type]


def test_result_is_float64() -> None:
    assert parse_numeric("[1, 2]").dtype == np.float64
