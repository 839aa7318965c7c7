"""Grow a migrated deepprep SQLite file to a large bank quickly, for bench/run.py --large.

The real bank (questions/) is loaded first by `deepprep migrate`; this adds variants of those
questions until the bank holds `total` questions. Each variant is the template's spec with a new
slug and two extra tags drawn from a vocabulary (so searches have varied selectivity); its
search text, summary and hash come from app.bank's own functions; every other column (the rendered
HTML included, which the new tags do not change) is copied from the template's rows. Rows go in with executemany on one transaction:
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
        con.row_factory = sqlite3.Row
        # Every column is copied from the template row, so columns added later come along unchanged.
        templates = con.execute(
            "SELECT q.id AS qid, v.id AS vid FROM questions q JOIN question_versions v ON v.id = q.current_version_id "
            "WHERE q.archived = 0 ORDER BY q.id"
        ).fetchall()
        if not templates:
            raise RuntimeError(f"{db_path} has no questions to copy; run `deepprep migrate` on it first")
        q_rows = [dict(con.execute("SELECT * FROM questions WHERE id = ?", (t["qid"],)).fetchone()) for t in templates]
        v_rows = [dict(con.execute("SELECT * FROM question_versions WHERE id = ?", (t["vid"],)).fetchone())
                  for t in templates]
        specs = [QuestionSpec.model_validate(json.loads(v["spec"])) for v in v_rows]
        have = con.execute("SELECT count(*) FROM questions WHERE archived = 0").fetchone()[0]
        next_q = con.execute("SELECT coalesce(max(id), 0) FROM questions").fetchone()[0] + 1
        next_v = con.execute("SELECT coalesce(max(id), 0) FROM question_versions").fetchone()[0] + 1
        q_cols, v_cols = list(q_rows[0]), list(v_rows[0])
        questions, versions, fts = [], [], []
        for i in range(max(0, total - have)):
            k = i % len(templates)
            base = specs[k]
            slug = f"{q_rows[k]['slug'][:60]}-v{i}"
            spec = base.model_copy(update={"slug": slug, "tags": [*base.tags, rng.choice(VOCAB), rng.choice(VOCAB)]})
            data = spec.model_dump(mode="json")
            qid, vid = next_q + i, next_v + i
            search_text = search_text_of(spec)
            q = dict(q_rows[k], id=qid, slug=slug, current_version_id=vid, search_text=search_text,
                     summary=summary_of(spec.prompt))
            v = dict(v_rows[k], id=vid, question_id=qid, number=1, spec=json.dumps(data), content_hash=spec_hash(data))
            questions.append(tuple(q[c] for c in q_cols))
            versions.append(tuple(v[c] for c in v_cols))
            fts.append((qid, search_text))
        built = time.perf_counter()
        con.execute("BEGIN")
        con.execute("PRAGMA defer_foreign_keys=ON")
        con.executemany(f"INSERT INTO questions ({', '.join(q_cols)}) VALUES ({', '.join('?' * len(q_cols))})",
                        questions)
        con.executemany(f"INSERT INTO question_versions ({', '.join(v_cols)}) VALUES ({', '.join('?' * len(v_cols))})",
                        versions)
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
