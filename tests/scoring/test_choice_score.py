"""Scoring choice answers and shuffling options."""

from __future__ import annotations

import pytest

from app.bank_schema import Option
from app.scoring import AnswerFormatError, score_choice, shuffled_order

SINGLE = [
    Option(text="Sigmoid", why="its outputs do not sum to 1"),
    Option(text="Softmax", correct=True),
    Option(text="ReLU", why="it is unbounded"),
]
MULTI = [
    Option(text="CNN", correct=True),
    Option(text="RNN", correct=True),
    Option(text="MLP", why="each weight is used once"),
    Option(text="Transformer", correct=True, why="attention weights are shared across positions"),
]


def test_single_right() -> None:
    s = score_choice([1], options=SINGLE, multiple=False)
    assert (s.value, s.correct) == (1.0, True)
    assert s.feedback.covered == ["Softmax"]


def test_single_wrong_says_why_and_gives_the_right_one() -> None:
    s = score_choice([0], options=SINGLE, multiple=False)
    assert (s.value, s.correct) == (0.0, False)
    assert "its outputs do not sum to 1" in s.feedback.message
    assert "Softmax" in s.feedback.message
    assert s.feedback.missed == ["Softmax"]


def test_multiple_all_right() -> None:
    s = score_choice([3, 0, 1], options=MULTI, multiple=True)
    assert (s.value, s.correct) == (1.0, True)


@pytest.mark.parametrize(
    ("picks", "value"),
    [
        ([0, 1], 2 / 3),
        ([0], 1 / 3),
        ([0, 1, 2], 1 / 3),  # one wrong pick cancels one right pick
        ([0, 2], 0.0),
        ([2], 0.0),  # never below zero
        ([0, 1, 2, 3], 2 / 3),  # ticking everything is not a free pass
    ],
)
def test_multiple_partial_credit(picks: list[int], value: float) -> None:
    s = score_choice(picks, options=MULTI, multiple=True)
    assert s.value == pytest.approx(value)
    assert not s.correct


def test_multiple_feedback_lists_wrong_picks_with_why_and_missed_options() -> None:
    s = score_choice([0, 2], options=MULTI, multiple=True)
    assert "Wrong pick: \u201cMLP\u201d \u2014 each weight is used once" in s.feedback.message
    assert "RNN" in s.feedback.message and "Transformer" in s.feedback.message
    assert s.feedback.covered == ["CNN"]
    assert s.feedback.missed == ["RNN", "Transformer"]


def test_duplicate_picks_count_once() -> None:
    assert score_choice([0, 0, 1, 1, 3], options=MULTI, multiple=True).correct


def test_dict_options_are_accepted() -> None:
    options = [{"text": "a", "correct": True}, {"text": "b"}]
    assert score_choice([0], options=options, multiple=False).correct


@pytest.mark.parametrize(
    ("picks", "multiple", "reason"),
    [
        ([], False, "select an option"),
        ([], True, "select at least one option"),
        ([0, 1], False, "select exactly one option"),
        ([7], False, "there is no option 7"),
        ([-1], True, "there is no option -1"),
        (["1"], False, "is not an option number"),
        ([True], False, "is not an option number"),
    ],
)
def test_bad_selection_raises(picks: list, multiple: bool, reason: str) -> None:
    with pytest.raises(AnswerFormatError, match=reason):
        score_choice(picks, options=SINGLE, multiple=multiple)


def test_shuffled_order_is_a_stable_permutation() -> None:
    order = shuffled_order(5, 42)
    assert sorted(order) == [0, 1, 2, 3, 4]
    assert order == shuffled_order(5, 42)
    assert all(isinstance(i, int) for i in order)
    assert len({tuple(shuffled_order(5, seed)) for seed in range(50)}) > 10


def test_shuffled_order_edge_sizes() -> None:
    assert shuffled_order(0, 1) == []
    assert shuffled_order(1, 1) == [0]
