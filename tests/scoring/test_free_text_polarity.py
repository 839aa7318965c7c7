"""Free text: negations that serve the point, negated claims, and how loose the fuzzy match is."""

from __future__ import annotations

import pytest

from app.bank_schema import KeyPoint
from app.scoring import compile_rubric, rubric_key, score_free_text
from app.scoring.text_match import NEG


def value(answer: str, *phrasings: str, prompt: str = "") -> float:
    rubric = [KeyPoint(point="the point", phrasings=list(phrasings))]
    return score_free_text(answer, rubric=rubric, prompt=prompt).value


def message(answer: str, *phrasings: str) -> str:
    rubric = [KeyPoint(point="the point", phrasings=list(phrasings))]
    return score_free_text(answer, rubric=rubric).feedback.message


# A negation in the answer that says what a negative phrasing says is a paraphrase.


@pytest.mark.parametrize(
    ("answer", "phrasings"),
    [
        ("With dropout, units can't co-adapt.", ["prevents co-adaptation"]),
        ("so units can't co-adapt", ["prevents co-adaptation", "units cannot co-adapt"]),
        ("There is no co-adaptation between units.", ["prevents co-adaptation"]),
        ("Dropout avoids co-adaptation.", ["prevents co-adaptation"]),
        ("Dropout prevents units from co-adapting.", ["units cannot co-adapt"]),
        ("XOR is not linearly separable.", ["linearly inseparable"]),
        ("XOR isn't linearly separable.", ["XOR is linearly inseparable"]),
        ("XOR is linearly inseparable.", ["not linearly separable"]),
        ("No single line can separate XOR.", ["impossible to separate XOR with one line"]),
        ("The weights are not able to settle.", ["unable to settle"]),
        ("The weights cannot settle.", ["unable to settle"]),
        ("The weights are unable to settle.", ["cannot settle"]),
        ("Each unit is not dependent on the other units.", ["independent of other units"]),
        ("A tf.constant is not mutable.", ["immutable"]),
        ("It uses data that is not labelled.", ["unlabelled data"]),
        ("Plain CNNs are not rotation invariant.", ["lacks rotation invariance"]),
        ("ReLU does not saturate for positive inputs.", ["non-saturating"]),
        ("The early layers do not learn any more.", ["early layers stop learning"]),
    ],
)
def test_a_negation_serving_the_point_earns_credit(answer: str, phrasings: list[str]) -> None:
    assert value(answer, *phrasings) == 1.0


# A negation that reverses the claim still earns nothing, whatever the phrasing's polarity.


@pytest.mark.parametrize(
    "answer",
    [
        "Dropout does not prevent overfitting.",
        "Dropout doesn't avoid overfitting.",
        "It can't really prevent overfitting.",
        "Overfitting is not prevented by dropout.",
        "Nothing prevents overfitting here.",
        "Dropout does not reduce overfitting.",
        "Dropout never stops overfitting.",
    ],
)
def test_a_negated_claim_earns_nothing(answer: str) -> None:
    phrasings = ["prevents overfitting", "reduces overfitting", "stops overfitting"]
    assert value(answer, *phrasings) == 0.0
    assert "states the opposite of: the point" in message(answer, *phrasings)


@pytest.mark.parametrize(
    "answer",
    [
        "Dropout does not prevent co-adaptation.",
        "It can't stop units from co-adapting.",
        "Co-adaptation is not prevented.",
        "Nothing prevents co-adaptation.",
        "Dropout does not avoid co-adaptation at all.",
    ],
)
def test_negating_a_preventive_word_is_no_paraphrase(answer: str) -> None:
    assert value(answer, "prevents co-adaptation", "units cannot co-adapt") == 0.0


@pytest.mark.parametrize(
    "phrasing",
    [
        "not linearly separable",
        "XOR is not linearly separable",
        "linearly inseparable",
        "XOR is linearly inseparable",
        "non-linearly separable",
    ],
)
def test_the_opposite_of_a_negative_phrasing_earns_nothing(phrasing: str) -> None:
    assert value("XOR is linearly separable.", phrasing) == 0.0
    assert value("XOR is linearlyseparable.", phrasing) == 0.0
    assert value("XOR is not linearly inseparable.", phrasing) == 0.0


def test_joined_word_variants_keep_the_negation() -> None:
    # The variant with "linearly separable" joined must still need the negation.
    compiled = compile_rubric(
        rubric_key([KeyPoint(point="the point", phrasings=["not linearly separable"])])
    )
    for ph in compiled.points[0].phrasings:
        assert NEG in ph.ids
        assert {k for k, v in enumerate(ph.ids) if v == NEG} <= ph.required
    assert value("XOR is not linearlyseparable.", "not linearly separable") == 1.0
    assert value("XOR is linearlyseparable.", "not linearly separable") == 0.0


@pytest.mark.parametrize(
    ("answer", "phrasing"),
    [
        ("Unsupervised learning uses unlabelled data.", "labelled data"),
        ("Supervised learning uses labelled data.", "unlabelled data"),
        ("ReLU is unbounded above.", "bounded above"),
        ("The two features are independent.", "dependent features"),
        ("The prediction is incorrect.", "correct prediction"),
        ("Small and similar: freeze the backbone.", "unfreeze the backbone"),
    ],
)
def test_a_negative_prefix_is_not_a_typo(answer: str, phrasing: str) -> None:
    assert value(answer, phrasing) == 0.0


def test_a_prefixed_word_states_the_opposite_of_its_base() -> None:
    assert "states the opposite" in message("ReLU is unbounded above.", "bounded above")


def test_a_negated_phrasing_needs_its_content_words() -> None:
    # The negation slot is filled by any negation, so the content words are all needed.
    assert value("Attention is not used.", "attention without recurrence") == 0.0
    assert value("It uses attention and no recurrence.", "attention without recurrence") == 1.0


def test_a_preventive_word_at_the_end_is_not_a_negation() -> None:
    assert value("The early layers do not learn.", "early stopping") == 0.0
    assert value("We use early stopping.", "early stopping") == 1.0


def test_negations_elsewhere_in_a_negative_answer_do_not_cancel() -> None:
    answer = "Weight decay is not enough; with dropout units can't co-adapt."
    assert value(answer, "prevents co-adaptation") == 1.0


# Fuzzy matching: typos in longer words pass, other words one letter away do not.


@pytest.mark.parametrize(
    ("answer", "phrasing"),
    [
        ("it rolls down ravines", "train"),
        ("ravines in the loss surface", "training data"),
        ("the later stages", "layer"),
        ("a simple model", "sample"),
        ("the trailing edge", "training"),
        ("the weight matrix", "height"),
        ("a patch of the image", "batch"),
        ("a cleaner signal", "learning"),
        ("it comes with a cost", "width"),
        ("the encoder maps the input", "decoder"),
    ],
)
def test_other_words_close_in_spelling_do_not_match(answer: str, phrasing: str) -> None:
    assert value(answer, phrasing) == 0.0


@pytest.mark.parametrize(
    ("answer", "phrasing"),
    [
        ("a regularization technique", "regularisation technique"),
        ("it reduces overfiting", "reduces overfitting"),
        ("computed by backpropogation", "computed by backpropagation"),
        ("the classes are linearly seperable", "linearly separable"),
        ("each nueron fires", "neuron fires"),
        ("more traning data", "training data"),
        ("a nueral network", "neural network"),
        ("the normalisation layer", "normalization layer"),
        ("add a hiden layer", "hidden layer"),
    ],
)
def test_typos_in_longer_words_still_match(answer: str, phrasing: str) -> None:
    assert value(answer, phrasing) == 1.0
