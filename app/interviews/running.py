"""A running interview: finding it, showing a question, saving answers and flags against the deadline."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from app.db import Statements
from app.models import Interview, InterviewItem, QuestionVersion, utcnow
from app.questions_view import load_version, question_card, question_json, spec_for, version_spec
from app.scoring.numeric_parse import parse_numbers
from app.scoring.types import AnswerFormatError

CHOICE_TYPES = ("single_choice", "multiple_choice")
MAX_CHOICES = 50


class InterviewNotFound(LookupError):
    """No interview with that id among the viewer's own (someone else's looks the same)."""


class InterviewClosed(Exception):
    """A save after the deadline plus the grace period, or to a finished interview."""

    def __init__(self, message: str, *, finished: bool) -> None:
        super().__init__(message)
        self.message = message
        self.finished = finished


class BadAnswer(ValueError):
    """An answer of the wrong kind for its question (the reason is shown)."""


class NoSuchPosition(LookupError):
    """A position outside 1..number of questions."""


def get_interview(session: Session, *, public_id: str, user_id: int | None, lock: bool = False) -> Interview:
    """The viewer's interview by its public id; with lock, the row is held until the transaction ends."""
    if user_id is None or not public_id or len(public_id) > 40:
        raise InterviewNotFound(public_id)
    stmt = select(Interview).where(Interview.public_id == public_id, Interview.user_id == user_id)
    if lock:
        # A save and the finish both lock the interview row, so a save either lands before the
        # finish reads the answers or sees the interview finished; never in between.
        stmt = stmt.with_for_update()
    interview = session.scalar(stmt)
    if interview is None:
        raise InterviewNotFound(public_id)
    return interview


def remaining_seconds(interview: Interview, now: datetime | None = None) -> float:
    """Seconds left before the deadline (0 once it has passed)."""
    if interview.status != "in_progress":
        return 0.0
    return max(0.0, round((interview.deadline - (now or utcnow())).total_seconds(), 3))


def is_expired(interview: Interview, *, grace_seconds: int, now: datetime | None = None) -> bool:
    """Whether an unfinished interview is past its deadline plus the grace period."""
    return interview.status == "in_progress" and (now or utcnow()) > interview.deadline + timedelta(seconds=grace_seconds)


