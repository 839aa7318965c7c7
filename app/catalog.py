"""Queries over the question bank: topics with counts, listing, filters and full-text search.

Lists are ordered by (topic position, question id). On a large bank that order costs a sort of
every matching row, and a count another pass, on each request. So the ordered ids matching a set of
bank filters (topic, difficulty, type, search words) are computed once and kept in a per-process
cache keyed by the bank's *generation*: a counter in the catalog_generation table that database
triggers (migration 0003) bump on every change to questions or topics, whoever makes it (the bank
sync, the admin, an import, another process). Reading it is one primary-key lookup per request. A
page is then a slice of the cached ids (any offset costs the same) and one primary-key fetch of
its rows; the total is the length of the list.

The status filters (new, due, mastered, missed) depend on the viewer's own rows, which change with
every answer, so they are not cached: the question ids the status selects are read from the
user's attempts or review cards (bounded by that user's rows, through the (user_id, question_id, id)
index), and intersected with the cached list with NumPy.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine, Select, bindparam, func, select, text
from sqlalchemy.orm import Session

from app.models import Attempt, CatalogGeneration, Question, ReviewCard, Topic, utcnow
from app.scheduling import MASTERED_STABILITY_DAYS

STATUSES = ("new", "due", "mastered", "missed")
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 12


@dataclass(frozen=True)
class Filters:
    """What a question list is filtered by; every field optional."""

    topic: str | None = None
    difficulty: str | None = None
    type: str | None = None
    status: str | None = None
    q: str | None = None

    def as_query(self) -> dict[str, str]:
        """The non-empty filters, for building links."""
        return {k: v for k, v in self.__dict__.items() if v}


def find_question(session: Session, ref: str | int, *, include_archived: bool = False) -> Question | None:
    """A question by slug or integer id, with its current version loaded."""
    stmt = select(Question)
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        stmt = stmt.where(Question.id == int(ref))
    else:
        stmt = stmt.where(Question.slug == ref)
    if not include_archived:
        stmt = stmt.where(Question.archived.is_(False))
    question = session.scalar(stmt)
    if question is not None and question.current_version_id is not None:
        question.current_version  # noqa: B018  (load it now: templates get plain data)
    return question


# ----------------------------------------------------------------------------- the per-process cache


@dataclass
class _IdList:
    """The ids matching some bank filters, in list order, and (built on demand) a sorted copy for lookups."""

    ids: np.ndarray
    _sorted: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def positions_of(self, members: np.ndarray) -> np.ndarray:
        """Where the given (distinct) ids stand in the list, ascending; ids not in the list are skipped."""
        if self._sorted is None:
            order = np.argsort(self.ids, kind="stable")
            self._sorted = (self.ids[order], order)
        sorted_ids, order = self._sorted
        if not len(members) or not len(sorted_ids):
            return np.empty(0, dtype=np.int64)
        at = np.searchsorted(sorted_ids, members)
        found = at < len(sorted_ids)
        at, members = at[found], members[found]
        hit = sorted_ids[at] == members
        return np.sort(order[at[hit]])


class _Cache:
    """Bank-derived values of one database, valid for one bank generation; LRU within a size budget."""

    MAX_IDS = 1_000_000  # ids held across every cached list (8 bytes each, up to 3 copies)
    MAX_ENTRIES = 512

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation: int | None = None
        self.entries: OrderedDict[Any, Any] = OrderedDict()
        self.held = 0

    def get(self, generation: int, key: Any) -> Any:
        with self.lock:
            if generation != self.generation:
                return None
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, generation: int, key: Any, value: Any, size: int = 1) -> None:
        with self.lock:
            if self.generation is None or generation > self.generation:
                self.generation, self.held = generation, 0
                self.entries.clear()
            elif generation < self.generation:
                return  # computed from an older snapshot than what is cached now
            old = self.entries.pop(key, None)
            if old is not None:
                self.held -= _size(old)
            self.entries[key] = value
            self.held += max(size, 1)
            while len(self.entries) > 1 and (self.held > self.MAX_IDS or len(self.entries) > self.MAX_ENTRIES):
                _key, dropped = self.entries.popitem(last=False)
                self.held -= _size(dropped)


def _size(value: Any) -> int:
    return max(len(value.ids), 1) if isinstance(value, _IdList) else 1


_caches: weakref.WeakKeyDictionary[Engine, _Cache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache_for(session: Session) -> _Cache:
    engine = session.get_bind().engine
    cache = _caches.get(engine)
    if cache is None:
        with _caches_lock:
            cache = _caches.setdefault(engine, _Cache())
    return cache


_GENERATION = select(CatalogGeneration.value).where(CatalogGeneration.id == 1)


def bank_generation(session: Session) -> int:
    """The bank's change counter: bumped by triggers whenever questions or topics change."""
    return session.scalar(_GENERATION) or 0


