"""Scoring numeric answers: tolerances, significant figures, percent, shapes, partial credit."""

from __future__ import annotations

import pytest

from app.scoring import AnswerFormatError, Score, score_numeric


def test_within_relative_tolerance() -> None:
    s = score_numeric("0.731", expected=0.7311)
    assert (s.value, s.correct) == (1.0, True)
    assert s.feedback.message == "Correct: 0.731 is within 1% of 0.7311."


def test_outside_relative_tolerance() -> None:
    s = score_numeric("0.70", expected=0.7311)
    assert (s.value, s.correct) == (0.0, False)
    assert "you gave 0.70, expected 0.7311" in s.feedback.message


@pytest.mark.parametrize(
    ("answer", "kw", "correct"),
    [
        ("101", {}, True),  # |1| <= 1e-8 + 0.01 * 100
        ("101.5", {}, False),
        ("101.5", {"rtol": 0.02}, True),
        ("100.001", {"rtol": 0.0}, False),
        ("100.001", {"rtol": 0.0, "atol": 0.01}, True),
    ],
)
def test_tolerances_are_overridable(answer: str, kw: dict, correct: bool) -> None:
    assert score_numeric(answer, expected=100, **kw).correct is correct


def test_absolute_tolerance_near_zero() -> None:
    assert score_numeric("1e-9", expected=0).correct
    assert not score_numeric("1e-7", expected=0).correct
    assert "within ±1e-08" in score_numeric("1e-7", expected=0).feedback.message


@pytest.mark.parametrize(
    ("answer", "sig_figs", "correct"),
    [
        ("0.731", 3, True),
        ("0.7306", 3, True),  # rounds to 0.731
        ("0.73", 3, False),  # only two figures of 0.7311
        ("0.732", 3, False),
        ("0.73", 2, True),
        ("0.7", 1, True),
        ("1.00", 3, True),  # 0.9996 rounds to 1.00
    ],
)
def test_significant_figures(answer: str, sig_figs: int, correct: bool) -> None:
    expected = 0.9996 if answer == "1.00" else 0.7311
    assert score_numeric(answer, expected=expected, sig_figs=sig_figs).correct is correct


def test_significant_figures_ignore_the_tolerance() -> None:
    # 0.730 is within 1% of 0.7311 but is not 0.731 to three figures.
    assert score_numeric("0.730", expected=0.7311).correct
    s = score_numeric("0.730", expected=0.7311, sig_figs=3)
    assert not s.correct
    assert "expected 0.731 (to 3 significant figures)" in s.feedback.message


def test_significant_figures_ties_count_either_way() -> None:
    assert score_numeric("0.732", expected=0.7315, sig_figs=3).correct
    assert score_numeric("0.731", expected=0.7315, sig_figs=3).correct


@pytest.mark.parametrize(("answer", "expected"), [("45%", 0.45), ("45%", 45), ("0.45", 0.45)])
def test_percent_matches_fraction_or_bare_number(answer: str, expected: float) -> None:
    assert score_numeric(answer, expected=expected).correct


def test_bare_number_is_not_read_as_percent() -> None:
    assert not score_numeric("45", expected=0.45).correct


def test_scalar_expected_vs_list_answer_is_a_shape_mismatch() -> None:
    s = score_numeric("10x10", expected=10)
    assert (s.value, s.correct) == (0.0, False)
    assert "shape differs" in s.feedback.message
    assert "a list of 2 values" in s.feedback.message


def test_shape_mismatch_hints_at_decimal_comma() -> None:
    s = score_numeric("1,5", expected=1.5)  # "0,5" is refused outright: test_numeric_refusals.py
    assert not s.correct
    assert "with a point" in s.feedback.message


def test_length_one_axes_are_ignored() -> None:
    assert score_numeric("5", expected=[5]).correct
    assert score_numeric("[5]", expected=5).correct
    assert score_numeric("1, 2, 3", expected=[[1, 2, 3]]).correct


def test_matrix_shape_must_match() -> None:
    s = score_numeric("[[1, 2, 3, 4]]", expected=[[1, 2], [3, 4]])
    assert not s.correct and "a 2 × 2 matrix" in s.feedback.message


def test_shape_answer() -> None:
    assert score_numeric("the output is 10 x 10 pixels", expected=[10, 10]).correct


