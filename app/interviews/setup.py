"""Setting up a mock interview: presets, validating a set-up, drawing the questions, creating it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.answers import MAX_SEED
from app.bank_schema import DIFFICULTIES
from app.models import Attempt, Interview, InterviewItem, Question, Topic, utcnow

MIN_COUNT, MAX_COUNT = 3, 30
MIN_SECONDS, MAX_SECONDS = 10, 14400
LEVELS = ("mixed", *DIFFICULTIES)

# Presets name topics that may be missing from a small bank; they are resolved against what exists.
PRESETS: list[dict[str, Any]] = [
    {"slug": "fundamentals-15", "title": "15-minute fundamentals screen", "count": 6, "minutes": 15,
     "difficulty": "mixed", "topics": ["foundations", "perceptron", "activations", "losses"],
     "blurb": "A phone screen: what deep learning is, perceptrons, activations and losses."},
    {"slug": "cnn-20", "title": "20-minute CNN deep dive", "count": 6, "minutes": 20,
     "difficulty": "mixed", "topics": ["cnn"],
     "blurb": "Convolutions, pooling and output sizes, with computed questions."},
    {"slug": "training-30", "title": "30-minute training and optimisation", "count": 8, "minutes": 30,
     "difficulty": "mixed",
     "topics": ["optimization", "regularization", "hyperparameters", "training-practice", "initialization"],
     "blurb": "Optimisers, schedules, regularisation and what to do when training goes wrong."},
    {"slug": "mixed-45", "title": "45-minute mixed on-site", "count": 15, "minutes": 45,
     "difficulty": "mixed", "topics": [],
     "blurb": "Questions balanced across every topic, the way an on-site round mixes them."},
]
PRESETS_BY_SLUG = {p["slug"]: p for p in PRESETS}


class SetupError(ValueError):
    """A set-up that cannot be used; errors maps a field name to a reason fit to show."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Setup:
    """What a candidate chose: topics (empty for mixed), count, time limit and difficulty."""

    topics: tuple[str, ...]
    count: int
    time_limit_seconds: int
    difficulty: str = "mixed"
    title: str = ""
    preset: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The set-up as stored on the interview."""
        return {"topics": list(self.topics), "count": self.count, "time_limit_seconds": self.time_limit_seconds,
                "difficulty": self.difficulty, "title": self.title, "preset": self.preset}


@dataclass
class Pool:
    """The questions an interview may draw from, per topic, with what the candidate has done."""

    by_topic: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    topic_names: dict[str, str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """How many questions the pool holds."""
        return sum(len(v) for v in self.by_topic.values())


def topic_choices(session: Session) -> list[dict[str, Any]]:
    """Every topic with live questions, with its question count per difficulty."""
    rows = session.execute(
        select(Topic.slug, Topic.name, Question.difficulty, func.count())
        .join(Question, Question.topic_id == Topic.id)
        .where(Question.archived.is_(False), Question.current_version_id.is_not(None))
        .group_by(Topic.slug, Topic.name, Topic.position, Question.difficulty)
        .order_by(Topic.position, Topic.name)
    ).all()
    out: dict[str, dict[str, Any]] = {}
    for slug, name, difficulty, count in rows:
        entry = out.setdefault(slug, {"slug": slug, "name": name, "count": 0, "by_difficulty": {}})
        entry["count"] += count
        entry["by_difficulty"][difficulty] = count
    return list(out.values())


def _available(topics: list[dict[str, Any]], wanted: tuple[str, ...], difficulty: str) -> int:
    """How many questions match topics (all when empty) and a difficulty ("mixed" for any)."""
    total = 0
    for t in topics:
        if wanted and t["slug"] not in wanted:
            continue
        total += t["count"] if difficulty == "mixed" else t["by_difficulty"].get(difficulty, 0)
    return total


def presets_view(session: Session) -> list[dict[str, Any]]:
    """The presets resolved against this bank: the topics that exist, and how many questions fit."""
    topics = topic_choices(session)
    known = {t["slug"]: t["name"] for t in topics}
    out = []
    for p in PRESETS:
        present = tuple(t for t in p["topics"] if t in known)
        missing_all = bool(p["topics"]) and not present
        available = 0 if missing_all else _available(topics, present, p["difficulty"])
        out.append({**p, "topic_names": [known[t] for t in present], "count": min(p["count"], available),
                    "available": available >= MIN_COUNT})
    return out


def setup_from_preset(session: Session, slug: str) -> Setup:
    """The set-up of a preset; raises SetupError when unknown or when the bank is too small for it."""
    preset = next((p for p in presets_view(session) if p["slug"] == slug), None)
    if preset is None:
        raise SetupError({"preset": f"there is no preset '{slug}'; presets are: {', '.join(PRESETS_BY_SLUG)}"})
    if not preset["available"]:
        raise SetupError({"preset": f"the bank has too few questions for '{preset['title']}'"})
    known = {t["slug"] for t in topic_choices(session)}
    return Setup(topics=tuple(t for t in preset["topics"] if t in known), count=preset["count"],
                 time_limit_seconds=preset["minutes"] * 60, difficulty=preset["difficulty"],
                 title=preset["title"], preset=slug)


def validate_setup(session: Session, *, topics: list[str], count: Any, time_limit_seconds: Any,
                   difficulty: str) -> Setup:
    """Check a custom set-up against the bank; raises SetupError with a reason per field."""
    errors: dict[str, str] = {}
    known = topic_choices(session)
    names = {t["slug"]: t["name"] for t in known}
    wanted: list[str] = []
    for slug in topics:
        if slug not in names:
            errors["topics"] = f"there is no topic '{str(slug)[:60]}'; topics are: {', '.join(names)}"
            break
        if slug not in wanted:
            wanted.append(slug)
    if isinstance(count, bool) or not isinstance(count, int) or not MIN_COUNT <= count <= MAX_COUNT:
        errors["count"] = f"choose between {MIN_COUNT} and {MAX_COUNT} questions"
    if (isinstance(time_limit_seconds, bool) or not isinstance(time_limit_seconds, int)
            or not MIN_SECONDS <= time_limit_seconds <= MAX_SECONDS):
        errors["time_limit_seconds"] = f"the time limit must be {MIN_SECONDS} seconds to {MAX_SECONDS // 3600} hours"
    if difficulty not in LEVELS:
        errors["difficulty"] = f"difficulty is one of: {', '.join(LEVELS)}"
    if not errors:
        available = _available(known, tuple(wanted), difficulty)
        if available < count:
            what = ", ".join(names[t] for t in wanted) if wanted else "all topics"
            level = "" if difficulty == "mixed" else f" at {difficulty} level"
            found = f"only {available} question{'s match' if available != 1 else ' matches'} {what}{level}"
            errors["count"] = (f"{found}; ask for {available} or fewer, or add topics" if available >= MIN_COUNT
                               else f"{found}; add topics or choose mixed difficulty")
    if errors:
        raise SetupError(errors)
    minutes = time_limit_seconds / 60
    label = f"{minutes:g}-minute" if minutes >= 1 and minutes == int(minutes) else f"{time_limit_seconds}-second"
    if not wanted:
        title = f"{label} mixed interview"
    elif len(wanted) <= 2:
        title = f"{label} interview: " + " and ".join(names[t] for t in wanted)
    else:
        title = f"{label} interview: {len(wanted)} topics"
    return Setup(topics=tuple(wanted), count=count, time_limit_seconds=time_limit_seconds, difficulty=difficulty,
                 title=title)


def load_pool(session: Session, *, setup: Setup, user_id: int) -> Pool:
    """The questions matching a set-up, each with how the candidate last did on it."""
    stmt = (select(Question.id, Question.current_version_id, Topic.slug, Topic.name)
            .join(Topic, Topic.id == Question.topic_id)
            .where(Question.archived.is_(False), Question.current_version_id.is_not(None))
            .order_by(Topic.position, Question.id))
    if setup.topics:
        stmt = stmt.where(Topic.slug.in_(setup.topics))
    if setup.difficulty != "mixed":
        stmt = stmt.where(Question.difficulty == setup.difficulty)
    latest = (select(Attempt.question_id, func.max(Attempt.id).label("last_id"))
              .where(Attempt.user_id == user_id).group_by(Attempt.question_id).subquery())
    last = dict(session.execute(
        select(Attempt.question_id, Attempt.correct).join(latest, latest.c.last_id == Attempt.id)).all())
    pool = Pool()
    for qid, version_id, topic, topic_name in session.execute(stmt):
        # Unseen first, then the ones got wrong last time, then the ones already right.
        priority = 0 if qid not in last else (1 if not last[qid] else 2)
        pool.by_topic.setdefault(topic, []).append({"id": qid, "version_id": version_id, "priority": priority})
        pool.topic_names[topic] = topic_name
    return pool


def draw(pool: Pool, *, count: int, seed: int) -> list[dict[str, Any]]:
    """Pick count questions balanced across topics, never twice, preferring unseen and missed ones."""
    rng = np.random.default_rng(seed)
    queues: dict[str, list[dict[str, Any]]] = {}
    for topic, questions in pool.by_topic.items():
        noise = rng.random(len(questions))
        queues[topic] = [q for _, q in sorted(zip(noise, questions, strict=True),
                                              key=lambda pair: (pair[1]["priority"], pair[0]))]
    topic_noise = {t: float(v) for t, v in zip(queues, rng.random(len(queues)), strict=True)}
    picked: list[dict[str, Any]] = []
    while len(picked) < count and any(queues.values()):
        # One question per topic per round keeps topics balanced; within a round the topics whose
        # best question is unseen or missed go first, so a short last round favours them.
        order = sorted((t for t in queues if queues[t]), key=lambda t: (queues[t][0]["priority"], topic_noise[t]))
        for topic in order:
            if len(picked) == count:
                break
            picked.append({**queues[topic].pop(0), "topic": topic})
    return picked


def create_interview(session: Session, *, user_id: int, setup: Setup, now: datetime | None = None,
                     seed: int | None = None) -> Interview:
    """Draw the questions and store the interview with its items; item seeds are frozen here."""
    now = now or utcnow()
    seed = secrets.randbelow(MAX_SEED) if seed is None else seed
    pool = load_pool(session, setup=setup, user_id=user_id)
    picked = draw(pool, count=setup.count, seed=seed)
    if len(picked) < setup.count:
        raise SetupError({"count": f"only {len(picked)} questions match; ask for fewer"})
    item_seeds = np.random.default_rng([seed, 1]).integers(0, MAX_SEED, size=len(picked))
    interview = Interview(
        public_id=secrets.token_urlsafe(18), user_id=user_id, settings=setup.as_json(), seed=seed,
        status="in_progress", started_at=now, deadline=now + timedelta(seconds=setup.time_limit_seconds),
        current_position=1,
    )
    interview.items = [
        InterviewItem(position=i + 1, question_id=q["id"], version_id=q["version_id"], seed=int(s), time_spent_ms=0)
        for i, (q, s) in enumerate(zip(picked, item_seeds, strict=True))
    ]
    session.add(interview)
    session.flush()
    return interview