def format_clock(seconds: float) -> str:
    """Remaining time as m:ss, or h:mm:ss from an hour up."""
    total = max(0, math.ceil(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def is_answered(answer: Any) -> bool:
    """Whether a saved answer counts as given (blank text and no option picked do not)."""
    if answer is None:
        return False
    if isinstance(answer, list):
        return bool(answer)
    return bool(str(answer).strip())


def _shape(session: Session, version_id: int) -> tuple[str, int]:
    """A version's question type and number of options."""
    spec = version_spec(session, version_id)
    return spec.type, len(spec.options or [])


def normalise_answer(kind: str, n_options: int, answer: Any, *, max_chars: int) -> Any:
    """The answer as stored: option ids for choice questions, text otherwise; raises BadAnswer."""
    if answer is None:
        return None
    if kind in CHOICE_TYPES:
        items = answer if isinstance(answer, list) else [answer]
        if len(items) > MAX_CHOICES:
            raise BadAnswer("too many options")
        ids: list[int] = []
        for item in items:
            if isinstance(item, bool) or not (isinstance(item, int) or (isinstance(item, str) and item.strip().isdigit())):
                raise BadAnswer("a choice answer is a list of option ids, e.g. [0, 2]")
            idx = int(item)
            if not 0 <= idx < n_options:
                raise BadAnswer(f"there is no option {idx}; options are numbered 0 to {n_options - 1}")
            if idx not in ids:
                ids.append(idx)
        if kind == "single_choice" and len(ids) > 1:
            raise BadAnswer("this question takes one option")
        return sorted(ids) or None
    if isinstance(answer, bool) or isinstance(answer, (list, dict)):
        raise BadAnswer("the answer to this question is text")
    if isinstance(answer, float) and not math.isfinite(answer):
        raise BadAnswer("the answer must be a finite number or text")
    text = answer if isinstance(answer, str) else repr(answer) if isinstance(answer, float) else str(answer)
    if len(text) > max_chars:
        raise BadAnswer(f"the answer is longer than {max_chars:,} characters")
    if "\x00" in text:
        raise BadAnswer("the answer contains a NUL character")
    return text if text.strip() else None


def _check_open(status: str, deadline: datetime, *, grace_seconds: int, now: datetime) -> None:
    if status != "in_progress":
        raise InterviewClosed("This interview is finished; answers can no longer be changed.", finished=True)
    if now > deadline + timedelta(seconds=grace_seconds):
        raise InterviewClosed("Time is up: the deadline has passed, so this answer was not saved.", finished=False)


def _item(session: Session, interview: Interview, position: int) -> InterviewItem:
    item = session.scalar(select(InterviewItem).where(InterviewItem.interview_id == interview.id,
                                                      InterviewItem.position == position))
    if item is None:
        raise NoSuchPosition(_no_position(position, interview.settings))
    return item


def _no_position(position: int, settings: dict[str, Any]) -> str:
    return f"there is no question {position}; this interview has questions 1 to {settings.get('count', '?')}"


def _added_time(started_at: datetime, spent_ms: int | None, elapsed_ms: int | None, now: datetime) -> int | None:
    """Time spent on a question with what the client reports added, clamped to what could have passed."""
    if not elapsed_ms or elapsed_ms <= 0:
        return spent_ms
    since_start = int((now - started_at).total_seconds() * 1000)
    return max(0, min((spent_ms or 0) + int(elapsed_ms), since_start))


# What an autosave needs, in one read: the interview (locked on PostgreSQL, so a save and the finish
# never interleave), the item at the position (None when there is none) and its version's content hash.
_SAVE_TARGET = (
    select(Interview.id, Interview.status, Interview.deadline, Interview.started_at, Interview.settings,
           InterviewItem.id, InterviewItem.time_spent_ms, InterviewItem.version_id, QuestionVersion.content_hash)
    .select_from(Interview)
    .outerjoin(InterviewItem, (InterviewItem.interview_id == Interview.id)
               & (InterviewItem.position == bindparam("position")))
    .outerjoin(QuestionVersion, QuestionVersion.id == InterviewItem.version_id)
    .where(Interview.public_id == bindparam("public_id"), Interview.user_id == bindparam("user_id"))
    .with_for_update(of=Interview.__table__)
)
_SAVE_FIELDS = ("answer", "saved_at", "time_spent_ms")
_SAVE_ITEM = {  # by whether the flag is set too
    with_flag: update(InterviewItem.__table__).where(InterviewItem.__table__.c.id == bindparam("item_id"))
    .values({k: bindparam(k) for k in _SAVE_FIELDS + (("flagged",) if with_flag else ())})
    for with_flag in (False, True)
}
_SAVE_POSITION = (update(Interview.__table__).where(Interview.__table__.c.id == bindparam("interview_id"))
                  .values(current_position=bindparam("position")))


def format_warning(kind: str, answer: Any) -> str | None:
    """Why a typed numeric answer cannot be read as numbers (it is saved anyway), or None."""
    if kind not in ("numeric", "computed") or not isinstance(answer, str) or not answer.strip():
        return None
    try:
        parse_numbers(answer)
    except AnswerFormatError as exc:
        return str(exc)
    return None


def save_answer(stmts: Statements, *, public_id: str, user_id: int | None, position: int, answer: Any,
                elapsed_ms: int | None, grace_seconds: int, max_chars: int, flagged: bool | None = None,
                now: datetime | None = None) -> tuple[datetime, str | None]:
    """Store an answer as typed (not scored) while the interview is open.

    Returns when it was saved and, for a numeric answer that cannot be read, why: the candidate is
    told while there is time to fix it (what the answer is worth is not said before the report).
    """
    # Prebuilt statements on the driver (see Statements): the autosave is the interview's most frequent request.
    now = now or utcnow()
    if user_id is None or not public_id or len(public_id) > 40:
        raise InterviewNotFound(public_id)
    row = stmts.first(_SAVE_TARGET, {"public_id": public_id, "user_id": user_id, "position": position})
    if row is None:
        raise InterviewNotFound(public_id)
    interview_id, status, deadline, started_at, settings, item_id, spent_ms, version_id, digest = row
    _check_open(status, deadline, grace_seconds=grace_seconds, now=now)
    if item_id is None:
        raise NoSuchPosition(_no_position(position, settings))
    spec = spec_for(stmts, version_id, digest)
    values: dict[str, Any] = {
        "answer": normalise_answer(spec.type, len(spec.options or []), answer, max_chars=max_chars),
        "saved_at": now, "time_spent_ms": _added_time(started_at, spent_ms, elapsed_ms, now),
    }
    if flagged is not None:
        values["flagged"] = flagged
    stmts.run(_SAVE_ITEM[flagged is not None], {"item_id": item_id, **values})
    stmts.run(_SAVE_POSITION, {"interview_id": interview_id, "position": position})
    return now, format_warning(spec.type, values["answer"])


def set_flag(session: Session, *, public_id: str, user_id: int | None, position: int, flagged: bool,
             grace_seconds: int, now: datetime | None = None) -> None:
    """Mark or unmark a question for review while the interview is open."""
    now = now or utcnow()
    interview = get_interview(session, public_id=public_id, user_id=user_id, lock=True)
    _check_open(interview.status, interview.deadline, grace_seconds=grace_seconds, now=now)
    _item(session, interview, position).flagged = flagged


def note_position(session: Session, *, interview_id: int, position: int) -> None:
    """Remember which question is open, so coming back resumes there (only while in progress)."""
    session.execute(update(Interview).where(Interview.id == interview_id, Interview.status == "in_progress",
                                            Interview.current_position != position)
                    .values(current_position=position))


def overview(interview: Interview) -> list[dict[str, Any]]:
    """Each position with whether it is answered and flagged."""
    return [{"position": it.position, "answered": is_answered(it.answer), "flagged": bool(it.flagged)}
            for it in interview.items]


def summary(interview: Interview, now: datetime | None = None) -> dict[str, Any]:
    """The interview's state as plain data: settings, clock, and per-position status."""
    now = now or utcnow()
    marks = overview(interview)
    return {
        "id": interview.public_id, "status": interview.status, "title": interview.settings.get("title") or "Mock interview",
        "settings": interview.settings, "started_at": interview.started_at, "deadline": interview.deadline,
        "finished_at": interview.finished_at, "remaining_seconds": remaining_seconds(interview, now),
        "clock": format_clock(remaining_seconds(interview, now)), "server_now": now,
        "count": len(marks), "current_position": interview.current_position, "marks": marks,
        "answered": sum(m["answered"] for m in marks), "flagged": sum(m["flagged"] for m in marks),
        "empty": [m["position"] for m in marks if not m["answered"]],
        "flagged_positions": [m["position"] for m in marks if m["flagged"]],
    }


def questions_json(session: Session, interview: Interview) -> list[dict[str, Any]]:
    """The questions as the API shows them: position, id, type, prompt and choices where they have them."""
    out = []
    for item in interview.items:
        data = question_json(load_version(session, item.version_id), item.seed)
        entry = {"position": item.position, "id": data["id"], "type": data["type"], "topic": data["topic"],
                 "difficulty": data["difficulty"], "prompt": data["prompt"], "prompt_html": data["prompt_html"]}
        for key in ("choices", "answer_format"):
            if key in data:
                entry[key] = data[key]
        out.append(entry)
    return out


def question_page(session: Session, interview: Interview, position: int) -> dict[str, Any]:
    """One question of a running interview as plain data, with the answer saved so far."""
    item = next((it for it in interview.items if it.position == position), None)
    if item is None:
        raise NoSuchPosition(f"there is no question {position}; this interview has questions 1 to {len(interview.items)}")
    _shown, card = question_card(load_version(session, item.version_id), item.seed)
    answer = item.answer
    return {
        "q": card, "position": position, "answer": "" if answer is None or isinstance(answer, list) else str(answer),
        "chosen": answer if isinstance(answer, list) else [], "flagged": bool(item.flagged),
        "saved_at": item.saved_at,
    }


def answer_kind(session: Session, *, public_id: str, user_id: int | None, position: int) -> tuple[str, int]:
    """The question type at a position and how many questions the interview has (to read a form)."""
    interview = get_interview(session, public_id=public_id, user_id=user_id)
    item = _item(session, interview, position)
    count = session.scalar(select(func.count()).select_from(InterviewItem)
                           .where(InterviewItem.interview_id == interview.id)) or 0
    return _shape(session, item.version_id)[0], count
