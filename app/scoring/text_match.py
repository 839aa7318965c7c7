"""Find a rubric's key points in a free-text answer: fuzzy, order-free, negation-aware.

A phrasing matches when enough of its content words (stopwords dropped, all words stemmed)
appear close together in the answer:

- each phrasing word matches an answer word by rapidfuzz ``ratio`` on stems, with a threshold
  by length: words of up to 3 characters, numbers and acronyms written in capitals in the
  rubric ("GPU", "MSE", "LSTM") need an exact match; 4-letter words allow one inserted letter
  (ratio 88); longer words allow about one typo (80 for 5 letters, 83 from 6);
- a word split or joined differently also matches ("back propagation" / "backpropagation");
- the matched words may come in any order within a window of 2m + 2 answer words, where m is
  the phrasing's number of content words; all of them are needed for m <= 2, one may be
  missing for 3 <= m <= 5, 80% for longer ones; negation words in a phrasing are always needed;
- negation guard: the match earns nothing when a negation (not, no, never, without, neither,
  nor, none, lack... and n't) stands in the same clause within 4 words before the match or
  inside it, unless the phrasing itself contains a negation. Clauses end at punctuation and at
  words such as "but", "which", "although", so "prevents overfitting, which does not ..." counts;
- prompt copy: answer words inside a run of 4 or more words shared with the prompt are ignored;
  for a phrasing that the prompt itself contains, runs of 3 or more are ignored too, so
  restating the question earns nothing.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from app.scoring.text_normalize import (
    NEGATIONS,
    STOPWORDS,
    Tokens,
    fold,
    negation_positions,
    stem,
    tokenize,
)

_RAW_WORD = re.compile(r"[^\W_]+")
NEGATION_WINDOW = 4  # words before a match that a negation may stand at
COPY_RUN = 4  # shared word run with the prompt that counts as copied
GIVEN_AWAY_RUN = 3  # the same, for phrasings that the prompt itself contains


def _threshold(token: str, exact: bool) -> float:
    if exact or len(token) <= 3 or not token.isalpha():
        return 100.0
    if len(token) == 4:
        return 88.0  # one inserted letter ("bias"/"biass"), not a changed one ("loss"/"less")
    if len(token) == 5:
        return 80.0  # one changed letter ("separ"/"seper")
    return 83.0  # one changed or swapped letter, but not "line" for "linear"


@dataclass(frozen=True)
class Phrasing:
    """One accepted phrasing as vocabulary ids, with what it needs to match."""

    text: str
    ids: tuple[int, ...]
    need: int
    required: frozenset[int]  # positions in ids that must match (negation words)
    negated: bool  # the phrasing itself contains a negation: skip the guard


@dataclass(frozen=True)
class Point:
    """One key point of a compiled rubric."""

    label: str
    weight: float
    phrasings: tuple[Phrasing, ...]


@dataclass(frozen=True, eq=False)  # hashed by identity: compile_rubric caches one per rubric
class CompiledRubric:
    """A rubric normalised once: its vocabulary of stems and the phrasings as stem ids."""

    points: tuple[Point, ...]
    vocab: tuple[str, ...]
    thresholds: np.ndarray
    index: dict[str, int]
    join_heads: frozenset[str]  # first words of pairs that may join into a rubric word

    @property
    def total_weight(self) -> float:
        return sum(p.weight for p in self.points)


def _need(m: int) -> int:
    if m <= 2:
        return m
    if m <= 5:
        return m - 1
    return math.ceil(0.8 * m)


def _content_tokens(phrasing: str) -> list[tuple[str, bool, str]]:
    """(stem, needs an exact match, word) for each content word of a phrasing."""
    # Acronyms ("GPU", "GPUs", "L2") are spotted before folding, while the capitals are there.
    acronyms = {
        fold(w)
        for w in _RAW_WORD.findall(phrasing)
        if len(w) >= 2 and (w.isupper() or (w.endswith("s") and w[:-1].isupper()))
    }
    words = tokenize(phrasing).words
    content = [w for w in words if w not in STOPWORDS] or list(words)
    return [(stem(w), w in acronyms, w) for w in content]


@lru_cache(maxsize=512)
def compile_rubric(key: tuple[tuple[str, float, tuple[str, ...]], ...]) -> CompiledRubric:
    """Compile a rubric given as ((point, weight, (phrasing, ...)), ...); cached."""
    vocab: dict[str, int] = {}
    exact: dict[int, bool] = {}

    def vid(token: str, is_exact: bool) -> int:
        i = vocab.setdefault(token, len(vocab))
        exact[i] = exact.get(i, False) or is_exact
        return i

    points = []
    for label, weight, phrasings in key:
        compiled: list[Phrasing] = []
        for text in phrasings:
            toks = _content_tokens(text)
            if not toks:
                continue
            ids = tuple(vid(t, ex) for t, ex, _ in toks)
            negs = frozenset(k for k, (_, _, w) in enumerate(toks) if w in NEGATIONS)
            need = _need(len(ids))
            compiled.append(Phrasing(text, ids, need, negs, bool(negs)))
            # "back propagation" in the rubric also matches "backpropagation" in an answer: a
            # variant with the pair joined, which only counts where the joined word appears
            # exactly (fuzzy joins let "dropout" pass for "drop units").
            for j in range(len(toks) - 1):
                a, b = toks[j][2], toks[j + 1][2]
                if len(a + b) < 6 or a in NEGATIONS or b in NEGATIONS or not (a + b).isalpha():
                    continue
                var_ids = tuple(vid(t, ex) for t, ex, _ in toks[:j]) + (vid(stem(a + b), True),)
                var_ids += tuple(vid(t, ex) for t, ex, _ in toks[j + 2 :])
                required = frozenset({j} | {k if k < j else k - 1 for k in negs})
                compiled.append(
                    Phrasing(text, var_ids, max(len(required), need - 1), required, bool(negs))
                )
        points.append(Point(label, float(weight), tuple(compiled)))
    words = tuple(vocab)
    thresholds = np.array([_threshold(w, exact[i]) for i, w in enumerate(words)], dtype=np.float32)
    # Any prefix of a long rubric word may be the first half of a split word in an answer.
    heads = frozenset(w[:k] for w in words if len(w) >= 6 for k in range(2, len(w) - 1))
    return CompiledRubric(tuple(points), words, thresholds, dict(vocab), heads)


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def rubric_key(rubric: Sequence[Any]) -> tuple[tuple[str, float, tuple[str, ...]], ...]:
    """A hashable form of a rubric of KeyPoint models or dicts, for the compile cache."""
    return tuple(
        (
            str(_get(kp, "point", "")),
            float(_get(kp, "weight", 1.0) or 1.0),
            tuple(str(p) for p in _get(kp, "phrasings", ()) or ()),
        )
        for kp in rubric
    )


def _shared_runs(
    answer: tuple[str, ...], prompt_grams: frozenset[tuple[str, ...]], n: int
) -> np.ndarray:
    """Mask of answer words inside a run of n or more words that also occurs in the prompt."""
    mask = np.zeros(len(answer), dtype=bool)
    for i in range(len(answer) - n + 1):
        if answer[i : i + n] in prompt_grams:
            mask[i : i + n] = True
    return mask


@lru_cache(maxsize=256)
def _prompt_info(prompt: str) -> tuple[Tokens, frozenset, frozenset]:
    toks = tokenize(prompt)
    s = toks.stems
    grams = {
        n: frozenset(tuple(s[i : i + n]) for i in range(len(s) - n + 1))
        for n in (COPY_RUN, GIVEN_AWAY_RUN)
    }
    return toks, grams[COPY_RUN], grams[GIVEN_AWAY_RUN]


class _Matches:
    """Which answer words each rubric word matches: one fuzzy comparison per distinct word."""

    def __init__(self, toks: Tokens, rubric: CompiledRubric) -> None:
        self.toks = toks
        uniq, inverse = np.unique(np.array(toks.stems, dtype=object), return_inverse=True)
        self.stem_ids = inverse.reshape(-1)
        self.n_uniq = len(uniq)
        if len(uniq) and rubric.vocab:
            sim = cdist(rubric.vocab, list(uniq), scorer=fuzz.ratio, dtype=np.float32, workers=1)
            self.hits = sim >= rubric.thresholds[:, None]
        else:
            self.hits = np.zeros((len(rubric.vocab), len(uniq)), dtype=bool)
        # Joined neighbours: "back propagation" in an answer matches "backpropagation".
        self.joined: dict[int, list[tuple[int, int]]] = {}
        words = toks.words
        heads = rubric.join_heads
        for i in range(len(words) - 1):
            if words[i] in heads:
                v = rubric.index.get(stem(words[i] + words[i + 1]))
                if v is not None:
                    self.joined.setdefault(v, []).append((i, i + 1))

    def view(self, usable: np.ndarray) -> _Answer:
        """The matches restricted to the usable answer words."""
        return _Answer(self, usable)


class _Answer:
    """Where each rubric word occurs among the usable words; positions computed lazily."""

    def __init__(self, matches: _Matches, usable: np.ndarray) -> None:
        self.toks = matches.toks
        self._m = matches
        self._usable = usable
        self._u_ok = np.bincount(matches.stem_ids[usable], minlength=matches.n_uniq) > 0
        self._joined = {
            v: [(a, b) for a, b in spans if usable[a] and usable[b]]
            for v, spans in matches.joined.items()
        }
        self.present = (matches.hits & self._u_ok).any(axis=1)
        for v, spans in self._joined.items():
            if spans:
                self.present[v] = True
        self._cache: dict[int, list[tuple[int, int]]] = {}

    def spans(self, v: int) -> list[tuple[int, int]]:
        """(start, end) word spans where rubric word v occurs."""
        got = self._cache.get(v)
        if got is None:
            matched = self._m.hits[v] & self._u_ok  # over distinct answer words
            where = np.flatnonzero(matched[self._m.stem_ids] & self._usable)
            got = [(int(p), int(p)) for p in where] + self._joined.get(v, [])
            self._cache[v] = got
        return got


def _negated(
    start: int,
    end: int,
    used: set[int],
    negs: list[int],
    clauses: tuple[int, ...],
    positions: list[int],
) -> bool:
    """Whether a negation before or inside the match, in the same clause, reverses it."""
    lo, hi = bisect_left(negs, start - NEGATION_WINDOW), bisect_right(negs, end)
    for p in negs[lo:hi]:
        if p in used:
            continue
        after = [q for q in positions if q > p]
        if after and clauses[after[0]] == clauses[p]:
            return True
    return False


def _phrasing_found(ph: Phrasing, ans: _Answer, negs: list[int]) -> tuple[bool, bool]:
    """(found, found only in negated form) for one phrasing."""
    present = [k for k, v in enumerate(ph.ids) if ans.present[v]]
    if len(present) < ph.need or not ph.required.issubset(present):
        return False, False
    events = sorted((s, e, k) for k in present for s, e in ans.spans(ph.ids[k]))
    max_span = 2 * len(ph.ids) + 2
    negated_seen = False
    for li, (s0, _, _) in enumerate(events):
        chosen: dict[int, tuple[int, int]] = {}
        for s, e, k in events[li:]:
            if s - s0 >= max_span:
                break
            if k not in chosen and e - s0 < max_span:
                chosen[k] = (s, e)
        if len(chosen) < ph.need or not ph.required.issubset(chosen):
            continue
        if ph.negated:
            return True, False
        positions = sorted({p for s, e in chosen.values() for p in range(s, e + 1)})
        end = positions[-1]
        if _negated(s0, end, set(positions), negs, ans.toks.clauses, positions):
            negated_seen = True
            continue
        return True, False
    return False, negated_seen


@dataclass(frozen=True)
class PointResult:
    """Whether one key point was found, and whether it was only found negated."""

    label: str
    weight: float
    found: bool
    negated: bool


def match_rubric(answer: str, rubric: CompiledRubric, prompt: str = "") -> list[PointResult]:
    """Which key points of a compiled rubric the answer covers."""
    toks = tokenize(answer)
    n = len(toks.words)
    usable = np.ones(n, dtype=bool)
    strict = usable
    given_away: set[str] = set()
    if prompt.strip() and n:
        p_toks, grams4, grams3 = _prompt_info(prompt)
        usable = ~_shared_runs(toks.stems, grams4, COPY_RUN)
        strict = usable & ~_shared_runs(toks.stems, grams3, GIVEN_AWAY_RUN)
        given_away = _given_away(prompt, rubric)
    matches = _Matches(toks, rubric)
    ans = matches.view(usable)
    ans_strict = matches.view(strict) if given_away else ans
    negs = negation_positions(toks.words)
    results = []
    for point in rubric.points:
        found = negated = False
        for ph in point.phrasings:
            target = ans_strict if ph.text in given_away else ans
            f, neg = _phrasing_found(ph, target, negs)
            negated |= neg
            if f:
                found = True
                break
        results.append(PointResult(point.label, point.weight, found, negated and not found))
    return results


@lru_cache(maxsize=256)
def _given_away(prompt: str, rubric: CompiledRubric) -> frozenset[str]:
    """Phrasings that the prompt itself contains."""
    toks = _prompt_info(prompt)[0]
    ans = _Matches(toks, rubric).view(np.ones(len(toks.words), dtype=bool))
    negs = negation_positions(toks.words)
    return frozenset(
        ph.text for pt in rubric.points for ph in pt.phrasings if _phrasing_found(ph, ans, negs)[0]
    )
