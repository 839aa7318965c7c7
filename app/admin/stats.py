"""Item statistics per question: attempts, facility, discrimination, median time, missed key points, flags.

Every figure is aggregated in the database, one query per concern (fetching every attempt and
correlating in Python took over a second at 50,000 attempts). The queries are plain SQL that SQLite and
PostgreSQL both run; only the JSON expansion of the missed key points differs by dialect. The list page
goes through `bank_stats`, which keeps the whole bank's figures in the process until an attempt is added
(bench/admin_stats.py times both paths).

Discrimination is a Pearson correlation. The database produces, per question, the number of pairs and
the centred sums Σ(x-x̄)², Σ(y-ȳ)², Σ(x-x̄)(y-ȳ) (the means come from a window over the same pairs, so
this is the two-pass formula, not the cancellation-prone Σx² - (Σx)²/n); `correlation` turns them into r.
"""

from __future__ import annotations

import math
import time
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from app.models import Attempt, Question, QuestionVersion

# Below these, a figure says more about chance than about the question.
MIN_PAIRS = 3
MIN_LEARNERS = 3  # one person answering twelve times says little about how hard a question is
EASY, HARD, FLAT = 0.9, 0.3, 0.2
FLAGS = {"too_easy": "too easy", "too_hard": "too hard", "non_discriminating": "non-discriminating",
         "reversed": "reversed: check the answer key"}
# On SQLite, a query about at least this share of the bank reads the attempts table straight through (_Attempts).
SCAN_SHARE = 0.25


def correlation(n: int, sxx: float | None, syy: float | None, sxy: float | None) -> float | None:
    """Pearson's r from the centred sums of n pairs; None when either side does not vary or there are too few."""
    if n < MIN_PAIRS or sxx is None or syy is None or sxy is None:
        return None
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """The correlation of two equally long lists; None when either does not vary or there are too few."""
    n = len(xs)
    if n < MIN_PAIRS:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return correlation(n, sxx, syy, sxy)


def _ids(stmt: str):  # noqa: ANN202
    """A text query whose :ids parameter is a list of question ids (expanded to IN (...))."""
    return text(stmt).bindparams(bindparam("ids", expanding=True))


class _Attempts:
    """How the queries read the attempts table (aliased `a`). SQLite has no hash aggregation: through
    ix_attempts_question_id, a query over most of the bank makes one look-up per attempt, about three
    times the cost of reading the table straight through and sorting. So on SQLite a query about at
    least SCAN_SHARE of the bank reads `attempts AS a NOT INDEXED`; one about a few questions (the edit
    page) uses the index. PostgreSQL's planner chooses well on its own."""

    def __init__(self, session: Session) -> None:
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self.bank = 0
        if self.sqlite:
            self.bank = session.scalar(select(func.count()).select_from(Question)) or 0

    def table(self, question_ids: list[int]) -> str:
        if self.sqlite and len(question_ids) >= SCAN_SHARE * self.bank:
            return "attempts AS a NOT INDEXED"
        return "attempts AS a"


def _facility(session: Session, attempts: _Attempts, ids: list[int]) -> dict[int, tuple[int, int, float]]:
    """Per question: how many attempts, by how many learners, and their mean score."""
    stmt = _ids(f"SELECT a.question_id, count(*), count(DISTINCT a.user_id), avg(a.score) FROM {attempts.table(ids)} "
                "WHERE a.question_id IN :ids GROUP BY a.question_id")
    return {qid: (int(n), int(people), float(mean)) for qid, n, people, mean in session.execute(stmt, {"ids": ids})}


def _median_times(session: Session, attempts: _Attempts, ids: list[int]) -> dict[int, int]:
    """Per question: the median time spent (the mean of the middle two for an even count, truncated to ms)."""
    stmt = _ids(f"""
        SELECT question_id, time_spent_ms FROM (
            SELECT a.question_id, a.time_spent_ms,
                   row_number() OVER (PARTITION BY a.question_id ORDER BY a.time_spent_ms) AS pos,
                   count(*) OVER (PARTITION BY a.question_id) AS n
            FROM {attempts.table(ids)} WHERE a.question_id IN :ids AND a.time_spent_ms IS NOT NULL) AS ranked
        WHERE pos IN ((n + 1) / 2, n / 2 + 1)""")
    middle: dict[int, list[int]] = {}
    for qid, spent in session.execute(stmt, {"ids": ids}):
        middle.setdefault(qid, []).append(spent)
    return {qid: int(sum(values) / len(values)) for qid, values in middle.items()}


