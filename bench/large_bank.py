"""Grow a migrated deepprep SQLite file to a large bank quickly, for bench/run.py --large.

The real bank (questions/) is loaded first by `deepprep migrate`; this adds variants of those
questions until the bank holds `total` questions. Each variant is the template's spec with a new
slug and two extra tags drawn from a vocabulary (so searches have varied selectivity); its
search text, summary and hash come from app.bank's own functions, and its rendered HTML is the
template's (the rendered fields do not change). Rows go in with executemany on one transaction:
rendering Markdown 50,000 times through app.bank.create_question would take minutes.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path

from app.bank import search_text_of, spec_hash, summary_of
from app.bank_schema import QuestionSpec

VOCAB = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
    "quebec romeo sierra tango uniform victor whiskey xray yankee zulu amber basalt cobalt dune ember "
    "fjord granite harbor iris jade karst lagoon meadow nectar onyx prairie quartz reef summit tundra "
    "umber valley willow xenon yarrow zephyr"
).split()


def grow(db_path: Path, total: int, *, seed: int = 7) -> dict[str, float]:
    """Add variants until the bank has `total` live questions; returns counts and seconds taken."""
    started = time.perf_counter()
    rng = random.Random(seed)
    con = sqlite3.connect(str(db_path), isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=OFF")
        templates = con.execute(
            "SELECT q.id, q.slug, q.topic_id, q.difficulty, q.type, q.origin, q.created_at, "
            "v.spec, v.html, v.author, v.note, v.created_at "
            "FROM questions q JOIN question_versions v ON v.id = q.current_version_id "
            "WHERE q.archived = 0 ORDER BY q.id"
        ).fetchall()
        if not templates:
            raise RuntimeError(f"{db_path} has no questions to copy; run `deepprep migrate` on it first")
        specs = [QuestionSpec.model_validate(json.loads(t[7])) for t in templates]
        have = con.execute("SELECT count(*) FROM questions WHERE archived = 0").fetchone()[0]
        next_q = con.execute("SELECT coalesce(max(id), 0) FROM questions").fetchone()[0] + 1
        next_v = con.execute("SELECT coalesce(max(id), 0) FROM question_versions").fetchone()[0] + 1
        questions, versions, fts = [], [], []
        for i in range(max(0, total - have)):
            k = i % len(templates)
            t, base = templates[k], specs[k]
            slug = f"{t[1][:60]}-v{i}"
            spec = base.model_copy(update={"slug": slug, "tags": [*base.tags, rng.choice(VOCAB), rng.choice(VOCAB)]})
            data = spec.model_dump(mode="json")
            qid, vid = next_q + i, next_v + i
            search_text = search_text_of(spec)
            questions.append((qid, slug, t[2], t[3], t[4], 0, t[5], vid, search_text, summary_of(spec.prompt), t[6], t[6]))
            versions.append((vid, qid, 1, json.dumps(data), spec_hash(data), t[8], t[9], t[10], t[11]))
            fts.append((qid, search_text))
        built = time.perf_counter()
        con.execute("BEGIN")
        con.execute("PRAGMA defer_foreign_keys=ON")
        con.executemany(
            "INSERT INTO questions (id, slug, topic_id, difficulty, type, archived, origin, current_version_id, "
            "search_text, summary, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", questions)
        con.executemany(
            "INSERT INTO question_versions (id, question_id, number, spec, content_hash, html, author, note, created_at) "
            "VALUES (?,?,?,?,?,?,?,?,?)", versions)
        con.executemany("INSERT INTO question_fts (rowid, body) VALUES (?, ?)", fts)
        con.execute("COMMIT")
        count = con.execute("SELECT count(*) FROM questions WHERE archived = 0").fetchone()[0]
    finally:
        con.close()
    done = time.perf_counter()
    return {"questions": count, "added": len(questions), "build_s": built - started, "insert_s": done - built}


if __name__ == "__main__":
    import sys

    print(grow(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 50_000))
