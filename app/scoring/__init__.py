"""Scoring of answers: numeric, choice and free-text rubric -> Score(value, correct, feedback)."""

from app.scoring.choice import score_choice, shuffled_order
from app.scoring.free_text import score_free_text
from app.scoring.numeric import expected_array, score_numeric, values_match
from app.scoring.numeric_parse import ParsedNumbers, parse_numbers, parse_numeric
from app.scoring.text_match import compile_rubric, match_rubric, rubric_key
from app.scoring.types import MAX_ANSWER_CHARS, AnswerFormatError, Feedback, Score

__all__ = [
    "MAX_ANSWER_CHARS",
    "AnswerFormatError",
    "Feedback",
    "ParsedNumbers",
    "Score",
    "compile_rubric",
    "expected_array",
    "match_rubric",
    "parse_numbers",
    "parse_numeric",
    "rubric_key",
    "score_choice",
    "score_free_text",
    "score_numeric",
    "shuffled_order",
    "values_match",
]