def test_vector_partial_credit_names_the_differing_position() -> None:
    s = score_numeric("[0.1, 0.5, 0.3, 0.1]", expected=[0.1, 0.25, 0.3, 0.1])
    assert s.value == pytest.approx(0.75)
    assert not s.correct
    assert "3 of 4 values match" in s.feedback.message
    assert "position 2 differs: you gave 0.5, expected 0.25" in s.feedback.message


def test_matrix_partial_credit_names_row_and_column() -> None:
    s = score_numeric("[[1,2],[3,5]]", expected=[[1, 2], [3, 4]])
    assert s.value == pytest.approx(0.75)
    assert "row 2, column 2 differs: you gave 5, expected 4" in s.feedback.message


def test_many_differences_are_summarised() -> None:
    s = score_numeric("[1, 9, 9, 9, 9, 9]", expected=[1, 2, 3, 4, 5, 6])
    assert s.value == pytest.approx(1 / 6)
    assert "and 2 more differ" in s.feedback.message


def test_vector_all_correct() -> None:
    s = score_numeric("0.024, 0.064, 0.175", expected=[0.0239, 0.0641, 0.1749])
    assert (s.value, s.correct) == (1.0, True)


def test_unreadable_answer_raises_not_zero() -> None:
    with pytest.raises(AnswerFormatError, match="could not find a number"):
        score_numeric("ten", expected=10)


def test_bad_expected_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        score_numeric("1", expected=[[1, 2], [3]])
    with pytest.raises(ValueError):
        score_numeric("1", expected=float("nan"))


def test_returns_score() -> None:
    s = score_numeric("1", expected=1)
    assert isinstance(s, Score)
    assert s.feedback.covered == [] and s.feedback.missed == [] and s.feedback.mistake is None


# values_match: the scorer's comparison rule for already parsed values (known mistakes).


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("5", [5]),  # axes of length 1 are ignored, as by the scorer
        ("[5]", 5),
        ("1, 2, 3", [[1, 2, 3]]),
        ("[[1], [2], [3]]", [1, 2, 3]),
        ("100.5", 100),  # within rtol
    ],
)
def test_values_match_agrees_with_the_scorer_on_matches(answer: str, expected) -> None:
    from app.scoring import parse_numeric, values_match

    assert score_numeric(answer, expected=expected).correct
    assert values_match(parse_numeric(answer), expected, atol=1e-8, rtol=1e-2)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("1, 2", [[1], [2], [3]]),  # shape differs
        ("1, 2, 3, 4", [[1, 2], [3, 4]]),  # same size, different shape
        ("102", 100),  # outside rtol
        ("[1, 2.5]", [1, 2]),  # one value off: partial credit is not a match
    ],
)
def test_values_match_agrees_with_the_scorer_on_mismatches(answer: str, expected) -> None:
    from app.scoring import parse_numeric, values_match

    assert not score_numeric(answer, expected=expected).correct
    assert not values_match(parse_numeric(answer), expected, atol=1e-8, rtol=1e-2)


def test_values_match_tolerances_sig_figs_and_percent() -> None:
    import numpy as np

    from app.scoring import parse_numbers, parse_numeric, values_match

    assert values_match(np.array(101.5), 100, atol=0, rtol=0.02)
    assert not values_match(np.array(101.5), 100, atol=0, rtol=0.01)
    assert values_match(np.array(0.7306), 0.7311, atol=0, rtol=0, sig_figs=3)
    assert not values_match(np.array(0.73), 0.7311, atol=0, rtol=0.5, sig_figs=3)
    # "45%" is 0.45; with the parsed form it also stands for 45, as in the scorer.
    assert values_match(parse_numeric("45%"), 0.45, atol=1e-8, rtol=1e-2)
    assert not values_match(parse_numeric("45%"), 45, atol=1e-8, rtol=1e-2)
    assert values_match(parse_numbers("45%"), 45, atol=1e-8, rtol=1e-2)
    # A malformed expected value matches nothing instead of raising.
    assert not values_match(np.array(1.0), "abc", atol=1e-8, rtol=1e-2)
    assert not values_match(np.array(1.0), [], atol=1e-8, rtol=1e-2)
