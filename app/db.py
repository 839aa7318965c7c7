"""Database engine and sessions: SQLite tuned for a web server, PostgreSQL by URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def make_engine(settings: Settings) -> Engine:
    """Create the engine; SQLite gets WAL, busy_timeout, foreign keys and IMMEDIATE writes."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
            pool_size=8,
            max_overflow=16,
        )
        _tune_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Set the pragmas on every connection and let writers BEGIN IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        # Take transaction control away from the sqlite3 module so our BEGIN is the one used.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        mode = cur.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal" and ":memory:" not in str(engine.url):
            raise RuntimeError(f"SQLite refused WAL mode (got {mode!r}); is the data folder on a network disk?")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        # A write transaction takes the write lock up front, so it waits on busy_timeout
        # instead of failing with "database is locked" when it upgrades from a read lock.
        if conn.get_execution_options().get("sqlite_immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class Database:
    """The engine and the two session factories: reads (deferred) and writes (immediate)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.read_factory = sessionmaker(self.engine, expire_on_commit=False)
        write_bind = self.engine.execution_options(sqlite_immediate=True)
        self.write_factory = sessionmaker(write_bind, expire_on_commit=False)
        # SQLite has one writer at a time. Queueing this process's writers on a lock is fair and
        # prompt, where letting them all poll the file lock (busy_timeout) makes the tail latency
        # grow with the number of waiting requests. Other processes still meet busy_timeout.
        self._write_lock = threading.RLock() if is_sqlite(self.engine) else None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads; rolled back at the end."""
        with self.read_factory() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session for a write transaction: committed on success, rolled back on error."""
        with self._write_lock or nullcontext(), self.write_factory() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
