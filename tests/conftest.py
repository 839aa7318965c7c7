"""Shared fixtures: a fresh database per test (SQLite file, or PostgreSQL via DEEPPREP_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.startup import prepare_database

TESTS = Path(__file__).resolve().parent
FIXTURE_BANK = TESTS / "fixtures" / "questions"
PG_URL = os.environ.get("DEEPPREP_TEST_DATABASE_URL")
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def make_settings(tmp: Path, url: str, **overrides) -> Settings:
    """Settings for a test app on its own data folder and database."""
    values = dict(env="test", data_dir=tmp, database_url=url, secret_key=SECRET, questions_dir=FIXTURE_BANK,
                  migrate_on_start=False, sync_bank_on_start=False, interview_sweep_seconds=0)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A SQLite file migrated and loaded with the fixture bank once, copied for each test."""
    if PG_URL:
        return None
    folder = tmp_path_factory.mktemp("template")
    settings = make_settings(folder, f"sqlite:///{folder / 'template.sqlite3'}")
    db = Database(settings)
    prepare_database(db)
    db.dispose()
    return folder / "template.sqlite3"


def _fresh_pg_schema() -> str:
    """A new empty PostgreSQL schema for one test; the URL selects it with search_path."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", schema


@pytest.fixture
def database_url(tmp_path: Path, template_db: Path | None) -> Iterator[str]:
    """A fresh database with the fixture bank loaded."""
    if PG_URL:
        url, schema = _fresh_pg_schema()
        db = Database(make_settings(tmp_path, url))
        prepare_database(db)
        db.dispose()
        yield url
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
        return
    target = tmp_path / "test.sqlite3"
    shutil.copy(template_db, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for this test's app."""
    return make_settings(tmp_path, database_url)


@pytest.fixture
def app(settings: Settings):
    """The application on this test's database."""
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    """An in-process HTTP client (httpx under the hood) with the app's lifespan running."""
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def db(app) -> Database:
    """The app's database, for checking what was stored."""
    return app.state.db