def clear_cache() -> None:
    """Forget every cached list (for tests and benchmarks; the generation keeps caches correct)."""
    with _caches_lock:
        _caches.clear()


# ----------------------------------------------------------------------------- topics


def _topics(session: Session, cache: _Cache, generation: int) -> dict[int, tuple[str, str, str, int]]:
    """Every topic by id: (slug, name, description, position), in (position, name) order."""
    topics = cache.get(generation, "topics")
    if topics is None:
        rows = session.execute(
            select(Topic.id, Topic.slug, Topic.name, Topic.description, Topic.position).order_by(Topic.position, Topic.name)
        ).all()
        topics = {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}
        cache.put(generation, "topics", topics)
    return topics


def _topic_counts(session: Session, cache: _Cache, generation: int) -> dict[int, int]:
    counts = cache.get(generation, "topic_counts")
    if counts is None:
        counts = dict(
            session.execute(
                select(Question.topic_id, func.count()).where(Question.archived == False)  # noqa: E712
                .group_by(Question.topic_id)
            ).all()
        )
        cache.put(generation, "topic_counts", counts)
    return counts


def topics_overview(session: Session, user_id: int | None) -> list[dict[str, Any]]:
    """Every topic with its question count and, for a known user, answered count and mastery."""
    cache = _cache_for(session)
    generation = bank_generation(session)
    topics = _topics(session, cache, generation)
    counts = _topic_counts(session, cache, generation)
    mastery: dict[int, tuple[int, float]] = {}
    if user_id is not None:
        last = _last_attempts(user_id).subquery()
        rows = session.execute(
            select(Question.topic_id, func.count(), func.sum(last.c.score))
            .join(last, last.c.question_id == Question.id)
            .where(Question.archived.is_(False))
            .group_by(Question.topic_id)
        ).all()
        mastery = {tid: (n, float(total or 0.0)) for tid, n, total in rows}
    out = []
    for topic_id, (slug, name, description, _position) in topics.items():
        count = counts.get(topic_id, 0)
        if not count:
            continue
        answered, total = mastery.get(topic_id, (0, 0.0))
        out.append({
            "slug": slug, "name": name, "description": description, "count": count,
            "answered": answered, "mastery": round(total / count, 3) if count else 0.0,
        })
    return out


def _last_attempts(user_id: int) -> Select:
    """For one user, the latest attempt's score and correctness per question."""
    latest = (
        select(Attempt.question_id, func.max(Attempt.id).label("attempt_id"))
        .where(Attempt.user_id == user_id)
        .group_by(Attempt.question_id)
        .subquery()
    )
    return select(Attempt.question_id, Attempt.score, Attempt.correct).join(latest, latest.c.attempt_id == Attempt.id)


# ----------------------------------------------------------------------------- search


def _query_words(query: str | None) -> tuple[str, ...]:
    return tuple(_WORD.findall((query or "").lower())[:MAX_QUERY_WORDS])


def _match_clause(dialect: str, words: tuple[str, ...]) -> Any:
    if dialect == "sqlite":
        # Each word quoted (so FTS5 operators in user input are just text) and prefix-matched.
        match = " ".join('"' + w.replace('"', "") + '"*' for w in words)
        ids = text("SELECT rowid FROM question_fts WHERE question_fts MATCH :match").bindparams(match=match)
        return Question.id.in_(ids.columns(rowid=Question.id.type))
    # The expression is the one the GIN index of migration 0002 is built on, so the index is used.
    tsq = func.to_tsquery("english", " & ".join(w + ":*" for w in words))
    return func.to_tsvector("english", Question.search_text).op("@@")(tsq)


def fts_match(session: Session, query: str) -> Any:
    """A WHERE clause matching questions whose text contains every word of the query."""
    words = _query_words(query)
    if not words:
        return None
    return _match_clause(session.get_bind().dialect.name, words)


# ----------------------------------------------------------------------------- lists


def _matching_ids(session: Session, cache: _Cache, generation: int, filters: Filters) -> _IdList:
    """The live questions matching the bank filters (not the status), in list order; cached."""
    words = _query_words(filters.q)
    key = ("ids", filters.topic, filters.difficulty, filters.type, words)
    found = cache.get(generation, key)
    if found is not None:
        return found
    stmt = select(Question.id).join(Topic, Topic.id == Question.topic_id).where(Question.archived == False)  # noqa: E712
    if filters.topic:
        stmt = stmt.where(Topic.slug == filters.topic)
    if filters.difficulty:
        stmt = stmt.where(Question.difficulty == filters.difficulty)
    if filters.type:
        stmt = stmt.where(Question.type == filters.type)
    if words:
        stmt = stmt.where(_match_clause(session.get_bind().dialect.name, words))
    ids = np.array(session.scalars(stmt.order_by(Topic.position, Question.id)).all(), dtype=np.int64)
    found = _IdList(ids)
    cache.put(generation, key, found, len(ids))
    return found


