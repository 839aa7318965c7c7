"""Migrations create every table, and autogenerate finds nothing the models add."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.models import Base
from tests.conftest import PG_URL


def test_autogenerate_finds_nothing_to_add(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_name": _include_name})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == [], diff


def _include_name(name, type_, parent_names):  # noqa: ANN001
    return not (name and name.startswith(("question_fts", "ix_questions_search_tsv", "alembic_version")))


def test_every_model_table_exists(database_url):
    engine = create_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables


def test_sqlite_pragmas(db):
    if PG_URL:
        return
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_downgrade_to_base_and_up_again(tmp_path):
    from alembic import command
    from app.migrate import alembic_config

    if PG_URL:
        return  # the per-test schema is already migrated; SQLite covers the round trip
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(cfg, "head")
