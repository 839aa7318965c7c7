"""Timed mock interviews: set-up and drawing, saving against the server's deadline, finishing, reports."""

from app.interviews.finishing import (
    finish,
    finish_if_expired,
    start_sweeper,
    stop_sweeper,
    submit,
    sweep,
)
from app.interviews.reports import history, practise_again, report_csv, report_json, report_view
from app.interviews.running import (
    BadAnswer,
    InterviewClosed,
    InterviewNotFound,
    NoSuchPosition,
    answer_kind,
    format_clock,
    get_interview,
    note_position,
    question_page,
    questions_json,
    remaining_seconds,
    save_answer,
    set_flag,
    summary,
)
from app.interviews.setup import (
    LEVELS,
    MAX_COUNT,
    MAX_SECONDS,
    MIN_COUNT,
    MIN_SECONDS,
    PRESETS,
    Setup,
    SetupError,
    create_interview,
    presets_view,
    setup_from_preset,
    topic_choices,
    validate_setup,
)

__all__ = [
    "LEVELS", "MAX_COUNT", "MAX_SECONDS", "MIN_COUNT", "MIN_SECONDS", "PRESETS", "BadAnswer", "InterviewClosed",
    "InterviewNotFound", "NoSuchPosition", "answer_kind", "Setup", "SetupError", "create_interview", "finish", "finish_if_expired",
    "format_clock", "get_interview", "history", "note_position", "practise_again", "presets_view", "question_page",
    "questions_json", "remaining_seconds", "report_csv", "report_json", "report_view", "save_answer", "set_flag",
    "setup_from_preset", "start_sweeper", "stop_sweeper", "submit", "summary", "sweep", "topic_choices",
    "validate_setup",
]
