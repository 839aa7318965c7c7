"""Item statistics of the admin list, checked on a small hand-made dataset whose figures are worked out by hand.

Users 1-4 practise A and B once each (so each learner's mean on the other questions is their score on
the other one). Users 5-7 sit three mock interviews of C, D and E; a fourth interview has only C scored.
Users 8-10 answer G (all right), H (nearly all wrong) and I (twice, too few to flag).
"""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from app.admin import stats as admin_stats
from app.admin.stats import bank_stats, pearson, question_stats
from app.bank import create_question, save_version
from app.bank_schema import QuestionSpec
from app.models import Attempt, Interview, InterviewItem, Question, Topic, User, utcnow
from tests.helpers import guests

MIN = 3  # flag threshold used throughout


def _question(s, slug: str) -> Question:  # noqa: ANN001
    topic = s.scalar(select(Topic).order_by(Topic.id))
    spec = QuestionSpec.model_validate({
        "slug": slug, "difficulty": "beginner", "type": "single_choice", "prompt": f"Question {slug}?",
        "options": [{"text": "yes", "correct": True}, {"text": "no", "why": "Because."}],
        "model_answer": "Yes.", "explanation": "Yes."})
    return create_question(s, topic=topic, spec=spec, author="test", origin="admin")


def _attempt(s, user: int, q: Question, score: float, *, missed=(), spent: int | None = 10_000,  # noqa: ANN001
             source: str = "practice") -> Attempt:
    a = Attempt(user_id=user, question_id=q.id, version_id=q.current_version_id, answer="x", score=score,
                correct=score >= 0.7, feedback={"covered": [], "missed": list(missed), "message": ""},
                time_spent_ms=spent, source=source)
    s.add(a)
    s.flush()
    return a


@pytest.fixture
def data(db) -> dict[str, int]:  # noqa: ANN001
    """The dataset; returns question ids by letter."""
    with db.writing() as s:
        qs = {k: _question(s, f"stats-{k.lower()}") for k in "ABCDEGHIJ"}
        u = dict(enumerate(guests(s, 10), start=1))
        # A and B: practice only. Times of A: 10, 20, 30 s and one unknown; of B: an even count.
        for n, (a, b, ta, tb) in enumerate([(1.0, 1.0, 10_000, 1_000), (0.5, 1.0, 20_000, 2_000),
                                            (0.0, 0.0, 30_000, 4_001), (0.5, 0.0, None, 9_000)], start=1):
            missed = [[], ["p1"], ["p1", "p2"], ["p3", "p2"]][n - 1]
            _attempt(s, u[n], qs["A"], a, spent=ta, missed=missed)
            _attempt(s, u[n], qs["B"], b, spent=tb, missed=["zeta", "alpha"] if n <= 2 else [])
        # C, D, E in three interviews, and a fourth where only C was scored.
        sheets = [(5, {"C": 1.0, "D": 1.0, "E": 0.5}), (6, {"C": 0.0, "D": 0.5, "E": 0.0}),
                  (7, {"C": 0.5, "D": 0.0, "E": 1.0}), (5, {"C": 0.5})]
        for n, (user, scores) in enumerate(sheets):
            iv = Interview(public_id=f"stats{n}", user_id=u[user], settings={}, seed=n, status="finished",
                           deadline=utcnow())
            s.add(iv)
            s.flush()
            for pos, letter in enumerate("CDE"):
                attempt = (_attempt(s, u[user], qs[letter], scores[letter], source="interview")
                           if letter in scores else None)
                s.add(InterviewItem(interview_id=iv.id, position=pos, question_id=qs[letter].id,
                                    version_id=qs[letter].current_version_id,
                                    attempt_id=attempt.id if attempt else None))
        # G all right, H nearly all wrong, I wrong but only twice.
        for n, (g, h) in zip((8, 9, 10), [(1.0, 0.0), (1.0, 0.0), (1.0, 0.1)], strict=True):
            _attempt(s, u[n], qs["G"], g)
            _attempt(s, u[n], qs["H"], h)
        for n in (8, 9):
            _attempt(s, u[n], qs["I"], 0.0)
        return {k: q.id for k, q in qs.items()}


