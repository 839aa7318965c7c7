"""Settings: defaults, the generated secret key, and refusing weak keys in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import Settings


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = Settings(data_dir=tmp_path, secret_key="").resolved_secret_key
    second = Settings(data_dir=tmp_path, secret_key="").resolved_secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("key", ["", "changeme", "secret", "short-but-random"])
def test_production_refuses_weak_keys(tmp_path, key):
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(env="production", data_dir=tmp_path, secret_key=key)


def test_production_accepts_a_strong_key(tmp_path):
    Settings(env="production", data_dir=tmp_path, secret_key="k" * 16 + "0123456789abcdef0123")


def test_default_database_is_sqlite_in_data_dir(tmp_path):
    url = Settings(data_dir=tmp_path, database_url="").resolved_database_url
    assert url == f"sqlite:///{tmp_path / 'deepprep.sqlite3'}"


def test_environment_prefix(monkeypatch, tmp_path):
    monkeypatch.setenv("DEEPPREP_INTERVIEW_GRACE_SECONDS", "5")
    monkeypatch.setenv("DEEPPREP_DATA_DIR", str(tmp_path))
    assert Settings().interview_grace_seconds == 5


def test_readme_settings_table_is_current():
    """Regenerate with: .venv/bin/python -m scripts.settings_table --write"""
    from pathlib import Path

    from scripts.settings_table import settings_table

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = readme.split("<!-- settings:start -->\n", 1)[1].split("\n<!-- settings:end -->", 1)[0]
    assert block == settings_table()
