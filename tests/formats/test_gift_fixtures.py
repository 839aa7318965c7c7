"""The GIFT importer against a public GIFT parser's test suite: every fixture read, the same parse, plain skips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.formats import gift

FIXTURES = Path("/work/shared/fixtures/gift")
if not FIXTURES.exists():  # the fixtures travel with the shared folder; a copy beside the tests also works
    FIXTURES = Path(__file__).resolve().parent / "gift"
FILES = sorted(p.name for p in FIXTURES.glob("*.gift")) if FIXTURES.exists() else []
IMPORTABLE = {"MC", "TF", "Numerical", "Short"}
NOT_IMPORTABLE = {"Matching": "no counterpart", "Description": "not a question", "Essay": "no key points"}


def _ws(text):  # noqa: ANN001, ANN202
    return " ".join(text.split()) if isinstance(text, str) else text


def _text(node):  # noqa: ANN001, ANN202
    return _ws(node["text"]) if node else None


def _expected_numbers(choices) -> list[tuple]:  # noqa: ANN001
    if isinstance(choices, dict):
        choices = [{"text": choices, "weight": None}]
    out = []
    for c in choices:
        t = c["text"]
        if t.get("type") == "simple":
            out.append((t["number"], 0))
        elif t.get("type") == "range":
            out.append((t["number"], t["range"]))
        elif t.get("type") == "high-low":
            out.append(((t["numberLow"] + t["numberHigh"]) / 2, (t["numberHigh"] - t["numberLow"]) / 2))
    return out


@pytest.mark.skipif(not FILES, reason="the GIFT fixtures are not on this machine")
@pytest.mark.parametrize("name", FILES)
def test_gift_fixture(name):
    source = (FIXTURES / name).read_text(encoding="utf-8")
    expected = json.loads((FIXTURES / name.replace(".gift", ".json")).read_text(encoding="utf-8"))
    items, errors = gift.parse_items(source)
    assert errors == []
    assert [i.kind for i in items] == [q["type"] for q in expected]
    for item, q in zip(items, expected, strict=True):
        if q["type"] == "Category":
            assert item.title == q["title"]
            continue
        assert item.title == q.get("title")
        assert _ws(item.stem) == _ws(q["stem"]["text"]) and item.fmt == q["stem"]["format"]
        assert _ws(item.general_feedback) == _text(q.get("globalFeedback"))
        if q.get("tags"):
            assert item.tags == q["tags"]
        if q["type"] in ("MC", "Short"):
            assert [(c.correct, c.weight, _ws(c.text), _ws(c.feedback)) for c in item.choices] == \
                   [(c["isCorrect"], c["weight"], _text(c["text"]), _text(c["feedback"])) for c in q["choices"]]
        elif q["type"] == "TF":
            assert (item.is_true, _ws(item.true_feedback), _ws(item.false_feedback)) == \
                   (q["isTrue"], _text(q["trueFeedback"]), _text(q["falseFeedback"]))
        elif q["type"] == "Numerical":
            got = [(n["value"], n["tolerance"] or 0) for n in item.numbers if n["value"] is not None]
            # Ranges become midpoint ± half-width rounded to 12 figures (3.1415, not 3.1414999999999997).
            want = _expected_numbers(q["choices"])
            assert len(got) == len(want)
            assert all(g == pytest.approx(w, rel=1e-12) for g, w in zip(got, want, strict=True))

    # Mapped to our schema: what our types hold is imported, the rest is named plainly.
    topics, errors, skipped = gift.parse(source, default_topic="imported")
    assert errors == []
    imported = [q for t in topics for q in t.questions]
    kinds = [q["type"] for q in expected if q["type"] != "Category"]
    assert len(imported) + len(skipped) == len(kinds)
    assert len(imported) == sum(k in IMPORTABLE for k in kinds) - sum(
        "no answer earns full credit" in s["message"] or "two or more characters" in s["message"] for s in skipped)
    for s in skipped:
        assert s["line"] >= 1 and "is not imported:" in s["message"]
    for kind, reason in NOT_IMPORTABLE.items():
        assert sum(reason in s["message"] for s in skipped) == kinds.count(kind)
    slugs = [q.slug for q in imported]
    assert len(set(slugs)) == len(slugs)


def test_gift_type_mapping():
    source = "\n\n".join([
        "::one-right:: Pick the right one, please. {=right ~wrong ~also wrong}",
        "::weights:: Pick every continent here. {~%50%Asia ~%50%Africa ~%-100%Paris}",
        "::true-false:: The sky is green on a clear day. {F#No, true is wrong here.#Yes.}",
        "::two-plus-two:: What is two plus two, roughly? {#4:0.5}",
        "::short:: Name the largest continent, please. {=Asia =asia continent}",
        "::partial:: Choose the best answer below. {=best ~%50%half right#close ~wrong}",
    ])
    topics, errors, skipped = gift.parse(source, default_topic="misc")
    assert errors == [] and skipped == []
    q = {s.slug: s for s in topics[0].questions}
    assert q["one-right"].type == "single_choice" and [o.correct for o in q["one-right"].options] == [True, False, False]
    assert q["weights"].type == "multiple_choice" and [o.correct for o in q["weights"].options] == [True, True, False]
    assert q["true-false"].type == "single_choice" and [(o.text, o.correct) for o in q["true-false"].options] == [("True", False), ("False", True)]
    assert q["two-plus-two"].type == "numeric" and (q["two-plus-two"].answer.value, q["two-plus-two"].answer.atol) == (4.0, 0.5)
    assert q["short"].type == "free_text" and q["short"].rubric[0].phrasings == ["Asia", "asia continent"]
    assert q["partial"].type == "single_choice" and "Worth 50%" in q["partial"].options[1].why


def test_gift_errors_have_line_numbers():
    source = "Fine question here, right?{=yes ~no}\n\n\nBroken question here {=yes ~no\n\n::x:: unclosed title {T}"
    _topics, errors, _skipped = gift.parse(source)
    assert errors == [{"line": 4, "message": "the answers opened with { are not closed with }"}]


def test_gift_dollars_are_text_and_moodle_tex_is_math():
    topics, _errors, _skipped = gift.parse("::price:: It costs $5 and $10; what is $$x^2$$ at x=3? {#9}")
    assert topics[0].questions[0].prompt == "It costs &#36;5 and &#36;10; what is $x^2$ at x=3?"