def _missed_points(session: Session, attempts: _Attempts, ids: list[int], top: int) -> dict[int, list[dict[str, Any]]]:
    """Per question: the key points most often missed (Attempt.feedback["missed"]), most frequent first,
    ties by the point's text; counted in the database, which expands the JSON arrays."""
    if attempts.sqlite:
        sql = (f"SELECT a.question_id, j.value, count(*) FROM {attempts.table(ids)}, json_each(a.feedback, '$.missed') j "
               "WHERE a.question_id IN :ids AND j.type = 'text' GROUP BY a.question_id, j.value")
    else:
        sql = (f"SELECT a.question_id, j.value, count(*) FROM {attempts.table(ids)} "
               "CROSS JOIN LATERAL json_array_elements_text(CASE WHEN json_typeof(a.feedback -> 'missed') = 'array' "
               "THEN a.feedback -> 'missed' ELSE '[]'::json END) AS j(value) "
               "WHERE a.question_id IN :ids GROUP BY a.question_id, j.value")
    current = _current_points(session, ids)
    counts: dict[int, list[tuple[int, str]]] = {}
    for qid, point, n in session.execute(_ids(sql), {"ids": ids}):
        if qid in current and point not in current[qid]:
            continue  # a key point an edit has since removed from the rubric
        counts.setdefault(qid, []).append((-int(n), point))
    return {qid: [{"point": point, "count": -n} for n, point in sorted(rows)[:top]] for qid, rows in counts.items()}


def _current_points(session: Session, ids: list[int]) -> dict[int, set[str]]:
    """The key points of each free-text question's current rubric (earlier versions' attempts name old ones)."""
    stmt = _ids("SELECT q.id, v.spec FROM questions q JOIN question_versions v ON v.id = q.current_version_id "
                "WHERE q.id IN :ids").columns(spec=QuestionVersion.__table__.c.spec.type)
    return {qid: {str(kp.get("point", "")) for kp in spec.get("rubric") or []}
            for qid, spec in session.execute(stmt, {"ids": ids}) if isinstance(spec, dict) and spec.get("rubric")}


def _correlations(session: Session, pairs: str, ids: list[int]) -> dict[int, tuple[int, float | None]]:
    """Per question: (number of pairs, r) over the rows (question_id, x, y) of the CTEs `pairs` ends with."""
    stmt = _ids(f"""
        WITH {pairs},
        centred AS (
            SELECT question_id, x - avg(x) OVER w AS dx, y - avg(y) OVER w AS dy
            FROM pairs WINDOW w AS (PARTITION BY question_id))
        SELECT question_id, count(*), sum(dx * dx), sum(dy * dy), sum(dx * dy) FROM centred GROUP BY question_id""")
    return {qid: (int(n), correlation(int(n), sxx, syy, sxy))
            for qid, n, sxx, syy, sxy in session.execute(stmt, {"ids": ids})}


def _interview_discrimination(session: Session, ids: list[int]) -> dict[int, tuple[int, float | None]]:
    """Per question: its score in each mock interview against the mean score of the rest of that interview
    (interviews with at least two scored questions)."""
    return _correlations(session, """
        scored AS (
            SELECT i.question_id, a.score, sum(a.score) OVER iv AS total, count(*) OVER iv AS k
            FROM interview_items i JOIN attempts a ON a.id = i.attempt_id
            WHERE a.source = 'interview'
              AND i.interview_id IN (SELECT interview_id FROM interview_items WHERE question_id IN :ids)
            WINDOW iv AS (PARTITION BY i.interview_id)),
        pairs AS (
            SELECT question_id, score AS x, (total - score) / (k - 1) AS y
            FROM scored WHERE k >= 2 AND question_id IN :ids)""", ids)


def _user_mean_discrimination(session: Session, attempts: _Attempts, ids: list[int]
                              ) -> dict[int, tuple[int, float | None]]:
    """Per question: each learner's mean score on it against that learner's mean on all their other attempts."""
    return _correlations(session, f"""
        per_learner AS (
            SELECT a.question_id, a.user_id, count(*) AS n, sum(a.score) AS total
            FROM {attempts.table(ids)} WHERE a.question_id IN :ids GROUP BY a.question_id, a.user_id),
        learner AS (
            SELECT a.user_id, count(*) AS n, sum(a.score) AS total
            FROM {attempts.table(ids)} WHERE a.user_id IN (SELECT user_id FROM per_learner) GROUP BY a.user_id),
        pairs AS (
            SELECT q.question_id, q.total / q.n AS x, (u.total - q.total) / (u.n - q.n) AS y
            FROM per_learner q JOIN learner u ON u.user_id = q.user_id WHERE u.n > q.n)""", ids)