def _stats(db, ids: list[int], **kw) -> dict[int, dict]:  # noqa: ANN001
    with db.reading() as s:
        return question_stats(s, question_ids=ids, min_attempts=MIN, **kw)


def test_facility_median_and_missed_points(db, data):
    st = _stats(db, list(data.values()))
    a, b = st[data["A"]], st[data["B"]]
    assert (a["attempts"], a["facility"], b["facility"]) == (4, 0.5, 0.5)
    assert a["median_time_ms"] == 20_000, "the unknown time is left out: median of 10, 20, 30 s"
    assert b["median_time_ms"] == 3_000, "even count: the mean of 2,000 and 4,001, truncated"
    assert a["missed"] == [{"point": "p1", "count": 2}, {"point": "p2", "count": 2}, {"point": "p3", "count": 1}]
    assert b["missed"] == [{"point": "alpha", "count": 2}, {"point": "zeta", "count": 2}], "ties by text"
    assert _stats(db, [data["A"]], missed_top=1)[data["A"]]["missed"] == [{"point": "p1", "count": 2}]
    c = st[data["C"]]
    assert (c["attempts"], c["facility"]) == (4, 0.5)
    assert st[data["J"]] == {"attempts": 0, "learners": 0, "facility": None, "discrimination": None, "discrimination_method": None,
                             "discrimination_n": 0, "median_time_ms": None, "missed": [], "flags": []}


def test_discrimination_from_user_means_and_from_interviews(db, data):
    st = _stats(db, list(data.values()))
    # A against each learner's other question (B): x = 1, .5, 0, .5; y = 1, 1, 0, 0 -> r = .5 / sqrt(.5 * 1).
    a = st[data["A"]]
    assert a["discrimination_method"] == "user mean" and a["discrimination_n"] == 4
    assert a["discrimination"] == pytest.approx(1 / math.sqrt(2))
    assert a["discrimination"] == pytest.approx(pearson([1, 0.5, 0, 0.5], [1, 1, 0, 0]))
    # C against the rest of its interview: x = 1, 0, .5; y = .75, .25, .5 (= x/2 + 1/4) -> r = 1.
    # The fourth interview had only C scored: no rest to compare with, so 3 pairs.
    c = st[data["C"]]
    assert (c["discrimination_method"], c["discrimination_n"]) == ("interview", 3)
    assert c["discrimination"] == pytest.approx(1.0)
    # D: x = 1, .5, 0; y = .75, 0, .75 -> uncorrelated.
    d = st[data["D"]]
    assert (d["discrimination_method"], d["discrimination_n"]) == ("interview", 3)
    assert d["discrimination"] == pytest.approx(0.0, abs=1e-12)
    assert st[data["E"]]["discrimination"] == pytest.approx(pearson([0.5, 0, 1], [1, 0.25, 0.25]), abs=1e-12)
    # G does not vary: no figure. H: x = 0, 0, .1 against y = .5, .5, 1 (G and I) -> r = 1.
    assert st[data["G"]]["discrimination"] is None
    assert st[data["H"]]["discrimination"] == pytest.approx(1.0)
    assert st[data["I"]]["discrimination_n"] == 2 and st[data["I"]]["discrimination"] is None


def test_flags_need_enough_attempts(db, data):
    st = _stats(db, list(data.values()))
    flags = {k: st[data[k]]["flags"] for k in data}
    assert flags == {"A": [], "B": [], "C": [], "D": ["non_discriminating"], "E": ["non_discriminating"],
                     "G": ["too_easy"], "H": ["too_hard"], "I": [], "J": []}
    with db.reading() as s:
        assert question_stats(s, question_ids=[data["H"]], min_attempts=4)[data["H"]]["flags"] == []


