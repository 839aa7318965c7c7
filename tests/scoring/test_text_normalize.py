"""The free-text normaliser: folding, the light stemmer, clauses and negations."""

from __future__ import annotations

import pytest

from app.scoring.text_normalize import fold, negation_positions, stem, tokenize


@pytest.mark.parametrize(
    "group",
    [
        ["prevent", "prevents", "prevented", "preventing", "prevention"],
        ["overfit", "overfits", "overfitting"],
        ["normalization", "normalisation", "normalize", "normalised"],
        ["separable", "separate", "separated"],
        ["activation", "activations", "activate", "activated"],
        ["class", "classes"],
        ["bias", "biases"],
        ["loss", "losses"],
        ["gate", "gates"],
        ["image", "images", "imaging"],
        ["labelled", "labeled", "labels"],
        ["probability", "probabilities"],
        ["gpu", "gpus"],
    ],
)
def test_inflections_share_a_stem(group: list[str]) -> None:
    assert len({stem(w) for w in group}) == 1, {w: stem(w) for w in group}


@pytest.mark.parametrize("word", ["mse", "gpu", "a", "is", "0.01", "relu6"])
def test_short_words_and_non_words_are_left_alone(word: str) -> None:
    assert stem(word) == word


def test_fold_expands_contractions_and_joins_hyphens() -> None:
    assert fold("Doesn\u2019t") == "does not"
    assert fold("It cannot") == "it can not"
    assert fold("non-linear Back-Propagation") == "nonlinear backpropagation"
    assert fold("the network's weights") == "the network weights"
    assert fold("na\u00efve r\u00e9seau") == "naive reseau"


def test_tokenize_splits_clauses_at_punctuation_and_clause_words() -> None:
    toks = tokenize("It works, but it is slow; fine")
    assert toks.words == ("it", "works", "but", "it", "is", "slow", "fine")
    assert toks.clauses[0] == toks.clauses[1]
    assert toks.clauses[1] < toks.clauses[2] < toks.clauses[6]


def test_decimal_numbers_stay_one_token() -> None:
    assert tokenize("a rate of 0.01").words == ("a", "rate", "of", "0.01")


def test_negation_positions_skip_not_only() -> None:
    words = tokenize("not only fast but never slow and no bias without labels").words
    assert [words[i] for i in negation_positions(words)] == ["never", "no", "without"]


@pytest.mark.parametrize(
    ("word", "base"),
    [
        ("inseparable", "separable"),
        ("nonlinear", "linear"),
        ("unlabelled", "labelled"),
        ("unbounded", "bounded"),
        ("independent", "dependent"),
        ("impossible", "possible"),
        ("irrelevant", "relevant"),
        ("input", None),
        ("inference", None),
        ("information", None),
        ("units", None),
        ("universal", None),
        ("understand", None),
        ("increase", None),
        ("important", None),
        ("imagine", None),
    ],
)
def test_negative_prefix_base(word: str, base: str | None) -> None:
    from app.scoring.text_normalize import negative_prefix_base

    assert negative_prefix_base(word) == base