def _flags(attempts: int, learners: int, facility: float, discrimination: float | None, min_attempts: int) -> list[str]:
    if attempts < min_attempts or learners < MIN_LEARNERS:
        return []
    flags = []
    if facility > EASY:
        flags.append("too_easy")
    if facility < HARD:
        flags.append("too_hard")
    if discrimination is not None and discrimination < -FLAT:
        # Strong learners miss it and weak ones get it: most often a wrong answer key.
        flags.append("reversed")
    elif discrimination is not None and discrimination < FLAT:
        flags.append("non_discriminating")
    return flags


def question_stats(session: Session, *, question_ids: list[int], min_attempts: int = 10,
                   missed_top: int = 3) -> dict[int, dict[str, Any]]:
    """Statistics for each of the questions (every id gets an entry, empty when never attempted)."""
    out: dict[int, dict[str, Any]] = {
        qid: {"attempts": 0, "learners": 0, "facility": None, "discrimination": None, "discrimination_method": None,
              "discrimination_n": 0, "median_time_ms": None, "missed": [], "flags": []}
        for qid in question_ids}
    ids = list(dict.fromkeys(question_ids))
    if not ids:
        return out
    attempts = _Attempts(session)
    facility = _facility(session, attempts, ids)
    attempted = [qid for qid in ids if qid in facility]
    if not attempted:
        return out
    medians = _median_times(session, attempts, attempted)
    missed = _missed_points(session, attempts, attempted, missed_top)
    by_interview = _interview_discrimination(session, attempted)
    # Too few interviews with a question: correlate with each learner's mean on the other questions.
    fallback = [qid for qid in attempted if by_interview.get(qid, (0, None))[0] < MIN_PAIRS]
    by_user = _user_mean_discrimination(session, attempts, fallback) if fallback else {}
    fallback = set(fallback)
    for qid in attempted:
        n_attempts, learners, mean = facility[qid]
        if qid in fallback:
            method, (n_pairs, r) = "user mean", by_user.get(qid, (0, None))
        else:
            method, (n_pairs, r) = "interview", by_interview[qid]
        out[qid].update({
            "attempts": n_attempts, "learners": learners, "facility": mean, "discrimination": r, "discrimination_method": method,
            "discrimination_n": n_pairs, "median_time_ms": medians.get(qid), "missed": missed.get(qid, []),
            "flags": _flags(n_attempts, learners, mean, r, min_attempts)})
    return out


# ---------------------------------------------------------------- the list page's per-process copy

CACHE_SECONDS = 60.0
_CACHE_ENTRIES = 8
# (database, min_attempts, missed_top) -> (data stamp, monotonic time computed, figures for every question)
_cache: dict[tuple[str, int, int], tuple[tuple[int, int | None], float, dict[int, dict[str, Any]]]] = {}


def _data_stamp(session: Session) -> tuple[int, int | None]:
    """What changes whenever the figures can: attempts are only ever added (an interview's items get their
    attempts in the same transaction). Moving a guest's attempts to an account changes neither number:
    that is what CACHE_SECONDS bounds."""
    count, last = session.execute(select(func.count(Attempt.id), func.max(Attempt.id))).one()
    return int(count), last


def bank_stats(session: Session, *, question_ids: list[int], min_attempts: int = 10,
               missed_top: int = 3) -> dict[int, dict[str, Any]]:
    """question_stats for a list page: computed for every question of the bank at once and kept in this
    process while no attempt has been added (checked with one query) and for at most CACHE_SECONDS, so
    filtering, searching and coming back to the list reuse it. Several processes each keep their own copy,
    each as fresh as its check."""
    key = (session.get_bind().url.render_as_string(hide_password=True), min_attempts, missed_top)
    stamp = _data_stamp(session)  # before the figures: a stamp older than them only costs a recount
    hit = _cache.get(key)
    if hit is None or hit[0] != stamp or time.monotonic() - hit[1] > CACHE_SECONDS \
            or not all(qid in hit[2] for qid in question_ids):
        every = list(session.scalars(select(Question.id)))
        hit = (stamp, time.monotonic(), question_stats(session, question_ids=every, min_attempts=min_attempts,
                                                       missed_top=missed_top))
        while len(_cache) >= _CACHE_ENTRIES:
            _cache.pop(next(iter(_cache)))
        _cache[key] = hit
    figures = hit[2]
    return {qid: {**figures[qid], "missed": [dict(m) for m in figures[qid]["missed"]],
                  "flags": list(figures[qid]["flags"])} for qid in question_ids}