def test_a_few_questions_read_through_the_index_and_give_the_same_figures(db, data):
    every = _stats(db, list(data.values()))
    for qid in data.values():
        assert _stats(db, [qid]) == {qid: every[qid]}
    assert _stats(db, []) == {}


def test_the_list_reuses_its_figures_until_an_attempt_is_added(db, data, monkeypatch):
    admin_stats._cache.clear()
    ids = list(data.values())
    with db.reading() as s:
        first = bank_stats(s, question_ids=ids, min_attempts=MIN)
    assert first == _stats(db, ids)
    calls = []
    monkeypatch.setattr(admin_stats, "question_stats", lambda *a, **k: calls.append(1) or question_stats(*a, **k))
    with db.reading() as s:
        assert bank_stats(s, question_ids=ids[:2], min_attempts=MIN) == {q: first[q] for q in ids[:2]}
    assert calls == [], "same data: the figures are reused"
    with db.writing() as s:
        g = s.get(Question, data["G"])
        _attempt(s, s.scalar(select(User.id).order_by(User.id)), g, 0.0)
    with db.reading() as s:
        again = bank_stats(s, question_ids=ids, min_attempts=MIN)
    assert calls == [1] and again[data["G"]]["attempts"] == 4 and again[data["G"]]["facility"] == 0.75


def test_the_admin_api_shows_the_figures(client, db, data):
    from tests.routes.test_admin import log_in_as

    admin_stats._cache.clear()
    log_in_as(client, "instructor")
    items = {i["slug"]: i["stats"] for i in client.get("/api/admin/questions").json()["items"]}
    assert items["stats-a"]["discrimination"] == pytest.approx(1 / math.sqrt(2))
    assert items["stats-d"]["flags"] == []  # the app's threshold is 10 attempts
    assert items["stats-b"]["median_time_ms"] == 3_000


def test_one_learner_flags_nothing_and_a_reversed_item_is_named(db, data):
    """Twelve wrong answers by one guest are not "too hard"; strong learners missing what weak ones get is "reversed"."""
    with db.writing() as s:
        lone, rev = _question(s, "stats-lone"), _question(s, "stats-rev")
        users = guests(s, 6)
        for _ in range(12):
            _attempt(s, users[0], lone, 0.0)
        other = _question(s, "stats-other")
        # The three strong learners (right on another question) miss rev; the three weak ones get it.
        for n, uid in enumerate(users):
            strong = n < 3
            _attempt(s, uid, other, 1.0 if strong else 0.0)
            _attempt(s, uid, rev, 0.0 if strong else 1.0)
        lone_id, rev_id = lone.id, rev.id
    st = _stats(db, [lone_id, rev_id])
    assert st[lone_id]["learners"] == 1 and st[lone_id]["flags"] == []
    assert st[rev_id]["discrimination"] < -0.2 and st[rev_id]["flags"] == ["reversed"]


def test_missed_points_follow_the_current_rubric(db, data):
    """A key point an edit removed no longer tops "most often missed"."""
    def spec(points: list[str]) -> QuestionSpec:
        return QuestionSpec.model_validate({
            "slug": "stats-ft", "difficulty": "beginner", "type": "free_text", "prompt": "Explain the thing well?",
            "rubric": [{"point": p, "phrasings": [p]} for p in points],
            "model_answer": " ".join(points), "explanation": "Yes."})
    with db.writing() as s:
        topic = s.scalar(select(Topic).order_by(Topic.id))
        q = create_question(s, topic=topic, spec=spec(["old idea", "kept idea"]), author="test", origin="admin")
        for uid in (1, 2, 3):
            _attempt(s, uid, q, 0.0, missed=["old idea", "kept idea"])
        save_version(s, question=q, spec=spec(["kept idea", "new idea"]), author="test")
        qid = q.id
    assert [m["point"] for m in _stats(db, [qid])[qid]["missed"]] == ["kept idea"]
