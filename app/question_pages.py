"""The question page's hot path: the current version by slug, the viewer's instance, the page from cache.

A question page is the same for everyone who sees the same version and seed, but for the CSRF token,
the time it was shown and the "new numbers" link; it is rendered once per process
(app.templating.render_once) and the rest is filled in per request. The slug's current version is
remembered for the bank's generation (see app.db.Database), so a page costs no query for a question
without a seed, and one indexed count for a computed or choice question.
"""

from __future__ import annotations

import hashlib
import time

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import bindparam, func, select

from app.answers import MAX_SEED
from app.db import Database
from app.lru import MISSING
from app.models import Attempt
from app.questions_view import QuestionRef, load_question, new_seed, question_card, uses_seed
from app.security import Viewer
from app.templating import render_once

_ATTEMPTS = select(func.count()).select_from(Attempt).where(
    Attempt.user_id == bindparam("user_id"), Attempt.question_id == bindparam("question_id"))


def current_question(db: Database, slug: str) -> QuestionRef | None:
    """The current version of a live question by slug or id, remembered for the bank's generation."""
    generation = db.bank_generation()
    key = ("question", slug)
    found = db.bank_memo.get(key, MISSING)
    if found is not MISSING:
        return found
    with db.reading() as session:
        question = load_question(session, slug)
    # Kept only if the bank did not change while it was read (else the next request reads it again).
    if db.bank_generation() == generation:
        db.bank_memo.put(key, question)
    return question


def instance_seed(user_id: int | None, question_id: int, attempts: int) -> int:
    """The seed of a viewer's current instance of a question: the same until they answer it, then a new one."""
    digest = hashlib.blake2b(f"{user_id or 0}:{question_id}:{attempts}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % (MAX_SEED + 1)


def current_seed(db: Database, user_id: int | None, question: QuestionRef) -> int:
    """The viewer's current instance of a question (0 for one whose instance does not depend on a seed)."""
    if not uses_seed(question.spec):
        return 0
    attempts = 0
    if user_id is not None:
        row = db.fetch_one(_ATTEMPTS, {"user_id": user_id, "question_id": question.id})
        attempts = row[0] if row else 0
    return instance_seed(user_id, question.id, attempts)


def page(request: Request, question: QuestionRef, seed: int) -> HTMLResponse:
    """The question page for one instance, from the per-process page cache."""
    key = ("question", question.id, question.slug, question.topic, question.topic_name, question.version_id,
           question.version_number, question.content_hash, seed)
    fills = {"shown_at": str(int(time.time()))}
    if question.type == "computed":  # the "New numbers" link
        fills["new_seed"] = str(new_seed())
    return render_once(request, "practice/question.html", key,
                       lambda: {"q": question_card(question, seed)[1], "answer": "", "chosen": [], "error": None},
                       fills)


def viewer_seed(db: Database, viewer: Viewer, question: QuestionRef, requested: int | None) -> int:
    """The seed asked for, else the viewer's current instance."""
    return requested if requested is not None else current_seed(db, viewer.user_id, question)
