"""Database engine and sessions: SQLite tuned for a web server, PostgreSQL by URL."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Dialect, Engine, Executable, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.lru import Lru
from app.models import CatalogGeneration

_GENERATION = select(CatalogGeneration.value).where(CatalogGeneration.id == 1)


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
        _tune_sqlite(engine, settings.sqlite_busy_timeout_ms, settings.sqlite_background_checkpoints)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


BACKSTOP_PAGES = 20_000  # about 80 MB of log


def _tune_sqlite(engine: Engine, busy_timeout_ms: int, background_checkpoints: bool) -> None:
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
        if background_checkpoints:
            # The Checkpointer copies the log while serving; SQLite's own checkpoint, in the COMMIT that
            # crosses this many pages (default 1,000), stays as a backstop for when it cannot keep up.
            cur.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        # A write transaction takes the write lock up front, so it waits on busy_timeout
        # instead of failing with "database is locked" when it upgrades from a read lock.
        # Sent on the driver's connection: through exec_driver_sql it would cost a full execution.
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The engine and the two session factories: reads (deferred) and writes (immediate).

    It also knows the bank's generation (the counter database triggers bump on every change to
    questions or topics) as this process last read it: read again at most every
    settings.bank_recheck_seconds, and at once after a write made here. Caches of bank-derived
    values key on it, so another process's edit shows here within that interval and this
    process's own edits at once.
    """

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
        self._generation = 0
        self._generation_due = 0.0  # monotonic time of the next check; 0 means "check now"
        # Values derived from the bank for the current generation (emptied when it changes); sizes in characters.
        self.bank_memo = Lru(max_size=64_000_000, max_entries=50_000)
        self.checkpointer: Checkpointer | None = None
        # SQLite: one connection per thread for fetch_one (see _reader); PostgreSQL reads use the pool.
        self._local = threading.local()
        self._readers: list[Any] | None = [] if is_sqlite(self.engine) else None
        self._readers_lock = threading.Lock()
        _databases[id(self.engine)] = self

    @classmethod
    def of(cls, session: Session) -> Database | None:
        """The Database a session belongs to."""
        return _databases.get(id(session.get_bind().engine))

    def fetch_one(self, stmt: Executable, params: Mapping[str, Any] | None = None) -> tuple | None:
        """First row of a prebuilt statement, run straight on a driver connection: for the hottest reads."""
        if self._readers is not None:
            return Statements(self._reader(), self.engine.dialect).first(stmt, params)
        raw = self.engine.raw_connection()
        try:
            return Statements(raw, self.engine.dialect).first(stmt, params)
        finally:
            raw.close()

    def _reader(self) -> Any:
        """This thread's own SQLite connection for fetch_one, outside the pool.

        Through the pool, checkout and return made the computed question page's one-row count cost 22 µs;
        on its own connection it costs 9. Made by the engine, so it has the same pragmas; autocommit, so
        each read sees the latest commit. Closed by dispose().
        """
        conn = getattr(self._local, "reader", None)
        if conn is None:
            conn = self.engine.raw_connection()
            conn.detach()  # ours to keep, not the pool's: it does not count against pool_size
            self._local.reader = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn.dbapi_connection

    @contextmanager
    def direct_writing(self) -> Iterator[Statements]:
        """A write transaction of prebuilt statements on a pooled driver connection: for the hottest writes.

        The same transaction as writing() (this process's write lock, BEGIN IMMEDIATE on SQLite; committed
        on success, rolled back on error) without the Session: on a request of one or two short statements,
        the Session and SQLAlchemy's execution path cost several times the statements themselves.
        Only for writes outside the bank (answers, users): unlike writing(), it leaves the bank's
        generation to its usual recheck, so the next request does not read it again.
        """
        with self._write_lock or nullcontext():
            raw = self.engine.raw_connection()
            sqlite = is_sqlite(self.engine)
            try:
                if sqlite:
                    raw.driver_connection.execute("BEGIN IMMEDIATE")
                try:
                    yield Statements(raw, self.engine.dialect)
                    if sqlite:
                        raw.driver_connection.execute("COMMIT")
                        self._written()
                    else:
                        raw.commit()
                except BaseException:
                    if not sqlite:
                        raw.rollback()
                    elif raw.driver_connection.in_transaction:
                        raw.driver_connection.execute("ROLLBACK")
                    raise
            finally:
                raw.close()

    def bank_generation(self) -> int:
        """The bank's change counter, as this process last read it (see the class docstring)."""
        now = time.monotonic()
        if now >= self._generation_due:
            row = self.fetch_one(_GENERATION)
            value = int(row[0]) if row else 0
            if value != self._generation:
                self.bank_memo.clear()
                self._generation = value
            self._generation_due = now + self.settings.bank_recheck_seconds
        return self._generation

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
                self._written()
            except BaseException:
                session.rollback()
                raise
            finally:
                # Whatever was written, this process reads the bank's generation afresh next time.
                self._generation_due = 0.0

    def start_checkpoints(self) -> None:
        """Start the background Checkpointer (SQLite files, when the settings ask for it)."""
        path = self.engine.url.database
        if (self.checkpointer is None and is_sqlite(self.engine) and self.settings.sqlite_background_checkpoints
                and path and path != ":memory:"):
            self.checkpointer = Checkpointer(path)

    def _written(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.kick()

    def dispose(self) -> None:
        """Stop the Checkpointer and close every pooled connection."""
        if self.checkpointer is not None:
            self.checkpointer.stop()
            self.checkpointer = None
        if self._readers is not None:
            with self._readers_lock:
                for conn in self._readers:
                    conn.close()
                self._readers.clear()
            self._local = threading.local()
        self.engine.dispose()


class Checkpointer:
    """Copies SQLite's write-ahead log into the database file from a background thread.

    Left to SQLite, the COMMIT that crosses 1,000 log pages does it: on the event loop, a stall of
    page copies and an fsync for every request waiting behind it (measured: the computed answer POST's
    p99 at 32 connections went from 52 ms to 37-43 ms without it). Here commits only kick this thread,
    which checkpoints at most every min_gap seconds (0.1: smaller, more frequent copies kept the p99 lowest), so a page written many times is copied once per copy
    (PASSIVE: it never waits for, nor blocks, readers and writers; the sqlite3 module lets go of the
    GIL while SQLite works).
    """

    def __init__(self, path: str, min_gap: float = 0.1) -> None:
        self.min_gap = min_gap
        self.checkpoints = 0
        self.last: tuple[int, int, int] | None = None  # (busy, log pages, pages copied) of the last one
        self._kicked = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path,), name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def kick(self) -> None:
        """A transaction was committed: checkpoint soon."""
        self._kicked.set()

    def stop(self) -> None:
        """Checkpoint once more, end the thread and close its connection."""
        self._stopping.set()
        self._kicked.set()
        self._thread.join(timeout=10)

    def _run(self, path: str) -> None:
        con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stopping.is_set():
                self._kicked.wait()
                self._kicked.clear()
                try:
                    self.last = tuple(con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
                    self.checkpoints += 1
                except sqlite3.Error as exc:  # the database went away under us (tests, shutdown); say so, go on
                    logging.getLogger("deepprep").warning("SQLite checkpoint failed: %s", exc)
                self._stopping.wait(self.min_gap)
        finally:
            con.close()


class Statements:
    """Prebuilt Core statements run straight on a driver connection, with their columns' types applied.

    SQLAlchemy's execution path costs several times a one-row statement on SQLite (60 µs against 7).
    Each statement is compiled once per dialect; values go through the column types' bind processors
    (JSON, dates, booleans) and rows through their result processors, as SQLAlchemy would.
    An INSERT must give every column that has a Python-side default (nothing fills them in here).
    """

    def __init__(self, dbapi_connection: Any, dialect: Dialect) -> None:
        self._dbapi = dbapi_connection
        self._dialect = dialect

    @classmethod
    def of(cls, session: Session) -> Statements:
        """Statements inside a session's transaction, on its connection."""
        conn = session.connection()
        return cls(conn.connection, conn.dialect)

    def first(self, stmt: Executable, params: Mapping[str, Any] | None = None) -> tuple | None:
        """The first row (an INSERT ... RETURNING gives the new row's columns), or None."""
        rows = self._fetch(stmt, params, one=True)
        return rows[0] if rows else None

    def all(self, stmt: Executable, params: Mapping[str, Any] | None = None) -> list[tuple]:
        """Every row of a statement."""
        return self._fetch(stmt, params, one=False)

    def run(self, stmt: Executable, params: Mapping[str, Any] | None = None) -> int:
        """Execute a statement without rows to read; the number of rows it changed."""
        prepared = _prepared(stmt, self._dialect)
        cursor = self._dbapi.cursor()
        try:
            cursor.execute(*prepared.sql_and_args(params))
            return cursor.rowcount
        finally:
            cursor.close()

    def _fetch(self, stmt: Executable, params: Mapping[str, Any] | None, *, one: bool) -> list[tuple]:
        prepared = _prepared(stmt, self._dialect)
        cursor = self._dbapi.cursor()
        try:
            cursor.execute(*prepared.sql_and_args(params))
            if one:
                row = cursor.fetchone()
                rows = [] if row is None else [row]
            else:
                rows = cursor.fetchall()
            procs = prepared.results(cursor)
        finally:
            cursor.close()
        if not any(procs):
            return rows
        return [tuple(v if f is None else f(v) for f, v in zip(procs, row, strict=True)) for row in rows]


class _Prepared:
    """A statement compiled for one dialect: its SQL, parameter order, defaults and type processors."""

    def __init__(self, stmt: Executable, dialect: Dialect) -> None:
        self.stmt = stmt  # held so the id the cache keys on stays this statement's
        compiled = stmt.compile(dialect=dialect)
        if getattr(compiled, "insert_prefetch", None):
            missing = ", ".join(c.name for c in compiled.insert_prefetch)
            raise ValueError(f"give every column with a Python-side default: {missing}")
        self.sql = str(compiled)
        self.order = tuple(compiled.positiontup) if compiled.positional else None
        # By the name each parameter has in the SQL (an anonymous one, for a literal, gets one on compiling).
        binds = {compiled.bind_names[bind]: bind for bind in compiled.binds.values()}
        # Values written into the statement (literals); a bindparam without one must be given on each call.
        self.defaults = {k: v for k, v in compiled.params.items() if not binds[k].required}
        self.required = frozenset(binds) - self.defaults.keys()
        self.binds: dict[str, Callable] = {
            name: proc for name, bind in binds.items()
            if (proc := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        # IN lists (bindparam(..., expanding=True)): the SQL gets one placeholder per value on each call.
        self.expanding = frozenset(name for name, bind in binds.items() if bind.expanding)
        self.named = not compiled.positional
        # A SELECT's columns, or those an INSERT/UPDATE ... RETURNING gives (none without RETURNING).
        self._types = [col.type.dialect_impl(dialect) for col in stmt.exported_columns]
        self._dialect = dialect
        self._results: tuple[Callable | None, ...] | None = None

    def results(self, cursor: Any) -> tuple[Callable | None, ...]:
        """The result processor of each column (None: the driver's value as is); the first run's cursor tells
        the driver's type codes, which some processors need (PostgreSQL's numbers)."""
        if self._results is None:
            codes = [d[1] for d in cursor.description or ()]
            self._results = tuple(t.result_processor(self._dialect, code)
                                  for t, code in zip(self._types, codes, strict=False))
        return self._results

    def sql_and_args(self, params: Mapping[str, Any] | None) -> tuple[str, tuple | dict[str, Any]]:
        """The SQL and the driver's parameters (positional or by name), each through its type's bind processor."""
        values = {**self.defaults, **(params or {})}
        if not self.required <= values.keys():
            raise KeyError(f"no value for {', '.join(sorted(self.required - values.keys()))}")
        for name, proc in self.binds.items():
            if name in values:  # None too: a JSON column stores it as JSON null, as the ORM does
                value = values[name]
                values[name] = [proc(v) for v in value] if name in self.expanding else proc(value)
        if not self.expanding:
            return self.sql, tuple(values[name] for name in self.order) if self.order is not None else values
        sql = self.sql
        for name in self.expanding:
            items = list(values.pop(name))
            if not items:
                raise ValueError(f"{name}: an IN list needs at least one value")
            if self.named:
                keys = [f"{name}__{i}" for i in range(len(items))]
                values.update(zip(keys, items, strict=True))
                marks = ", ".join(f"%({k})s" for k in keys)
            else:
                values[name] = items
                marks = ", ".join("?" * len(items))
            sql = sql.replace(f"__[POSTCOMPILE_{name}]", marks)
        if self.order is None:
            return sql, values
        args: list[Any] = []
        for name in self.order:
            if name in self.expanding:
                args += values[name]
            else:
                args.append(values[name])
        return sql, tuple(args)


_PREPARED: dict[tuple[int, str], _Prepared] = {}


def _prepared(stmt: Executable, dialect: Dialect) -> _Prepared:
    key = (id(stmt), dialect.name)
    found = _PREPARED.get(key)
    if found is None or found.stmt is not stmt:
        if len(_PREPARED) >= 2_000:  # statements are built once at import; this only bounds misuse
            _PREPARED.clear()
        found = _PREPARED[key] = _Prepared(stmt, dialect)
    return found


# By the engine's id, holding the Database weakly: it owns the engine, so the id stays its own while it lives.
_databases: weakref.WeakValueDictionary[int, Database] = weakref.WeakValueDictionary()
