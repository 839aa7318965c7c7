"""Reports of finished interviews: per question and topic, compared with earlier ones; history and exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.answers import present
from app.interviews.running import format_clock
from app.models import Interview, QuestionVersion, utcnow
from app.questions_view import spec_of
from app.rendering import render_markdown
from app.scheduling import review
from app.spreadsheet import csv_text

# A question scoring below this counts as missed: it goes back into the review queue on request.
MISSED_BELOW = 0.7


def _detail(session: Session, q: dict[str, Any]) -> dict[str, Any]:
    """What a report shows for one question besides its score: prompt, model and worked answers."""
    version = session.get(QuestionVersion, q["version_id"])
    spec = spec_of(version)
    shown = present(spec, version.html, q["seed"])
    instance = shown.instance
    prompt_text = spec.prompt.rstrip() + ("\n\n" + instance.prompt if instance is not None else "")
    chosen = q["answer"] if isinstance(q["answer"], list) else []
    options = [{"id": i, "html": version.html["options"][i]["text"], "text": o.text, "why": version.html["options"][i]["why"],
                "correct": o.correct, "chosen": i in chosen} for i, o in enumerate(spec.options or [])]
    if options:
        given_text = "; ".join(o["text"] for o in options if o["chosen"])
    else:
        given_text = q["answer"] if isinstance(q["answer"], str) else ""
    return {
        "prompt_html": shown.prompt_html, "prompt": prompt_text, "options": options, "given_text": given_text,
        "expected_html": render_markdown(instance.model_answer) if instance is not None else version.html["model_answer"],
        "expected_text": instance.model_answer if instance is not None else spec.model_answer,
        "worked": instance.steps if instance is not None else None,
        "explanation_html": version.html["explanation"],
        "right_options": [o["text"] for o in options if o["correct"]],
    }


def earlier_scores(session: Session, interview: Interview) -> list[dict[str, Any]]:
    """The candidate's interviews finished before this one, oldest first, with their scores."""
    rows = session.execute(
        select(Interview.public_id, Interview.finished_at, Interview.report, Interview.settings)
        .where(Interview.user_id == interview.user_id, Interview.status == "finished",
               Interview.id != interview.id, Interview.finished_at <= interview.finished_at)
        .order_by(Interview.finished_at, Interview.id)
    ).all()
    return [{"id": pid, "finished_at": at, "score": (rep or {}).get("total", {}).get("score", 0.0),
             "topics": {t["slug"]: t["score"] for t in (rep or {}).get("topics", [])},
             "title": (settings or {}).get("title", "")} for pid, at, rep, settings in rows]


