"""The real question bank: it passes check-bank, covers the seed inventory, meets its counts, and
is written in its own words rather than copied from the seed articles."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from app.bank_check import check_bank
from app.bank_schema import TopicFile
from app.generators import GENERATORS

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "questions"
COVERAGE = QUESTIONS / "COVERAGE.md"
IDS_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "inventory_ids.txt"
SHARED = Path(os.environ.get("DEEPPREP_SHARED_DIR", ROOT.parent / "shared"))
INVENTORY = SHARED / "seed-inventory.md"
SEEDS = SHARED / "seeds"

# The five seed articles the bank was written from; a question's `sources` must name these.
SEED_FILES = frozenset({
    "000_23a22299b7fc5705.txt",
    "001_d1d24df01581b4e0.txt",
    "002_1301605724c27acd.txt",
    "003_33668193e0d43cde.txt",
    "004_cf13cee43194a948.txt",
})
ERRORS = [f"E{i:02d}" for i in range(1, 95)]
QUICK_SEEDS = 10  # seeds per computed question in the default run (the full 200 is marked slow)
COPY_RUN = 12  # words in a row shared with a seed that count as copied
SLUG_CELL = re.compile(r"`([a-z0-9]+(?:-[a-z0-9]+)*)`")


@lru_cache(maxsize=1)
def topics() -> tuple[TopicFile, ...]:
    """Every topic file of the real bank, validated by the schema."""
    return tuple(TopicFile.model_validate(yaml.safe_load(p.read_text(encoding="utf-8")))
                 for p in sorted(QUESTIONS.glob("*.yaml")))


def questions() -> list:
    return [q for t in topics() for q in t.questions]


def bank_slugs() -> set[str]:
    return {q.slug for q in questions()}


def committed_ids() -> list[str]:
    return [line.strip() for line in IDS_FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]


def inventory_ids(text: str) -> list[str]:
    """The ids of the inventory's section 1 table, in order."""
    section = text.split("## 1. Coverage table", 1)[1].split("### 1a", 1)[0]
    return re.findall(r"^\|\s*\d+\s*\|\s*`([a-z0-9-]+)`\s*\|", section, flags=re.M)


def table(section_title: str) -> dict[str, str]:
    """The two-column table under a COVERAGE.md heading: first cell (backticks removed) -> second cell."""
    text = COVERAGE.read_text(encoding="utf-8")
    start = text.index(section_title)
    body = text[start:].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 2 or set(cells[0]) <= {"-"} or cells[0] in ("id", "error", "lines"):
            continue
        rows[cells[0].strip("`")] = cells[1]
    return rows


# (a) check-bank finds no problems ---------------------------------------------------------------

def test_check_bank_finds_no_problems():
    """Schema, unique slugs, self-scoring, rendering and a few seeds of every generator."""
    problems = check_bank(QUESTIONS, seeds=QUICK_SEEDS)
    assert not problems, "\n".join(str(p) for p in problems)


@pytest.mark.slow
def test_check_bank_full_seeds():
    """The same with the default 200 seeds per computed question (about 40 s on 2 busy cores)."""
    problems = check_bank(QUESTIONS)
    assert not problems, "\n".join(str(p) for p in problems)


# (b) COVERAGE.md maps the inventory -------------------------------------------------------------

def test_committed_id_list_matches_inventory():
    """tests/fixtures/inventory_ids.txt is a faithful copy of the inventory's section 1 ids."""
    if not INVENTORY.exists():
        pytest.skip(f"{INVENTORY} is not available")
    assert inventory_ids(INVENTORY.read_text(encoding="utf-8")) == committed_ids()


def test_committed_id_list_shape():
    ids = committed_ids()
    assert len(ids) == 106
    assert len(set(ids)) == 106
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", i) for i in ids)


def test_coverage_maps_every_inventory_id_to_existing_slugs():
    rows = table("## 1. Inventory section 1")
    slugs = bank_slugs()
    for inventory_id in committed_ids():
        assert inventory_id in rows, f"COVERAGE.md does not map {inventory_id}"
        named = SLUG_CELL.findall(rows[inventory_id])
        assert named, f"{inventory_id} has no slugs"
        unknown = [s for s in named if s not in slugs]
        assert not unknown, f"{inventory_id}: unknown slugs {unknown}"
    assert set(rows) == set(committed_ids()), "COVERAGE.md maps ids that are not in the inventory"


