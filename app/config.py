"""Settings, read from DEEPPREP_* environment variables (pydantic-settings)."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
WEAK_KEYS = {"", "changeme", "change-me", "secret", "dev", "development", "test", "deepprep"}


class Settings(BaseSettings):
    """Every knob of the app; the README's settings table is generated from these fields."""

    model_config = SettingsConfigDict(env_prefix="DEEPPREP_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = Field(
        "development", description="production refuses a weak or default SECRET_KEY"
    )
    data_dir: Path = Field(ROOT / "data", description="folder for the SQLite file and the generated secret key")
    database_url: str = Field("", description="SQLAlchemy URL; empty means sqlite:///DATA_DIR/deepprep.sqlite3; postgresql+psycopg://... works")
    secret_key: str = Field("", description="signs cookies; generated and kept in DATA_DIR/secret_key when unset")
    questions_dir: Path = Field(ROOT / "questions", description="the question bank's YAML files")
    migrate_on_start: bool = Field(True, description="apply database migrations when the app starts")
    sync_bank_on_start: bool = Field(True, description="load questions/ into the database when the app starts")
    sqlite_busy_timeout_ms: int = Field(15000, ge=0, description="how long a SQLite writer waits for the lock")
    sqlite_background_checkpoints: bool = Field(
        True, description="copy SQLite's write-ahead log into the database file from a background thread while serving")
    max_answer_chars: int = Field(10000, ge=1, description="longest answer accepted")
    max_body_bytes: int = Field(2_000_000, ge=1024, description="largest request body accepted (imports included)")
    interview_grace_seconds: int = Field(30, ge=0, description="saves accepted this long after an interview's deadline")
    interview_sweep_seconds: int = Field(15, ge=0, description="how often the server finishes expired interviews; 0 turns the sweep off")
    session_days: int = Field(30, ge=1, description="how long a login lasts")
    login_max_failures: int = Field(8, ge=1, description="failed logins per account or address before 429")
    login_window_seconds: int = Field(900, ge=1, description="window over which failed logins are counted")
    https_cookies: bool = Field(False, description="mark cookies Secure (set when served over https)")
    bank_recheck_seconds: float = Field(1.0, ge=0, description="how stale another process's question edits may look here; 0 checks on every request")
    admin_flag_min_attempts: int = Field(10, ge=1, description="attempts a question needs before the admin flags it too easy, too hard or non-discriminating")

    @model_validator(mode="after")
    def _refuse_weak_key_in_production(self) -> Settings:
        if self.env == "production" and (self.secret_key in WEAK_KEYS or len(self.secret_key) < 32):
            raise ValueError(
                "DEEPPREP_SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'deepprep.sqlite3'}"

    @cached_property
    def resolved_secret_key(self) -> str:
        """The secret key, generated once and kept in the data folder when unset."""
        if self.secret_key:
            return self.secret_key
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


def get_settings() -> Settings:
    """Settings from the environment."""
    return Settings()
