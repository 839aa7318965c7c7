"""Contradictions: a key point whose opposite the answer states earns nothing (KeyPoint.contradicts)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.bank import load_bank
from app.bank_schema import KeyPoint
from app.scoring import compile_rubric, match_rubric, rubric_key, score_free_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bank():
    topics, errors = load_bank(ROOT / "questions")
    assert not errors
    return {q.slug: q for t in topics for q in t.questions}


def _score(bank, slug: str, answer: str):
    q = bank[slug]
    return score_free_text(answer, rubric=q.rubric, prompt=q.prompt)


BV_POINT = "overfitting = low bias / high variance; underfitting = high bias / low variance"
BV_REST = (
    "Bias is the error from overly simple assumptions: the model misses real patterns, a "
    "systematic error. Variance is how sensitive to the particular sample the model is, since it "
    "fits noise. {claim} The trade-off: balance model complexity to minimize total error. A "
    "larger dataset reduces variance."
)
SWAPPED_BV = "Overfitting is high bias low variance and underfitting is low bias high variance"
RIGHT_BV = "Overfitting is low bias high variance and underfitting is high bias low variance"


def test_swapped_bias_variance_sentence_scores_nothing(bank) -> None:
    s = _score(bank, "bias-variance-tradeoff", SWAPPED_BV)
    assert s.value == 0.0  # 0.3 before contradictions: the phrasings matched either way
    assert BV_POINT in s.feedback.missed
    assert f"states the opposite of: {BV_POINT}" in s.feedback.message


@pytest.mark.parametrize(
    "claim",
    [
        SWAPPED_BV + ".",
        "Overfitting means high bias, underfitting means high variance.",
        "An overfit model has high bias and low variance; an underfit one has low bias and high "
        "variance.",
    ],
)
def test_swapped_bias_variance_loses_the_point(bank, claim: str) -> None:
    s = _score(bank, "bias-variance-tradeoff", BV_REST.format(claim=claim))
    assert s.value <= 0.7  # 1.0 before; the point carries 3 of the 10 weight units
    assert BV_POINT in s.feedback.missed
    assert "states the opposite of" in s.feedback.message


@pytest.mark.parametrize(
    "claim",
    [
        RIGHT_BV + ".",
        "Overfitting = low bias/high variance, underfitting = high bias/low variance.",
        "Underfitting: high bias, low variance. Overfitting: low bias, high variance.",
        "Overfitting is not high bias but low bias high variance; underfitting is high bias low "
        "variance.",
        "A common mistake is to say overfitting is high bias; really it is low bias high variance, "
        "and underfitting high bias low variance.",
        "An overfitting model has low bias and high variance, whereas an underfitting model has "
        "high bias and low variance.",
    ],
)
def test_right_bias_variance_answers_keep_full_marks(bank, claim: str) -> None:
    s = _score(bank, "bias-variance-tradeoff", BV_REST.format(claim=claim))
    assert s.value == 1.0, s.feedback.message
    assert "opposite" not in s.feedback.message


DETECT = " Detect them with learning curves on a held-out validation set."
SWAPPED_OU = (
    "Underfitting means low training error but poor validation error: the model memorizes noise "
    "and fails to generalize. Overfitting means high error on both sets because the model is too "
    "simple." + DETECT + " To fix underfitting use data augmentation, dropout, early stopping and "
    "weight decay. To fix overfitting use a bigger model with more capacity, train longer, less "
    "regularization."
)
RIGHT_OU = (
    "Overfitting means low training error but poor validation error: the model memorizes noise "
    "and fails to generalize. Underfitting means high error on both sets because the model is too "
    "simple." + DETECT + " To fix overfitting use data augmentation, dropout, early stopping and "
    "weight decay. To fix underfitting use a bigger model with more capacity, train longer, less "
    "regularization."
)


def test_swapped_overfitting_underfitting_scores_low(bank) -> None:
    s = _score(bank, "overfitting-vs-underfitting", SWAPPED_OU)
    assert s.value < 0.3  # 1.0 before contradictions
    assert not s.correct
    assert s.feedback.covered == ["detect with a validation set and learning curves"]
    assert "states the opposite of" in s.feedback.message


@pytest.mark.parametrize(
    "answer",
    [
        RIGHT_OU,
        "An overfit model fits the noise in the training data, so it fails to generalize (high "
        "variance), unlike an underfit model, which is too simple and has high training error "
        "(high bias)." + DETECT + " Against overfitting: dropout, early stopping, weight decay, "
        "data augmentation. Against underfitting: a bigger model, more capacity, train longer and "
        "use less regularization.",
        "Overfitting: low training error but poor validation error, it memorizes noise. "
        "Underfitting: high error on both, model too simple." + DETECT + " If you overfit, collect "
        "more examples, add dropout or use early stopping; if you underfit, use a bigger model and "
        "train longer. Too much dropout or weight decay can cause underfitting, and a bigger model "
        "makes overfitting more likely.",
    ],
)
def test_right_overfitting_answers_keep_full_marks(bank, answer: str) -> None:
    s = _score(bank, "overfitting-vs-underfitting", answer)
    assert s.value == 1.0, s.feedback.message


def test_model_answers_state_no_contradiction(bank) -> None:
    for q in bank.values():
        if q.type == "free_text" and any(kp.contradicts for kp in q.rubric):
            s = score_free_text(q.model_answer, rubric=q.rubric, prompt=q.prompt)
            assert "opposite" not in s.feedback.message, q.slug


# --- the clause-ordered matcher ----------------------------------------------------------------

POINT = KeyPoint(
    point="overfitting is high variance",
    phrasings=["overfitting high variance"],
    contradicts=["overfitting ... high bias", "underfitting ... high variance"],
)
OTHER = KeyPoint(
    point="underfitting is high bias",
    phrasings=["underfitting high bias"],
    contradicts=["overfitting ... high bias", "underfitting ... high variance"],
)


def _contradicted(answer: str, contradicts: list[str], *extra: KeyPoint) -> bool:
    kp = KeyPoint(point="the point", phrasings=["zzzz qqqq"], contradicts=contradicts)
    compiled = compile_rubric(rubric_key([kp, *extra]))
    return match_rubric(answer, compiled)[0].contradicted


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("overfitting is high bias", True),
        ("Overfitting means the model has a very high bias.", True),
        ("overfiting shows high bias", True),  # a typo still matches
        ("high bias is overfitting", False),  # order matters
        ("overfitting is low bias and high variance", False),
        ("overfitting: low bias; high bias is underfitting", False),  # ';' ends the part
        ("overfitting is high variance while underfitting is high bias", False),  # 'while'
        ("overfitting is high variance but high bias is the other one", False),  # 'but'
        ("overfitting is high model bias", False),  # a part's words follow each other
        ("overfitting is not high bias", False),  # negated
        ("it is a myth that overfitting is high bias", False),  # disowned
        ("overfitting is high variance, e.g. high bias is something else", True),  # no sentence end
    ],
)
def test_ordered_matcher(answer: str, expected: bool) -> None:
    assert _contradicted(answer, ["overfitting ... high bias"]) is expected


def test_gap_stops_at_another_subject() -> None:
    answer = "overfitting = low bias, high variance, underfitting = high bias, low variance"
    # Alone, "overfitting ... high bias" reaches across the comma-separated list ...
    assert _contradicted(answer, ["overfitting ... high bias"])
    # ... but not past "underfitting" once that word heads a contradiction of the rubric.
    assert not _contradicted(
        answer, ["overfitting ... high bias", "underfitting ... high variance"]
    )


def test_single_part_and_negation_slot() -> None:
    assert _contradicted("The decoder compresses the input.", ["decoder compresses"])
    assert not _contradicted("The encoder compresses the input.", ["decoder compresses"])
    assert _contradicted("biases cannot be zero", ["biases cannot be zero"])
    assert not _contradicted("biases can be zero", ["biases cannot be zero"])


def test_contradiction_overrides_a_matched_phrasing() -> None:
    s = score_free_text(
        "overfitting is high variance, underfitting is high variance", rubric=[POINT]
    )
    assert s.value == 0.0
    assert s.feedback.missed == [POINT.point]
    assert "states the opposite of: overfitting is high variance" in s.feedback.message
    right = "overfitting is high variance, underfitting is high bias"
    assert score_free_text(right, rubric=[POINT, OTHER]).value == 1.0


def test_rubric_without_contradictions_unchanged() -> None:
    plain = KeyPoint(point="overfitting is high variance", phrasings=["overfitting high variance"])
    assert (
        score_free_text("overfitting is high variance and high bias", rubric=[plain]).value == 1.0
    )


def test_contradictions_stay_fast(bank) -> None:
    q = bank["overfitting-vs-underfitting"]
    long_answer = (SWAPPED_OU + " " + RIGHT_OU + " ") * 12  # about 10,000 characters
    score_free_text(long_answer, rubric=q.rubric, prompt=q.prompt)
    start = time.perf_counter()
    for _ in range(5):
        score_free_text(long_answer[:10_000], rubric=q.rubric, prompt=q.prompt)
    assert (time.perf_counter() - start) / 5 < 0.25


def test_an_answer_stating_a_point_the_wrong_way_round_is_never_correct():
    from app.scoring import score_free_text

    rubric = [
        {"point": "Overfitting is high variance", "weight": 3, "phrasings": ["overfitting high variance"],
         "contradicts": ["overfitting ... high bias"]},
        {"point": "Use more data", "weight": 7, "phrasings": ["more training data"]},
    ]
    score = score_free_text("Overfitting means high bias. Collect more training data.", rubric=rubric)
    assert score.value == 0.7 and score.correct is False
    assert "opposite" in score.feedback.message
