"""Bank files with mistakes get errors that name the file and line."""

from __future__ import annotations

from app.bank import load_bank, parse_topic_yaml

GOOD = (
    "topic: tt\nname: Tt\nquestions:\n"
    "  - slug: one-q\n    difficulty: beginner\n    type: numeric\n    prompt: What is two plus two?\n"
    "    answer: {value: 4}\n    model_answer: '4'\n    explanation: Add them.\n"
)


def test_valid_file_parses():
    topic, errors = parse_topic_yaml(GOOD, "t.yaml")
    assert errors == [] and topic.questions[0].slug == "one-q"


def test_error_points_at_the_line():
    bad = GOOD.replace("difficulty: beginner", "difficulty: easy")
    _topic, errors = parse_topic_yaml(bad, "t.yaml")
    assert [(e.line, "difficulty" in e.message) for e in errors] == [(5, True)]


def test_unknown_key_and_missing_answer():
    bad = GOOD.replace("    answer: {value: 4}\n", "    anser: {value: 4}\n")
    _topic, errors = parse_topic_yaml(bad, "t.yaml")
    messages = " ".join(e.message for e in errors)
    assert "anser" in messages


def test_single_choice_needs_exactly_one_right_option():
    bad = (
        "topic: tt\nname: Tt\nquestions:\n  - slug: c-q\n    difficulty: beginner\n    type: single_choice\n"
        "    prompt: Pick the right one please.\n    options:\n      - {text: a, correct: true}\n      - {text: b, correct: true}\n"
        "    model_answer: a\n    explanation: b\n"
    )
    _topic, errors = parse_topic_yaml(bad, "t.yaml")
    assert any("exactly one right option" in e.message for e in errors)


def test_yaml_syntax_error_has_line():
    _topic, errors = parse_topic_yaml("topic: tt\nname: [unclosed\n", "t.yaml")
    assert errors[0].line >= 2


def test_duplicate_slugs_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD.replace("topic: tt", "topic: uu"))
    _topics, errors = load_bank(tmp_path)
    assert any("also used" in e.message for e in errors)
