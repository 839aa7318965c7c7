"""Property tests: the scorers never fail in unexpected ways and stay in [0, 1]."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from app.bank_schema import KeyPoint, Option
from app.scoring import (
    AnswerFormatError,
    parse_numeric,
    score_choice,
    score_free_text,
    score_numeric,
)

# Hypothesis caches files under ./.hypothesis by default; keep the working tree clean.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "deepprep-hypothesis")
FAST = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# Text biased towards what the parser cares about: digits, signs, separators, brackets, units.
numberish = st.text(
    alphabet=st.sampled_from(list("0123456789.,;:-+−eE%/^*xX×()[]{} \n\t=≈~→abcdby_⁻²³'\"$\\")),
    max_size=60,
)
any_text = st.one_of(st.text(max_size=200), numberish)

RUBRIC = [
    KeyPoint(
        point="drops units at random",
        weight=2,
        phrasings=["randomly drops units", "deactivates neurons"],
    ),
    KeyPoint(point="reduces overfitting", phrasings=["prevents overfitting", "regularization"]),
    KeyPoint(point="off at inference", phrasings=["not applied during inference", "GPU"]),
]
WORDS = st.sampled_from(
    "dropout randomly drops units neurons not never no prevents overfitting regularization "
    "inference during applied GPU gpus the a is , . ; but which".split()
)
rubric_words = st.lists(WORDS, max_size=40).map(" ".join)


@FAST
@given(any_text)
def test_parser_raises_only_answer_format_error(text: str) -> None:
    try:
        values = parse_numeric(text)
    except AnswerFormatError as exc:
        assert str(exc)
    else:
        assert values.dtype == np.float64
        assert values.ndim <= 2
        assert np.all(np.isfinite(values))


@FAST
@given(
    any_text,
    st.sampled_from([0.5, 10, [10, 10], [[1, 2], [3, 4]], 0.0]),
    st.sampled_from([None, 1, 3]),
)
def test_numeric_score_in_unit_interval_and_deterministic(text: str, expected, sig_figs) -> None:
    try:
        first = score_numeric(text, expected=expected, sig_figs=sig_figs)
    except AnswerFormatError:
        return
    assert 0.0 <= first.value <= 1.0
    assert first.correct == (first.value >= 0.999)
    assert score_numeric(text, expected=expected, sig_figs=sig_figs) == first


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_a_number_written_by_repr_reads_back(x: float) -> None:
    assert score_numeric(repr(x), expected=x, rtol=1e-12, atol=0).correct


@FAST
@given(st.one_of(any_text, rubric_words), st.text(max_size=80))
def test_free_text_score_in_unit_interval_and_deterministic(answer: str, prompt: str) -> None:
    first = score_free_text(answer, rubric=RUBRIC, prompt=prompt)
    assert 0.0 <= first.value <= 1.0
    assert first.correct == (first.value >= 0.7)
    assert set(first.feedback.covered) | set(first.feedback.missed) == {kp.point for kp in RUBRIC}
    assert score_free_text(answer, rubric=RUBRIC, prompt=prompt) == first


OPTIONS = [
    Option(text="a", correct=True),
    Option(text="b"),
    Option(text="c", correct=True),
    Option(text="d"),
]


@FAST
@given(st.lists(st.integers(min_value=-3, max_value=6), max_size=6), st.booleans())
def test_choice_score_in_unit_interval(picks: list[int], multiple: bool) -> None:
    try:
        s = score_choice(picks, options=OPTIONS, multiple=multiple)
    except AnswerFormatError:
        return
    assert 0.0 <= s.value <= 1.0
    assert s == score_choice(picks, options=OPTIONS, multiple=multiple)