def report_view(session: Session, interview: Interview) -> dict[str, Any]:
    """Everything the report shows: totals, topics and questions with details, and the comparison."""
    report = interview.report or {}
    earlier = earlier_scores(session, interview)
    total = dict(report.get("total", {}))
    mean_before = sum(e["score"] for e in earlier) / len(earlier) if earlier else None
    topics = []
    for t in report.get("topics", []):
        before = [e["topics"][t["slug"]] for e in earlier if t["slug"] in e["topics"]]
        topics.append({**t, "earlier": sum(before) / len(before) if before else None, "earlier_count": len(before)})
    questions = [{**q, **_detail(session, q), "time": format_clock(q["time_spent_ms"] / 1000)}
                 for q in report.get("questions", [])]
    duration = ((interview.finished_at or utcnow()) - interview.started_at).total_seconds()
    return {
        "id": interview.public_id, "title": interview.settings.get("title") or "Mock interview",
        "settings": interview.settings, "status": interview.status, "started_at": interview.started_at,
        "deadline": interview.deadline, "finished_at": interview.finished_at,
        "finished_by": report.get("finished_by", "deadline"), "duration_seconds": round(duration, 1),
        "duration": format_clock(duration), "total": total, "topics": topics, "questions": questions,
        "comparison": {
            "count": len(earlier), "mean": mean_before, "last": earlier[-1]["score"] if earlier else None,
            "best": max(e["score"] for e in earlier) if earlier else None,
            "delta": total.get("score", 0.0) - mean_before if mean_before is not None else None,
        },
        "missed": [q["position"] for q in questions if q["score"] < MISSED_BELOW],
        "requeued_at": report.get("requeued_at"),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def report_json(view: dict[str, Any]) -> dict[str, Any]:
    """The report as JSON-ready data (text, no HTML): what the API returns and the JSON export holds."""
    return {
        "id": view["id"], "title": view["title"], "status": view["status"], "settings": view["settings"],
        "started_at": _iso(view["started_at"]), "deadline": _iso(view["deadline"]),
        "finished_at": _iso(view["finished_at"]), "finished_by": view["finished_by"],
        "duration_seconds": view["duration_seconds"], "total": view["total"],
        "topics": [{k: t[k] for k in ("slug", "name", "count", "score", "earlier")} for t in view["topics"]],
        "comparison": view["comparison"],
        "questions": [{
            "position": q["position"], "question_id": q["question_id"], "slug": q["slug"], "topic": q["topic"],
            "difficulty": q["difficulty"], "type": q["type"], "version": q["version"], "seed": q["seed"],
            "prompt": q["prompt"], "answer": q["answer"], "answer_text": q["given_text"], "score": q["score"],
            "correct": q["correct"], "time_spent_ms": q["time_spent_ms"], "flagged": q["flagged"],
            "feedback": q["feedback"], "key_points_missed": q["feedback"].get("missed", []),
            "model_answer": q["expected_text"], "right_options": q["right_options"] or None, "worked": q["worked"],
        } for q in view["questions"]],
    }


def report_csv(view: dict[str, Any]) -> str:
    """The report as CSV: one row per question."""
    return csv_text(["position", "question", "topic", "difficulty", "type", "score", "correct", "time_spent_s",
                     "flagged", "answer", "key_points_missed", "feedback", "model_answer"],
                    ([q["position"], q["slug"], q["topic"], q["difficulty"], q["type"], f"{q['score']:.3f}",
                      int(q["correct"]), round(q["time_spent_ms"] / 1000, 1), int(q["flagged"]), q["given_text"],
                      "; ".join(q["feedback"].get("missed", [])), q["feedback"].get("message", ""),
                      q["expected_text"].strip()] for q in view["questions"]))


def practise_again(session: Session, *, interview: Interview, now: datetime | None = None) -> int:
    """Put the missed questions into the review queue (due now, rated Again); once per interview."""
    report = dict(interview.report or {})
    if report.get("requeued_at"):
        return 0
    now = now or utcnow()
    missed = {q["question_id"]: q["score"] for q in report.get("questions", []) if q["score"] < MISSED_BELOW}
    for question_id, score in missed.items():
        review(session, user_id=interview.user_id, question_id=question_id, rating=1, score=score, now=now)
    report["requeued_at"] = now.isoformat()
    report["requeued"] = len(missed)
    interview.report = report  # a new dict, so the JSON column is written
    return len(missed)


def history(session: Session, *, user_id: int | None) -> list[dict[str, Any]]:
    """The candidate's interviews, newest first."""
    if user_id is None:
        return []
    rows = session.scalars(select(Interview).where(Interview.user_id == user_id)
                           .order_by(Interview.started_at.desc(), Interview.id.desc())).all()
    out = []
    for iv in rows:
        total = (iv.report or {}).get("total", {})
        out.append({"id": iv.public_id, "title": iv.settings.get("title") or "Mock interview", "status": iv.status,
                    "started_at": iv.started_at, "finished_at": iv.finished_at, "deadline": iv.deadline,
                    "count": iv.settings.get("count"), "score": total.get("score"), "answered": total.get("answered"),
                    "finished_by": (iv.report or {}).get("finished_by")})
    return out
