"""The database tables, as SQLAlchemy 2.0 typed ORM classes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

MAX_ROW_ID = 2**63 - 1  # the largest integer id SQLite and PostgreSQL's bigint hold


def id_ref(ref: str | int) -> int | None:
    """The row id a question reference gives (None for a slug); 0, which no row has, when out of range."""
    if isinstance(ref, int):
        return ref if 0 <= ref <= MAX_ROW_ID else 0
    if ref.isascii() and ref.isdigit():
        return int(ref) if len(ref) < 20 and int(ref) <= MAX_ROW_ID else 0
    return None


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC that always comes back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every table."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime}


class Topic(Base):
    """A topic of the bank, one per questions/<topic>.yaml file."""

    __tablename__ = "topics"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=100)


class Question(Base):
    """A question; its content lives in immutable versions."""

    __tablename__ = "questions"
    # The question lists (app.catalog): live questions per topic with the list filters, read from the index alone.
    __table_args__ = (Index("ix_questions_list", "archived", "topic_id", "difficulty", "type", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    difficulty: Mapped[str] = mapped_column(String(20), index=True)
    type: Mapped[str] = mapped_column(String(20), index=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # "bank" questions follow questions/*.yaml; "admin" ones were authored in the admin.
    origin: Mapped[str] = mapped_column(String(20), default="bank")
    # Hash of the spec last loaded from questions/: a sync changes the question only when its
    # file changed since, so edits made in the admin survive restarts.
    bank_hash: Mapped[str] = mapped_column(String(64), default="")
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_versions.id", use_alter=True, name="fk_questions_current_version"), nullable=True
    )
    # Plain text of the current version's prompt and answers: what search looks in.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The prompt as plain text, shortened: what lists show without loading a version.
    summary: Mapped[str] = mapped_column(String(400), default="")
    summary_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    topic: Mapped[Topic] = relationship(lazy="joined")
    current_version: Mapped[QuestionVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class CatalogGeneration(Base):
    """One row (id 1) counting changes to questions and topics; database triggers bump it (migration 0003).

    app.catalog keys its per-process cache of question lists on this value, so any change to the bank,
    by any process, makes every process recompute.
    """

    __tablename__ = "catalog_generation"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class QuestionVersion(Base):
    """One immutable version of a question: the spec as authored plus its rendered HTML."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Rendered and sanitised once, when the version is saved: {"prompt", "model_answer",
    # "explanation", "options": [...], "rubric": [...]} as HTML strings.
    html: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(80), default="bank")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A learner, instructor or admin; guests are users without a username."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    role: Mapped[str] = mapped_column(String(20), default="learner")
    is_guest: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuthSession(Base):
    """A login session kept on the server; the cookie holds the token, the table its hash."""

    __tablename__ = "auth_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class LoginAttempt(Base):
    """A failed login, counted per account and per address to limit guessing."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Attempt(Base):
    """One scored answer to one question version."""

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_user_created", "user_id", "created_at"),
        # A user's latest attempt per question, and the questions they answered: read from the index alone.
        Index("ix_attempts_user_question", "user_id", "question_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), index=True)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[Any] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    correct: Mapped[bool] = mapped_column(Boolean)
    feedback: Mapped[dict[str, Any]] = mapped_column(JSON)
    time_spent_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="practice")
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewCard(Base):
    """A learner's FSRS memory state for one question."""

    __tablename__ = "review_cards"
    __table_args__ = (UniqueConstraint("user_id", "question_id"), Index("ix_review_cards_user_due", "user_id", "due"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    card: Mapped[dict[str, Any]] = mapped_column(JSON)
    due: Mapped[datetime] = mapped_column()
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    last_rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Interview(Base):
    """A timed mock interview; the server's deadline is the clock."""

    __tablename__ = "interviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="in_progress", index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime] = mapped_column(index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The question the candidate last had open, so leaving and coming back resumes there.
    current_position: Mapped[int] = mapped_column(Integer, default=1)

    items: Mapped[list[InterviewItem]] = relationship(
        order_by="InterviewItem.position", cascade="all, delete-orphan", back_populates="interview"
    )


class InterviewItem(Base):
    """One question of an interview, with the answer saved so far."""

    __tablename__ = "interview_items"
    __table_args__ = (UniqueConstraint("interview_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    seed: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    saved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    time_spent_ms: Mapped[int] = mapped_column(Integer, default=0)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"), nullable=True)

    interview: Mapped[Interview] = relationship(back_populates="items")


class AuditLog(Base):
    """Who changed what in the admin, and when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
