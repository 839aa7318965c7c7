"""Item statistics per question: attempts, facility, discrimination, median time, missed key points, flags."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from app.models import Attempt, InterviewItem

# Below these, a figure says more about chance than about the question.
MIN_PAIRS = 3
EASY, HARD, FLAT = 0.9, 0.3, 0.2
FLAGS = {"too_easy": "too easy", "too_hard": "too hard", "non_discriminating": "non-discriminating"}


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """The correlation of two equally long lists; None when either does not vary or there are too few."""
    n = len(xs)
    if n < MIN_PAIRS:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def _interview_pairs(session: Session, question_ids: list[int]) -> dict[int, tuple[list[float], list[float]]]:
    """Per question: its score in each interview, and the mean score of the rest of that interview."""
    with_q = select(InterviewItem.interview_id).where(InterviewItem.question_id.in_(question_ids)).distinct()
    rows = session.execute(
        select(InterviewItem.interview_id, InterviewItem.question_id, Attempt.score)
        .join(Attempt, Attempt.id == InterviewItem.attempt_id)
        .where(InterviewItem.interview_id.in_(with_q), Attempt.source == "interview")
    ).all()
    per_interview: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for interview_id, question_id, score in rows:
        per_interview[interview_id].append((question_id, float(score)))
    wanted = set(question_ids)
    pairs: dict[int, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for items in per_interview.values():
        if len(items) < 2:
            continue
        total = sum(s for _, s in items)
        for question_id, score in items:
            if question_id in wanted:
                xs, ys = pairs[question_id]
                xs.append(score)
                ys.append((total - score) / (len(items) - 1))
    return pairs


def _user_mean_pairs(attempts: list[tuple], user_totals: dict[int, tuple[float, int]]) -> dict[int, tuple[list[float], list[float]]]:
    """Per question: each user's mean score on it, and that user's mean score on every other question."""
    per_uq: dict[tuple[int, int], list[float]] = defaultdict(list)
    for question_id, user_id, score, *_ in attempts:
        per_uq[(question_id, user_id)].append(float(score))
    pairs: dict[int, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for (question_id, user_id), scores in per_uq.items():
        total, count = user_totals.get(user_id, (0.0, 0))
        rest_count = count - len(scores)
        if rest_count <= 0:
            continue
        xs, ys = pairs[question_id]
        xs.append(sum(scores) / len(scores))
        ys.append((total - sum(scores)) / rest_count)
    return pairs


def _missed_counts(session: Session, question_ids: list[int]) -> list[tuple[int, str, int]]:
    """How often each key point was missed, per question, counted in the database (decoding every
    attempt's feedback in Python is what made the list slow)."""
    if session.get_bind().dialect.name == "sqlite":
        sql = ("SELECT a.question_id, j.value, count(*) FROM attempts a, json_each(a.feedback, '$.missed') j "
               "WHERE a.question_id IN :ids GROUP BY a.question_id, j.value")
    else:
        sql = ("SELECT a.question_id, j.value, count(*) FROM attempts a "
               "CROSS JOIN LATERAL json_array_elements_text(CASE WHEN json_typeof(a.feedback -> 'missed') = 'array' "
               "THEN a.feedback -> 'missed' ELSE '[]'::json END) AS j(value) "
               "WHERE a.question_id IN :ids GROUP BY a.question_id, j.value")
    stmt = text(sql).bindparams(bindparam("ids", expanding=True))
    return [(qid, point, int(n)) for qid, point, n in session.execute(stmt, {"ids": list(question_ids)})]


def question_stats(session: Session, *, question_ids: list[int], min_attempts: int = 10,
                   missed_top: int = 3) -> dict[int, dict[str, Any]]:
    """Statistics for each of the questions (every id gets an entry, empty when never attempted)."""
    out: dict[int, dict[str, Any]] = {
        qid: {"attempts": 0, "facility": None, "discrimination": None, "discrimination_method": None,
              "discrimination_n": 0, "median_time_ms": None, "missed": [], "flags": []}
        for qid in question_ids}
    if not question_ids:
        return out
    attempts = session.execute(
        select(Attempt.question_id, Attempt.user_id, Attempt.score, Attempt.time_spent_ms)
        .where(Attempt.question_id.in_(question_ids))
    ).all()
    if not attempts:
        return out
    users = {a[1] for a in attempts}
    user_totals = {uid: (float(total or 0.0), n) for uid, total, n in session.execute(
        select(Attempt.user_id, func.sum(Attempt.score), func.count()).where(Attempt.user_id.in_(users))
        .group_by(Attempt.user_id))}
    scores: dict[int, list[float]] = defaultdict(list)
    times: dict[int, list[int]] = defaultdict(list)
    missed: dict[int, Counter] = defaultdict(Counter)
    for question_id, _user, score, spent in attempts:
        scores[question_id].append(float(score))
        if spent is not None:
            times[question_id].append(spent)
    for question_id, point, count in _missed_counts(session, question_ids):
        if isinstance(point, str):
            missed[question_id][point] += count
    by_interview = _interview_pairs(session, question_ids)
    by_user = _user_mean_pairs(attempts, user_totals)
    for qid in question_ids:
        values = scores.get(qid)
        if not values:
            continue
        stats = out[qid]
        stats["attempts"] = len(values)
        stats["facility"] = sum(values) / len(values)
        xs, ys = by_interview.get(qid, ([], []))
        method = "interview"
        if len(xs) < MIN_PAIRS:
            # Too few interviews with this question: correlate with each learner's mean on other questions.
            xs, ys = by_user.get(qid, ([], []))
            method = "user mean"
        stats["discrimination"] = pearson(xs, ys)
        stats["discrimination_method"] = method
        stats["discrimination_n"] = len(xs)
        if times.get(qid):
            stats["median_time_ms"] = int(statistics.median(times[qid]))
        stats["missed"] = [{"point": p, "count": c} for p, c in missed[qid].most_common(missed_top)]
        if len(values) >= min_attempts:
            flags = []
            if stats["facility"] > EASY:
                flags.append("too_easy")
            if stats["facility"] < HARD:
                flags.append("too_hard")
            if stats["discrimination"] is not None and stats["discrimination"] < FLAT:
                flags.append("non_discriminating")
            stats["flags"] = flags
    return out
