"""Prebuilt statements on the driver (app.db.Statements): the same values as the ORM, the same transactions."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, func, insert, select, update

from app.db import Database, Statements
from app.models import Attempt, Question, User
from tests.conftest import PG_URL, make_settings

_GUEST = (insert(User.__table__).values({k: bindparam(k) for k in ("role", "is_guest", "active", "created_at")})
          .returning(User.__table__.c.id))
_USER = select(User.is_guest, User.active, User.created_at, User.role).where(User.id == bindparam("id"))
_RENAME = update(User.__table__).where(User.__table__.c.id == bindparam("id")).values(role=bindparam("role"))
WHEN = datetime(2026, 11, 22, 9, 30, 15, 123456, tzinfo=UTC)


def _new_guest(stmts: Statements) -> int:
    return stmts.first(_GUEST, {"role": "learner", "is_guest": True, "active": False, "created_at": WHEN})[0]


def test_values_go_through_the_column_types_both_ways(db: Database) -> None:
    with db.direct_writing() as stmts:
        user_id = _new_guest(stmts)
    # Read back by the ORM: booleans and the aware datetime stored as SQLAlchemy stores them.
    with db.reading() as session:
        user = session.get(User, user_id)
        assert (user.is_guest, user.active, user.created_at, user.role) == (True, False, WHEN, "learner")
    # Read back through Statements: the result processors give the same Python values.
    assert db.fetch_one(_USER, {"id": user_id}) == (True, False, WHEN, "learner")


def test_json_columns_match_what_the_orm_stores(db: Database) -> None:
    with db.reading() as session:
        question_id, version_id = session.execute(select(Question.id, Question.current_version_id)).first()
    values = {"question_id": question_id, "version_id": version_id, "seed": 7, "score": 0.5,
              "correct": False, "time_spent_ms": None, "source": "practice", "created_at": WHEN}
    stmt = (insert(Attempt.__table__).values({k: bindparam(k) for k in ("user_id", "answer", "feedback", *values)})
            .returning(Attempt.__table__.c.id))
    with db.direct_writing() as stmts:
        user_id = _new_guest(stmts)
        ids = [stmts.first(stmt, {"user_id": user_id, "answer": answer, "feedback": {"covered": ["ä"], "n": 1},
                                  **values})[0]
               for answer in ("text", [0, 2], None)]
    with db.reading() as session:
        rows = [session.get(Attempt, i) for i in ids]
        assert [a.answer for a in rows] == ["text", [0, 2], None]
        assert rows[0].feedback == {"covered": ["ä"], "n": 1}
        assert rows[0].time_spent_ms is None and rows[0].created_at == WHEN


def test_an_error_rolls_the_whole_transaction_back(db: Database) -> None:
    with db.reading() as session:
        before = session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0
    with pytest.raises(RuntimeError), db.direct_writing() as stmts:
        _new_guest(stmts)
        raise RuntimeError("after the insert")
    with db.reading() as session:
        assert (session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) == before
    # The pooled connection is usable again afterwards, outside any transaction.
    with db.direct_writing() as stmts:
        user_id = _new_guest(stmts)
        assert stmts.run(_RENAME, {"id": user_id, "role": "admin"}) == 1
    assert db.fetch_one(_USER, {"id": user_id})[3] == "admin"


def test_statements_join_a_session_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError), db.writing() as session:
        _new_guest(Statements.of(session))
        raise RuntimeError("rolled back with the session")
    with db.writing() as session:
        user_id = _new_guest(Statements.of(session))
    with db.reading() as session:
        assert session.get(User, user_id) is not None


def test_an_insert_must_give_columns_with_python_defaults(db: Database) -> None:
    stmt = insert(User.__table__).values(role=bindparam("role")).returning(User.__table__.c.id)
    with pytest.raises(ValueError, match="created_at"), db.direct_writing() as stmts:
        stmts.first(stmt, {"role": "learner"})


def test_a_missing_parameter_is_an_error_not_a_null(db: Database) -> None:
    with pytest.raises(KeyError), db.direct_writing() as stmts:
        stmts.first(_GUEST, {"role": "learner", "is_guest": True, "active": True})


def test_literals_in_a_statement_are_sent_with_it(db: Database) -> None:
    admins = select(User.id).where(User.role == "admin", User.active == True, User.id == bindparam("id"))  # noqa: E712
    with db.direct_writing() as stmts:
        user_id = _new_guest(stmts)
        stmts.run(update(User.__table__).where(User.__table__.c.id == bindparam("id")).values(role="admin", active=True),
                  {"id": user_id})
    assert db.fetch_one(admins, {"id": user_id}) == (user_id,)
    assert db.fetch_one(admins, {"id": user_id + 1}) is None


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's write-ahead log")
def test_the_checkpointer_copies_the_log_after_commits(db: Database) -> None:
    db.start_checkpoints()  # the app's start-up does this; idempotent
    checkpointer = db.checkpointer
    assert checkpointer is not None and checkpointer._thread.is_alive()
    before = checkpointer.checkpoints
    with db.direct_writing() as stmts:
        _new_guest(stmts)
    deadline = time.monotonic() + 5
    while checkpointer.checkpoints == before and time.monotonic() < deadline:
        time.sleep(0.01)
    busy, log_pages, copied = checkpointer.last
    assert busy == 0 and log_pages > 0 and copied == log_pages  # all of the log is in the database file
    db.dispose()
    assert db.checkpointer is None and not checkpointer._thread.is_alive()


def test_no_checkpointer_when_the_settings_say_so(tmp_path, database_url: str) -> None:
    db = Database(make_settings(tmp_path, database_url, sqlite_background_checkpoints=False))
    db.start_checkpoints()
    assert db.checkpointer is None
    db.dispose()


def test_in_lists_get_one_placeholder_per_value(db: Database) -> None:
    by_ids = (select(User.id, User.role).where(User.id.in_(bindparam("ids", expanding=True)), User.role == "learner")
              .order_by(User.id))
    with db.direct_writing() as stmts:
        made = [_new_guest(stmts) for _ in range(3)]
        assert stmts.all(by_ids, {"ids": made[:2]}) == [(made[0], "learner"), (made[1], "learner")]
        assert stmts.all(by_ids, {"ids": [made[2], 10**9]}) == [(made[2], "learner")]
        with pytest.raises(ValueError, match="at least one value"):
            stmts.all(by_ids, {"ids": []})


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's per-thread read connections")
def test_fast_reads_see_each_commit_on_every_thread_and_close_with_the_database(db: Database) -> None:
    count = select(func.count()).select_from(User)
    before = db.fetch_one(count)[0]
    with db.direct_writing() as stmts:
        _new_guest(stmts)
    assert db.fetch_one(count)[0] == before + 1, "the reader holds no snapshot: it sees the commit"
    seen: list[tuple] = []

    def read_elsewhere() -> None:
        seen.append((db.fetch_one(count)[0], db._local.reader))

    worker = threading.Thread(target=read_elsewhere)
    worker.start()
    worker.join()
    assert seen[0][0] == before + 1
    assert seen[0][1] is not db._local.reader, "one connection per thread"
    drivers = [reader.dbapi_connection for reader in db._readers]
    db.dispose()
    for driver in drivers:
        with pytest.raises(sqlite3.ProgrammingError):
            driver.execute("SELECT 1")
