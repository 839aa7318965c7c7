"""Our own bank through GIFT and Moodle XML and back keeps what each format can hold; Moodle XML read safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bank import load_bank
from app.formats import export, parse
from app.transfer import _clean_spec

BANK = Path(__file__).resolve().parents[2] / "questions"
HELD = ("prompt", "type", "difficulty", "explanation", "model_answer", "tags")


@pytest.fixture(scope="module")
def bank() -> list[dict]:
    topics, errors = load_bank(BANK)
    assert not errors
    return [{"topic": t.topic, "name": t.name, "description": t.description, "position": t.position,
             "questions": [_clean_spec(q.model_dump(mode="json")) for q in t.questions]} for t in topics]


def _exportable(spec: dict) -> bool:
    return spec["type"] != "computed" and not (spec["type"] == "numeric" and isinstance(spec["answer"]["value"], list))


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
def test_round_trip_of_our_bank(bank, fmt):
    text = export(bank, fmt=fmt)
    topics, errors, skipped = parse(text, fmt=fmt)
    assert errors == [] and skipped == []
    original = {q["slug"]: (t["topic"], q) for t in bank for q in t["questions"]}
    back = {q.slug: (t.topic, q.model_dump(mode="json")) for t in topics for q in t.questions}
    assert set(back) == {s for s, (_t, q) in original.items() if _exportable(q)}
    for slug in [s for s, (_t, q) in original.items() if not _exportable(q)]:
        assert f"not exported: {slug}" in text, "what the format cannot hold is named"
    for slug, (topic, got) in back.items():
        want_topic, want = original[slug]
        assert topic == want_topic
        for key in HELD:
            assert got[key] == want.get(key, [] if key == "tags" else None), (slug, key)
        if want["type"] in ("single_choice", "multiple_choice"):
            assert [(o["text"], o["correct"], o["why"]) for o in got["options"]] == \
                   [(o["text"], o.get("correct", False), o.get("why", "")) for o in want["options"]]
        elif want["type"] == "free_text":
            assert [(k["point"], k["weight"], k["phrasings"]) for k in got["rubric"]] == \
                   [(k["point"], k.get("weight", 1.0), k["phrasings"]) for k in want["rubric"]]
        else:
            a, b = got["answer"], want["answer"]
            tol = max(b.get("atol", 1e-8), b.get("rtol", 1e-2) * abs(b["value"]))
            assert a["value"] == b["value"] and a["atol"] == pytest.approx(max(tol, 1e-9)) and a["rtol"] == 0


MOODLE = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Neural nets</text></category></question>
  <question type="multichoice">
    <name><text>Activation</text></name>
    <questiontext format="html"><text><![CDATA[<p>Which activation is <b>zero</b> for negative inputs?</p>]]></text></questiontext>
    <generalfeedback format="html"><text>ReLU clips negatives.</text></generalfeedback>
    <single>true</single>
    <answer fraction="100" format="html"><text>ReLU</text><feedback format="html"><text>Yes.</text></feedback></answer>
    <answer fraction="0" format="html"><text>Sigmoid</text><feedback format="html"><text>Never zero.</text></feedback></answer>
  </question>
  <question type="truefalse">
    <name><text>Dropout at test time</text></name>
    <questiontext format="moodle_auto_format"><text>Dropout is applied at test time.</text></questiontext>
    <answer fraction="0"><text>true</text></answer>
    <answer fraction="100"><text>false</text><feedback><text>It is turned off.</text></feedback></answer>
  </question>
  <question type="numerical">
    <name><text>Output size</text></name>
    <questiontext format="html"><text>Output width of a 5x5 input, 3x3 kernel, stride 1, no padding?</text></questiontext>
    <answer fraction="100"><text>3</text><tolerance>0</tolerance></answer>
  </question>
  <question type="matching">
    <name><text>Pairs</text></name>
    <questiontext format="html"><text>Match them up please.</text></questiontext>
  </question>
  <question type="essay">
    <name><text>Essay</text></name>
    <questiontext format="html"><text>Write about backprop at length.</text></questiontext>
  </question>
</quiz>
"""


def test_moodle_xml_import_of_a_moodle_export():
    topics, errors, skipped = parse(MOODLE, fmt="moodle-xml", default_topic="x")
    assert errors == []
    assert [t.topic for t in topics] == ["neural-nets"] and topics[0].name == "Neural nets"
    q = {s.slug: s for s in topics[0].questions}
    assert q["activation"].prompt == "Which activation is zero for negative inputs?"
    assert [(o.text, o.correct, o.why) for o in q["activation"].options] == [("ReLU", True, "Yes."), ("Sigmoid", False, "Never zero.")]
    assert [(o.text, o.correct) for o in q["dropout-at-test-time"].options] == [("True", False), ("False", True)]
    assert q["output-size"].answer.value == 3.0
    assert [s["line"] for s in skipped] == [23, 27]
    assert "matching" in skipped[0]["message"] and "key points" in skipped[1]["message"]


@pytest.mark.parametrize(("content", "line", "message"), [
    ('<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaa">]>\n<quiz/>', 2, "DOCTYPE"),
    ("<quiz>\n<question type='essay'>\n</quiz>", 3, "not well-formed"),
    ("<notquiz/>", 1, "<quiz>"),
    ("<quiz><question type='numerical'><questiontext><text>What is the number?</text></questiontext>"
     "<answer fraction='100'><text>abc</text></answer></question></quiz>", 1, "not a number"),
])
def test_moodle_xml_refusals_have_lines(content, line, message):
    topics, errors, _skipped = parse(content, fmt="moodle-xml")
    assert topics == [] and errors[0]["line"] == line and message in errors[0]["message"]


def test_key_points_block_keeps_contradictions():
    from app.formats.common import feedback_block, split_feedback

    rubric = [{"point": "High variance", "weight": 2.0, "phrasings": ["high variance", "overfits noise"],
               "contradicts": ["overfitting ... high bias"]},
              {"point": "More data", "weight": 1.0, "phrasings": ["more data"]}]
    _text, model, back = split_feedback(feedback_block({"explanation": "Why.", "model_answer": "Answer.", "rubric": rubric}))
    assert model == "Answer." and back == rubric