def _status_ids(session: Session, user_id: int, status: str) -> np.ndarray:
    """The distinct question ids a status selects among one user's rows (new: the ones answered)."""
    if status == "new":
        stmt = select(Attempt.question_id).where(Attempt.user_id == user_id).distinct()
    elif status == "missed":
        latest = select(func.max(Attempt.id)).where(Attempt.user_id == user_id).group_by(Attempt.question_id)
        stmt = select(Attempt.question_id).where(Attempt.id.in_(latest.scalar_subquery()), Attempt.correct == False)  # noqa: E712
    elif status == "due":
        stmt = select(ReviewCard.question_id).where(ReviewCard.user_id == user_id, ReviewCard.due <= utcnow())
    else:  # mastered
        stability = func.json_extract(ReviewCard.card, "$.stability") if session.get_bind().dialect.name == "sqlite" \
            else ReviewCard.card["stability"].as_float()
        stmt = select(ReviewCard.question_id).where(ReviewCard.user_id == user_id, stability >= MASTERED_STABILITY_DAYS)
    return np.unique(np.array(session.scalars(stmt).all(), dtype=np.int64))


_PAGE_ROWS = (
    select(Question.id, Question.slug, Question.topic_id, Question.difficulty, Question.type, Question.summary,
           Question.summary_html)
    .where(Question.id.in_(bindparam("ids", expanding=True)))
)
_PAGE_LAST = (
    select(Attempt.question_id, Attempt.score, Attempt.correct)
    .where(Attempt.id.in_(
        select(func.max(Attempt.id))
        .where(Attempt.user_id == bindparam("user_id"), Attempt.question_id.in_(bindparam("ids", expanding=True)))
        .group_by(Attempt.question_id)
        .scalar_subquery()
    ))
)
_PAGE_CARDS = (
    select(ReviewCard.question_id, ReviewCard.due, ReviewCard.card)
    .where(ReviewCard.user_id == bindparam("user_id"), ReviewCard.question_id.in_(bindparam("ids", expanding=True)))
)


def list_questions(
    session: Session, *, filters: Filters, user_id: int | None, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """One page of questions matching the filters, and how many match in all."""
    if filters.status and user_id is None and filters.status != "new":
        return [], 0  # without a user nothing is due, mastered or missed (and everything is new)
    cache = _cache_for(session)
    generation = bank_generation(session)
    matching = _matching_ids(session, cache, generation, filters)
    limit, offset = max(limit, 0), max(offset, 0)
    if filters.status and user_id is not None:
        positions = matching.positions_of(_status_ids(session, user_id, filters.status))
        if filters.status == "new":
            keep = np.ones(len(matching.ids), dtype=bool)
            keep[positions] = False
            positions = np.flatnonzero(keep)
        total = len(positions)
        page_ids = matching.ids[positions[offset:offset + limit]].tolist()
    else:
        total = len(matching.ids)
        page_ids = matching.ids[offset:offset + limit].tolist()
    if not page_ids:
        return [], total
    topics = _topics(session, cache, generation)
    rows = {r[0]: r for r in session.execute(_PAGE_ROWS, {"ids": page_ids})}
    last: dict[int, tuple[float, bool]] = {}
    cards: dict[int, tuple[Any, Any]] = {}
    if user_id is not None:
        params = {"ids": page_ids, "user_id": user_id}
        last = {qid: (score, correct) for qid, score, correct in session.execute(_PAGE_LAST, params)}
        cards = {qid: (due, card) for qid, due, card in session.execute(_PAGE_CARDS, params)}
    items = []
    now = utcnow()
    for qid in page_ids:
        row = rows.get(qid)
        if row is None:
            continue  # deleted since the list was cached (the next request sees a new generation)
        _id, slug, topic_id, difficulty, qtype, summary, summary_html = row
        topic = topics.get(topic_id)
        item = {
            "id": qid, "slug": slug, "topic": topic[0] if topic else "", "topic_name": topic[1] if topic else "",
            "difficulty": difficulty, "type": qtype, "prompt": summary, "prompt_html": summary_html,
            "status": "new",
        }
        if user_id is not None:
            score, correct = last.get(qid, (None, None))
            due, card = cards.get(qid, (None, None))
            if score is not None:
                item["status"] = "missed" if not correct else "answered"
                item["last_score"] = score
            if due is not None and due <= now:
                item["status"] = "due"
            elif card and (card.get("stability") or 0) >= MASTERED_STABILITY_DAYS:
                item["status"] = "mastered"
        items.append(item)
    return items, total


__all__ = ["STATUSES", "Filters", "bank_generation", "clear_cache", "find_question", "fts_match", "list_questions",
           "topics_overview"]