def test_coverage_accounts_for_every_error():
    """Every E01..E94 names the slugs that correct it, or says in words why no question is needed."""
    rows = table("## 2. Inventory section 2")
    slugs = bank_slugs()
    assert set(rows) == set(ERRORS)
    for error, cell in rows.items():
        named = SLUG_CELL.findall(cell)
        if named:
            unknown = [s for s in named if s not in slugs]
            assert not unknown, f"{error}: unknown slugs {unknown}"
        else:
            assert cell.lower().startswith("no question needed"), f"{error} has neither slugs nor a reason"
    assert sum(not SLUG_CELL.findall(c) for c in rows.values()) <= 5, "too many errors left uncorrected"


def test_coverage_orphans_name_existing_slugs():
    rows = table("## 3. Orphan answers")
    slugs = bank_slugs()
    assert len(rows) >= 40
    for lines, cell in rows.items():
        assert all(s in slugs for s in SLUG_CELL.findall(cell)), lines


# (c) counts and shape ---------------------------------------------------------------------------

def test_bank_counts():
    qs = questions()
    assert len(qs) >= 150
    assert len({t.topic for t in topics()}) >= 14
    assert sum(q.type in ("single_choice", "multiple_choice") for q in qs) >= 40
    generators = {q.generator for q in qs if q.type == "computed"}
    assert len(generators) >= 20
    assert generators <= set(GENERATORS)


def test_slugs_are_unique_across_files():
    slugs = [q.slug for q in questions()]
    assert len(slugs) == len(set(slugs))


def test_every_wrong_option_says_why():
    for q in questions():
        for option in q.options or []:
            if not option.correct:
                assert len(option.why.strip()) >= 10, f"{q.slug}: option {option.text!r} has no why"


def test_every_question_cites_seed_files():
    if SEEDS.is_dir():
        assert {p.name for p in SEEDS.glob("*.txt")} == SEED_FILES
    for q in questions():
        assert q.sources, f"{q.slug} has no sources"
        assert set(q.sources) <= SEED_FILES, f"{q.slug}: unknown sources {set(q.sources) - SEED_FILES}"


# (d) in the project's own words -----------------------------------------------------------------

def words(text: str) -> list[str]:
    """Lower-case words and numbers; punctuation and case do not matter."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "'"))


def prose(text: str) -> str:
    """Markdown without code and math, which may legitimately match a seed's formulas or code."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    return re.sub(r"\$[^$\n]*\$", " ", text)


def copied_runs(text: str, seed_runs: set[tuple[str, ...]]) -> list[str]:
    w = words(prose(text))
    found = []
    for i in range(len(w) - COPY_RUN + 1):
        run = tuple(w[i:i + COPY_RUN])
        # a run of mostly numbers or symbols is a formula or a data listing, not a sentence
        if run in seed_runs and sum(t.isalpha() and len(t) > 1 for t in run) >= COPY_RUN // 2:
            found.append(" ".join(run))
    return found


def test_no_sentences_copied_from_the_seeds():
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is not available")
    seed_runs: set[tuple[str, ...]] = set()
    for path in SEEDS.glob("*.txt"):
        w = words(path.read_text(encoding="utf-8"))
        seed_runs.update(tuple(w[i:i + COPY_RUN]) for i in range(len(w) - COPY_RUN + 1))
    copies = []
    for q in questions():
        fields = {"prompt": q.prompt, "model_answer": q.model_answer, "explanation": q.explanation}
        for n, option in enumerate(q.options or []):
            fields[f"option {n}"] = f"{option.text}\n{option.why}"
        for name, text in fields.items():
            copies += [f"{q.slug} {name}: {run}" for run in copied_runs(text, seed_runs)]
    assert not copies, "\n".join(copies)


def test_copy_check_catches_a_copied_sentence():
    """The copy check itself works: a seed-like sentence is found, code and formulas are allowed."""
    sentence = "the quick model learns features from raw data in every layer of the deep network today"
    runs = {tuple(words(sentence)[i:i + COPY_RUN]) for i in range(len(words(sentence)) - COPY_RUN + 1)}
    assert copied_runs("Intro. The quick model LEARNS features, from raw data in every layer of the deep network!", runs)
    assert not copied_runs(f"`{sentence}`", runs)
    assert not copied_runs(f"$ {sentence} $", runs)
