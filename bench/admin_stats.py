"""Time the admin question list at scale: item statistics over many attempts, in-process.

Builds a temporary SQLite database (migrated, the real bank loaded), adds users, practice
attempts and mock interviews with plausible scores (each learner has an ability, each question a
difficulty; free-text answers miss rubric points more often when weak), then times
app.admin.stats.question_stats, list_admin_questions and GET /admin through the ASGI app, with the
list's per-process copy of the figures cleared before each request (recomputed) and kept (reused).

    .venv/bin/python bench/admin_stats.py                    # 50,000 attempts, 500 users
    .venv/bin/python bench/admin_stats.py --attempts 5000 --repeat 20
    .venv/bin/python bench/admin_stats.py --keep /tmp/admin.sqlite3   # keep the file to poke at

The target (issue: /admin took 1.3-2.3 s) is the list page under ~150 ms at 50,000 attempts.
Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from app.config import Settings
from app.db import Database
from app.models import Attempt, Interview, InterviewItem, Question, QuestionVersion, User, utcnow
from app.startup import prepare_database

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-that-is-long-enough-0123456789"


def settings_for(folder: Path, url: str) -> Settings:
    return Settings(env="test", data_dir=folder, database_url=url, secret_key=SECRET, questions_dir=ROOT / "questions",
                    migrate_on_start=False, sync_bank_on_start=False, interview_sweep_seconds=0)


def fill(db: Database, *, attempts: int = 50_000, users: int = 500, interview_share: float = 0.2,
         interview_len: int = 8, seed: int = 11) -> dict[str, int]:
    """Add users, mock interviews and practice attempts until `attempts` attempts exist."""
    rng = random.Random(seed)
    now = utcnow()
    with db.writing() as s:
        questions = [(q.id, q.current_version_id, q.type) for q in s.scalars(
            select(Question).where(Question.archived.is_(False)).order_by(Question.id))]
        specs = {vid: spec for vid, spec in s.execute(select(QuestionVersion.id, QuestionVersion.spec))}
        s.execute(insert(User), [{"is_guest": True, "role": "learner", "active": True, "created_at": now}
                                 for _ in range(users)])
        user_ids = list(s.scalars(select(User.id).order_by(User.id)))[-users:]
        ability = {u: rng.gauss(0.0, 1.0) for u in user_ids}
        difficulty = {qid: rng.gauss(0.0, 1.2) for qid, _, _ in questions}
        points = {qid: [k["point"] for k in (specs[vid].get("rubric") or [])] for qid, vid, _ in questions}
        # A quarter of the bank never appears in interviews, so discrimination falls back to user means there.
        in_interviews = [q for q in questions if rng.random() < 0.75]

        def attempt(uid: int, q: tuple, source: str, when) -> dict:  # noqa: ANN001
            qid, vid, qtype = q
            p = 1 / (1 + math.exp(-(1.3 * ability[uid] - difficulty[qid] + rng.gauss(0, 0.6))))
            missed: list[str] = []
            if qtype == "free_text":
                score = round(min(1.0, max(0.0, p + rng.gauss(0, 0.15))), 3)
                missed = [pt for pt in points[qid] if rng.random() > p]
            else:
                score = 1.0 if rng.random() < p else 0.0
            spent = None if rng.random() < 0.03 else int(rng.lognormvariate(10.2 - 0.3 * ability[uid], 0.6))
            return {"user_id": uid, "question_id": qid, "version_id": vid, "seed": rng.randrange(2**31),
                    "answer": "x", "score": score, "correct": score >= 0.7, "source": source, "time_spent_ms": spent,
                    "feedback": {"covered": [], "missed": missed, "message": ""}, "created_at": when}

        n_interviews = int(attempts * interview_share) // interview_len
        s.execute(insert(Interview), [
            {"public_id": f"bench{i}", "user_id": rng.choice(user_ids), "settings": {}, "seed": i, "status": "finished",
             "started_at": now, "deadline": now, "finished_at": now} for i in range(n_interviews)])
        interviews = list(s.execute(select(Interview.id, Interview.user_id).where(Interview.public_id.like("bench%"))))
        rows, layout = [], []
        for iv_id, uid in interviews:
            for pos, q in enumerate(rng.sample(in_interviews, interview_len)):
                rows.append(attempt(uid, q, "interview", now - timedelta(minutes=rng.randrange(100_000))))
                layout.append((iv_id, pos, q))
        while len(rows) < attempts:
            rows.append(attempt(rng.choice(user_ids), rng.choice(questions), "practice",
                                now - timedelta(minutes=rng.randrange(100_000))))
        first = (s.scalar(select(Attempt.id).order_by(Attempt.id.desc()).limit(1)) or 0) + 1
        s.execute(insert(Attempt), [{"id": first + i, **r} for i, r in enumerate(rows)])
        s.execute(insert(InterviewItem), [
            {"interview_id": iv_id, "position": pos, "question_id": q[0], "version_id": q[1], "seed": 0,
             "flagged": False, "time_spent_ms": 0, "attempt_id": first + i}
            for i, (iv_id, pos, q) in enumerate(layout)])
    return {"attempts": len(rows), "interviews": len(interviews), "users": users, "questions": len(questions)}


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, best) milliseconds over `repeat` runs after one warm-up."""
    fn()
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs), min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="copy the filled SQLite file here")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from app import auth
    from app.admin import stats as admin_stats
    from app.admin.questions import list_admin_questions
    from app.admin.stats import question_stats
    from app.main import create_app
    from app.security import SESSION_COOKIE

    folder = Path(tempfile.mkdtemp(prefix="deepprep-admin-bench-"))
    try:
        settings = settings_for(folder, f"sqlite:///{folder / 'bench.sqlite3'}")
        db = Database(settings)
        t = time.perf_counter()
        prepare_database(db)
        counts = fill(db, attempts=args.attempts, users=args.users)
        print(f"filled {counts} in {time.perf_counter() - t:.1f} s")
        with db.reading() as s:
            ids = list(s.scalars(select(Question.id).where(Question.archived.is_(False))))
        db.dispose()
        if args.keep:
            shutil.copy(folder / "bench.sqlite3", args.keep)

        app = create_app(settings)
        with TestClient(app, base_url="http://testserver") as client:
            adb = app.state.db
            with adb.writing() as s:
                admin = User(username="bench-admin", password_hash="x", role="admin", is_guest=False, active=True)
                s.add(admin)
                s.flush()
                client.cookies.set(SESSION_COOKIE, auth.start_session(s, user=admin, settings=settings))

            def stats() -> None:
                with adb.reading() as s:
                    question_stats(s, question_ids=ids, min_attempts=settings.admin_flag_min_attempts)

            def listing() -> None:
                with adb.reading() as s:
                    list_admin_questions(s, min_attempts=settings.admin_flag_min_attempts)

            def page() -> None:
                response = client.get("/admin")
                assert response.status_code == 200, response.status_code

            def cold_page() -> None:
                admin_stats._cache.clear()
                page()

            def detail() -> None:
                assert client.get(f"/admin/questions/{ids[0]}").status_code == 200

            print(f"{'what':<44} {'median ms':>10} {'best ms':>9}")
            for name, fn in [("question_stats (all questions, uncached)", stats),
                             ("GET /admin (figures recomputed)", cold_page),
                             ("GET /admin (figures reused: no new attempt)", page),
                             ("list_admin_questions (figures reused)", listing),
                             ("GET /admin/questions/{id} (uncached)", detail)]:
                median, best = timed(fn, args.repeat)
                print(f"{name:<44} {median:>10.1f} {best:>9.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
