"""Find a rubric's key points in a free-text answer: fuzzy, order-free, negation-aware.

A phrasing matches when enough of its content words (stopwords dropped, all words stemmed)
appear close together in the answer:

- each phrasing word matches an answer word by rapidfuzz ``ratio`` on stems. Words of up to 3
  characters, numbers and acronyms written in capitals in the rubric ("GPU", "MSE", "LSTM")
  need an exact match. Otherwise the first letter must be the same ("ravines" is not "train",
  "unlabelled" not "labelled") and: 4-6 letter stems allow one inserted or dropped letter
  (ratio 88), two swapped neighbours ("nueron"), or one changed vowel inside words of 8 or
  more letters ("seperable"); longer stems allow about one typo (83). Stopwords in the answer
  ("with", "though") match only themselves;
- a word split or joined differently also matches ("back propagation" / "backpropagation");
- the matched words may come in any order within a window of 2m + 2 answer words, where m is
  the phrasing's number of words; all content words are needed for up to 2, one may be
  missing for 3 to 5, 80% for longer ones. Negations in a phrasing are needed on top, and so
  are words that carry its polarity: preventive words ("prevents") and words with a negative
  prefix ("inseparable");
- polarity: a negation in a phrasing is a slot that any negation in the answer fills (not,
  no, never, without, lack, n't, "unable", "impossible"; a preventive word: prevent, avoid,
  stop; a word with a negative prefix: "inseparable" = not + "separable"). A phrasing also
  matches in antonymic form: "prevents co-adaptation" as "<negation> co-adaptation" (so
  "units can't co-adapt" counts), "linearly inseparable" as "linearly <negation> separable"
  (so "not linearly separable" counts). A negation next to a preventive or diminishing word
  fills no slot: "does not prevent/avoid/reduce X" is no "<negation> X";
- negation guard: a match earns nothing when a negation it did not use stands in the same
  clause within 4 words before the match or inside it; a prefixed word voids a match of its
  base ("unbounded" for "bounded"); for a phrasing with a negation slot, an unused preventive
  or diminishing word there voids it too. Clauses end at punctuation and at words such as
  "but", "which", "although", so "prevents overfitting, which does not ..." counts;
- prompt copy: answer words inside a run of 4 or more words shared with the prompt are ignored;
  for a phrasing that the prompt itself contains, runs of 3 or more are ignored too, so
  restating the question earns nothing;
- contradictions (KeyPoint.contradicts) are matched in order, not in any order: the words of a
  part follow each other (only stopwords between), parts split by "..." follow later in the
  same sentence part (ended by . ; ! ? and "and", "but", "while", "whereas" ...), and a gap
  does not pass another subject of the rubric. A matched contradiction, not negated nor
  disowned ("a common mistake is ..."), makes its key point earn nothing; see _Contradictions.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from app.scoring.text_normalize import (
    DIMINISHERS,
    NEGATING_WORDS,
    NEGATIONS,
    PREVENTIVES,
    STOPWORDS,
    Tokens,
    fold,
    negation_positions,
    negative_prefix_base,
    stem,
    tokenize,
)

_RAW_WORD = re.compile(r"[^\W_]+")
_GAP = re.compile(r"\s*(?:\.\.\.|\u2026)\s*")  # "..." in a contradiction: any gap
NEGATION_WINDOW = 4  # words before a match that a negation may stand at
COPY_RUN = 4  # shared word run with the prompt that counts as copied
GIVEN_AWAY_RUN = 3  # the same, for phrasings that the prompt itself contains


NEG = -1  # a negation slot in a phrasing: filled by any negation in the answer
_DIRECT, _VIA_BASE, _NEG_FILL = 0, 1, 2  # how an answer word matched a phrasing word
_SLIP_LENGTHS = (5, 6)
_VOWELS = frozenset("aeiouy")  # stem lengths where one changed letter needs the checks of _one_slip


def _threshold(token: str, exact: bool) -> float:
    if exact or len(token) <= 3 or not token.isalpha():
        return 100.0
    if len(token) <= 6:
        # one inserted or dropped letter ("bias"/"biass", "train"/"tran"), not a changed one
        # ("loss"/"less", "layer"/"later"): see _one_slip for the exceptions
        return 88.0
    return 83.0  # one changed or swapped letter, but not "line" for "linear"


def _vowel_slip(a: str, b: str) -> bool:
    """Long words that differ in one vowel only ("seperable"/"separable")."""
    if len(a) < 8 or len(a) != len(b):
        return False
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(diff) == 1 and diff[0][0] in _VOWELS and diff[0][1] in _VOWELS


def _one_slip(rubric_stem: str, rubric_words: frozenset[str], stem_: str, words: set[str]) -> bool:
    """A 5-6 letter stem with two neighbours swapped or one letter changed, taken as a typo.

    Swapped neighbours ("nueron") always; a changed letter only when the words are long and
    differ by one vowel ("seperable" for "separable"): short words a letter apart are often
    other words ("sample"/"simple", "layer"/"later"), and so are long words a consonant apart
    ("training"/"trailing").
    """
    if len(rubric_stem) != len(stem_):
        return False
    diff = [i for i, (a, b) in enumerate(zip(rubric_stem, stem_, strict=True)) if a != b]
    if len(diff) == 1:
        return any(_vowel_slip(a, b) for a in rubric_words for b in words)
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and rubric_stem[diff[0]] == stem_[diff[1]]
        and rubric_stem[diff[1]] == stem_[diff[0]]
    )


@dataclass(frozen=True)
class Phrasing:
    """One accepted phrasing (or a variant of it) as vocabulary ids, with what it needs."""

    text: str
    ids: tuple[int, ...]  # vocabulary ids; NEG for a negation slot
    need: int
    required: frozenset[int]  # positions in ids that must match (negation slots, joined words)
    has_neg: bool  # the phrasing contains a negation slot

    @cached_property
    def distinct_ids(self) -> frozenset[int] | None:
        """The ids as a set when none repeats (then the words present can be counted by intersection)."""
        ids = frozenset(self.ids)
        return ids if len(ids) == len(self.ids) else None


@dataclass(frozen=True)
class Contradiction:
    """A phrasing that states the opposite of a key point, as parts of vocabulary ids.

    The words of a part follow each other in the answer (only stopwords between); the parts
    ("..." in the text) follow in order anywhere later in the same sentence part.
    """

    text: str
    parts: tuple[tuple[int, ...], ...]  # vocabulary ids; NEG for a negation slot

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(v for part in self.parts for v in part)


@dataclass(frozen=True)
class Point:
    """One key point of a compiled rubric."""

    label: str
    weight: float
    phrasings: tuple[Phrasing, ...]
    contradicts: tuple[Contradiction, ...] = ()


@dataclass(frozen=True, eq=False)  # hashed by identity: compile_rubric caches one per rubric
class CompiledRubric:
    """A rubric normalised once: its vocabulary of stems and the phrasings as stem ids."""

    points: tuple[Point, ...]
    vocab: tuple[str, ...]
    thresholds: np.ndarray
    words: tuple[frozenset[str], ...]  # the words of the rubric that gave each stem
    slip_rows: np.ndarray  # vocabulary words for which _one_slip is tried
    index: dict[str, int]
    join_heads: frozenset[str]  # first words of pairs that may join into a rubric word, with the next letter
    # Subjects: words of the first part of contradictions with several parts ("overfitting" in
    # "overfitting ... high bias"); a gap "..." does not reach past another subject.
    subjects: frozenset[int] = frozenset()

    @property
    def total_weight(self) -> float:
        return sum(p.weight for p in self.points)


def _need(m: int) -> int:
    if m <= 2:
        return m
    if m <= 5:
        return m - 1
    return math.ceil(0.8 * m)


# A phrasing word: (stem, needs an exact match, folded word, always needed); stem None for a
# negation slot.
_Tok = tuple[str | None, bool, str, bool]
_NOT: _Tok = (None, False, "not", True)


def _content_tokens(phrasing: str) -> list[_Tok]:
    """The content words of a phrasing; negations become negation slots.

    Words that carry the polarity of the phrasing are always needed: negations, preventive
    words ("prevents") and words with a negative prefix ("inseparable").
    """
    # Acronyms ("GPU", "GPUs", "L2") are spotted before folding, while the capitals are there.
    acronyms = {
        fold(w)
        for w in _RAW_WORD.findall(phrasing)
        if len(w) >= 2 and (w.isupper() or (w.endswith("s") and w[:-1].isupper()))
    }
    words = tokenize(phrasing).words
    content = [w for w in words if w not in STOPWORDS] or list(words)
    toks: list[_Tok] = []
    for w in content:
        if w in NEGATIONS or w in NEGATING_WORDS:
            toks.append(_NOT)
            continue
        st = stem(w)
        exact = w in acronyms
        polar = not exact and (st in PREVENTIVES or negative_prefix_base(w) is not None)
        toks.append((st, exact, w, polar))
    return toks


def _forms(toks: list[_Tok]) -> list[tuple[list[_Tok], int]]:
    """A phrasing and its antonymic variants, each with the number of words it needs.

    - "prevents co-adaptation" also reads as "<negation> co-adaptation", so "units can't
      co-adapt" matches (a preventive word followed by what it prevents);
    - "linearly inseparable" also reads as "linearly <negation> separable".
    """
    forms = [toks]
    for j, (st, ex, _, _) in enumerate(toks[:-1]):
        if st in PREVENTIVES and not ex:
            forms.append(toks[:j] + [_NOT] + toks[j + 1 :])
    split: list[_Tok] = []
    for tok in toks:
        base = None if tok[0] is None or tok[1] else negative_prefix_base(tok[2])
        if base is None:
            split.append(tok)
        else:
            split += [_NOT, (stem(base), False, base, True)]
    if len(split) > len(toks):
        forms.append(split)
    # Negation slots are needed on top of the content words, which may miss one as usual
    # (but not one that carries the polarity: see _content_tokens).
    out = []
    for form in forms:
        n_neg = sum(t[0] is None for t in form)
        n_key = sum(t[3] for t in form)
        out.append((form, max(n_key, n_neg + _need(len(form) - n_neg))))
    return out


@lru_cache(maxsize=512)
def compile_rubric(key: tuple[tuple, ...]) -> CompiledRubric:
    """Compile a rubric given as ((point, weight, (phrasing, ...)[, (contradiction, ...)]), ...).

    Cached; see rubric_key.
    """
    vocab: dict[str, int] = {}
    exact: dict[int, bool] = {}
    raw: dict[int, set[str]] = {}

    def vid(token: str | None, is_exact: bool, word: str = "") -> int:
        if token is None:
            return NEG
        i = vocab.setdefault(token, len(vocab))
        exact[i] = exact.get(i, False) or is_exact
        raw.setdefault(i, set()).add(word or token)
        return i

    points = []
    subjects: set[int] = set()
    for label, weight, phrasings, *rest in key:
        contradicts: list[Contradiction] = []
        for text in rest[0] if rest else ():
            parts = []
            for piece in _GAP.split(text):
                toks = _content_tokens(piece)
                if toks:
                    parts.append(tuple(vid(t, ex, w) for t, ex, w, _ in toks))
            if parts:
                contradicts.append(Contradiction(text, tuple(parts)))
                if len(parts) > 1:
                    subjects.update(v for v in parts[0] if v != NEG)
        compiled: list[Phrasing] = []
        for text in phrasings:
            toks = _content_tokens(text)
            if not toks:
                continue
            for form, need in _forms(toks):
                ids = tuple(vid(t, ex, w) for t, ex, w, _ in form)
                required = frozenset(k for k, t in enumerate(form) if t[3])
                has_neg = NEG in ids
                compiled.append(Phrasing(text, ids, need, required, has_neg))
                # "back propagation" in the rubric also matches "backpropagation" in an answer:
                # a variant with the pair joined, which only counts where the joined word
                # appears exactly (fuzzy joins let "dropout" pass for "drop units").
                for j in range(len(form) - 1):
                    if form[j][0] is None or form[j + 1][0] is None:
                        continue
                    joined = form[j][2] + form[j + 1][2]
                    if len(joined) < 6 or not joined.isalpha():
                        continue
                    var_ids = ids[:j] + (vid(stem(joined), True),) + ids[j + 2 :]
                    var_req = frozenset({j} | {k if k < j else k - 1 for k in required})
                    compiled.append(
                        Phrasing(text, var_ids, max(len(var_req), need - 1), var_req, has_neg)
                    )
        points.append(Point(label, float(weight), tuple(compiled), tuple(contradicts)))
    words = tuple(vocab)
    thresholds = np.array([_threshold(w, exact[i]) for i, w in enumerate(words)], dtype=np.float32)
    slip_rows = (thresholds < 100) & np.isin([len(w) for w in words], _SLIP_LENGTHS)
    # Any prefix of a long rubric word may be the first half of a split word in an answer; kept with
    # the letter that follows it, which the second half must start with (a stem is a prefix of its word).
    heads = frozenset(w[: k + 1] for w in words if len(w) >= 6 for k in range(2, len(w) - 1))
    raws = tuple(frozenset(raw[i]) for i in range(len(words)))
    return CompiledRubric(
        tuple(points),
        words,
        thresholds,
        raws,
        slip_rows,
        dict(vocab),
        heads,
        frozenset(subjects),
    )


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def rubric_key(rubric: Sequence[Any]) -> tuple[tuple, ...]:
    """A hashable form of a rubric of KeyPoint models or dicts, for the compile cache."""
    return tuple(
        (
            str(_get(kp, "point", "")),
            float(_get(kp, "weight", 1.0) or 1.0),
            tuple(str(p) for p in _get(kp, "phrasings", ()) or ()),
            tuple(str(c) for c in _get(kp, "contradicts", ()) or ()),
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


def _fuzzy_hits(rubric: CompiledRubric, stems: list[str], words: list[set[str]]) -> np.ndarray:
    """hits[v, j]: rubric word v matches answer stem j (which stands for the given words)."""
    hits = np.zeros((len(rubric.vocab), len(stems)), dtype=bool)
    if not stems or not rubric.vocab:
        return hits
    sim = cdist(rubric.vocab, stems, scorer=fuzz.ratio, dtype=np.float32, workers=1)
    vocab = rubric.vocab
    # Stopwords in an answer ("with", "though") match only themselves, not "width", "through".
    stop = {j for j, ws in enumerate(words) if ws <= STOPWORDS}
    # The pairs close enough are few, so the other conditions are checked one pair at a time.
    # A typo keeps the first letter: "ravines" is not "train", "unlabelled" not "labelled".
    close = sim >= rubric.thresholds[:, None]
    for v, j in zip(*(a.tolist() for a in np.nonzero(close)), strict=True):
        if vocab[v][0] == stems[j][0] and (j not in stop or sim[v, j] >= 100.0):
            hits[v, j] = True
    slips = rubric.slip_rows[:, None] & ~close & (sim >= 79.9)
    for v, j in zip(*(a.tolist() for a in np.nonzero(slips)), strict=True):
        if (j not in stop and vocab[v][0] == stems[j][0]
                and _one_slip(vocab[v], rubric.words[v], stems[j], words[j])):
            hits[v, j] = True
    return hits


def _near(positions: set[int], p: int, offsets: range, clauses: tuple[int, ...]) -> bool:
    return any(p + d in positions and clauses[p + d] == clauses[p] for d in offsets)


class _Matches:
    """Which answer words each rubric word matches: one fuzzy comparison per distinct word.

    Also where the answer negates: negation words (and "unable"...), which reach the next
    words of their clause; words with a negative prefix whose base is a rubric word
    ("inseparable"), which negate only themselves; and preventive words ("prevents").
    """

    def __init__(self, toks: Tokens, rubric: CompiledRubric) -> None:
        self.toks = toks
        words, stems, clauses = toks.words, toks.stems, toks.clauses
        ids: dict[str, int] = {}
        answer_words: list[set[str]] = []
        stem_ids = []
        for w, st in zip(words, stems, strict=True):
            j = ids.get(st)
            if j is None:
                j = ids[st] = len(ids)
                answer_words.append(set())
            answer_words[j].add(w)
            stem_ids.append(j)
        uniq = list(ids)
        self.stem_ids = np.array(stem_ids, dtype=np.intp)
        self.positions: list[list[int]] = [[] for _ in uniq]  # where each distinct stem occurs
        for i, j in enumerate(stem_ids):
            self.positions[j].append(i)
        self.n_uniq = len(uniq)
        # Bases of negatively prefixed words: "inseparable" also reads as "not separable".
        bases: dict[int, str] = {}
        base_words: dict[str, set[str]] = {}
        for i, w in enumerate(words):
            if w[0] in "inu":
                b = negative_prefix_base(w)
                if b is not None:
                    bases[i] = stem(b)
                    base_words.setdefault(bases[i], set()).add(b)
        base_list = sorted(base_words)
        hits = _fuzzy_hits(
            rubric, uniq + base_list, answer_words + [base_words[b] for b in base_list]
        )
        self.hits = hits[:, : len(uniq)]
        self.base_spans: dict[int, list[int]] = {}
        self_negs = set()
        if base_list:
            col = {b: len(uniq) + j for j, b in enumerate(base_list)}
            for i, b in bases.items():
                matched = np.flatnonzero(hits[:, col[b]])
                if len(matched):
                    self_negs.add(i)
                    for v in matched:
                        self.base_spans.setdefault(int(v), []).append(i)
        # Joined neighbours: "back propagation" in an answer matches "backpropagation".
        self.joined: dict[int, list[tuple[int, int]]] = {}
        heads = rubric.join_heads
        for i in range(len(words) - 1):
            if len(words[i]) >= 2 and words[i] + words[i + 1][0] in heads:
                v = rubric.index.get(stem(words[i] + words[i + 1]))
                if v is not None:
                    self.joined.setdefault(v, []).append((i, i + 1))
        negs = negation_positions(words) + [i for i, w in enumerate(words) if w in NEGATING_WORDS]
        self.negs = sorted(negs)  # negate the next words of their clause
        self.self_negs = frozenset(self_negs)  # negate only themselves
        # Preventive and diminishing words: "does not prevent X" / "does not reduce X" are no
        # "<negation> X", so they cancel a negation next to them.
        self.weakeners = [i for i, s in enumerate(stems) if s in PREVENTIVES or s in DIMINISHERS]
        preventives = [i for i, s in enumerate(stems) if s in PREVENTIVES]
        neg_set, weak_set = set(self.negs), set(self.weakeners)
        # What may fill a negation slot: a negation, a preventive word, a prefixed word; but
        # not a negation just before a weakener, nor a preventive word after a negation.
        fillers, cancelled = [], []
        for p in self.negs:
            (cancelled if _near(weak_set, p, range(1, 3), clauses) else fillers).append(p)
        for p in preventives:
            near = _near(neg_set, p, range(-NEGATION_WINDOW, 0), clauses)
            (cancelled if near else fillers).append(p)
        self.fillers = sorted(fillers + list(self_negs))
        self.cancelled = sorted(cancelled)

    def view(self, usable: np.ndarray) -> _Answer:
        """The matches restricted to the usable answer words."""
        return _Answer(self, usable)


class _Answer:
    """Where each rubric word occurs among the usable words; positions computed lazily."""

    def __init__(self, matches: _Matches, usable: np.ndarray) -> None:
        self.toks = matches.toks
        self.m = matches
        self._usable = usable
        self._usable_list = usable.tolist()
        self._u_ok = np.bincount(matches.stem_ids[usable], minlength=matches.n_uniq) > 0
        self._extra: dict[int, list[tuple[int, int, int]]] = {}
        for v, spans in matches.joined.items():
            self._extra[v] = [(a, b, _DIRECT) for a, b in spans if usable[a] and usable[b]]
        for v, where in matches.base_spans.items():
            self._extra.setdefault(v, []).extend((p, p, _VIA_BASE) for p in where if usable[p])
        self.present = (matches.hits & self._u_ok).any(axis=1)
        for v, spans in self._extra.items():
            if spans:
                self.present[v] = True
        self._fillers = [(p, p, _NEG_FILL) for p in matches.fillers if usable[p]]
        self._cancelled = [(p, p, _NEG_FILL) for p in matches.cancelled if usable[p]]
        self.cancelled_any = bool(self._cancelled)
        self.probing = False  # also fill negation slots with cancelled negations
        # The rubric words present (NEG: a negation slot can be filled), for the phrasing loop.
        self.found_ids = frozenset(np.flatnonzero(self.present).tolist()) | ({NEG} if self._fillers else set())
        self._cache: dict[int, list[tuple[int, int, int]]] = {}

    def has(self, v: int) -> bool:
        if v == NEG:
            return bool(self._fillers or (self.probing and self._cancelled))
        return bool(self.present[v])

    def spans(self, v: int) -> list[tuple[int, int, int]]:
        """(start, end, how) word spans where rubric word v occurs."""
        if v == NEG:
            return sorted(self._fillers + self._cancelled) if self.probing else self._fillers
        got = self._cache.get(v)
        if got is None:
            # The distinct answer words v matches (a handful), then their usable positions.
            cols = np.flatnonzero(self.m.hits[v] & self._u_ok).tolist()
            usable, positions = self._usable_list, self.m.positions
            where = sorted(p for j in cols for p in positions[j] if usable[p])
            got = [(p, p, _DIRECT) for p in where] + self._extra.get(v, [])
            self._cache[v] = got
        return got


def _voided(ph: Phrasing, chosen: dict[int, tuple[int, int, int]], ans: _Answer) -> bool:
    """Whether a negation the match did not use reverses it.

    A negation word voids a match when it stands in the same clause as the match, within
    NEGATION_WINDOW words before it or inside it; a prefixed word ("inseparable") voids a match
    of its base ("separable"); for a phrasing with a negation slot, a preventive word does
    too ("does not prevent overfitting" is no "<negation> overfitting").
    """
    m = ans.m
    clauses = ans.toks.clauses
    used = {s for s, _, how in chosen.values() if how == _NEG_FILL}
    content = sorted(
        {p for s, e, how in chosen.values() if how != _NEG_FILL for p in range(s, e + 1)}
    )
    # A prefixed word matched as a whole ("inseparable" for "inseparable") keeps its negation.
    used |= {s for s, e, how in chosen.values() if how == _DIRECT and s == e}
    for s, _, how in chosen.values():
        if how == _VIA_BASE and s not in used:
            return True
    positions = sorted(used | set(content))
    start, end = positions[0], positions[-1]
    flippers = m.negs[bisect_left(m.negs, start - NEGATION_WINDOW) : bisect_right(m.negs, end)]
    if ph.has_neg:
        pv = m.weakeners
        flippers = flippers + [
            p
            for p in pv[bisect_left(pv, start - NEGATION_WINDOW) : bisect_right(pv, end)]
            if p not in content
        ]
    for p in flippers:
        if p in used:
            continue
        after = positions[bisect_left(positions, p)] if p <= end else None
        if after is not None and clauses[after] == clauses[p]:
            return True
    return False


def _phrasing_found(ph: Phrasing, ans: _Answer) -> tuple[bool, bool]:
    """(found, found only in negated form) for one phrasing."""
    found, negated = _search(ph, ans)
    if not found and not negated and ph.has_neg and ans.cancelled_any:
        # "does not avoid X" for "<negation> X": found with the cancelled negation, so the
        # answer states the opposite.
        ans.probing = True
        try:
            negated = _search(ph, ans, probe=True)[1]
        finally:
            ans.probing = False
    return found, negated


def _search(ph: Phrasing, ans: _Answer, probe: bool = False) -> tuple[bool, bool]:
    if probe:
        present = [k for k, v in enumerate(ph.ids) if ans.has(v)]
    else:
        found = ans.found_ids
        distinct = ph.distinct_ids
        if distinct is not None and len(distinct & found) < ph.need:
            return False, False  # most phrasings end here: too few of their words in the answer
        present = [k for k, v in enumerate(ph.ids) if v in found]
    if len(present) < ph.need or not ph.required.issubset(present):
        return False, False
    events = sorted((s, e, k, how) for k in present for s, e, how in ans.spans(ph.ids[k]))
    max_span = 2 * len(ph.ids) + 2
    negated_seen = False
    for li, (s0, _, _, _) in enumerate(events):
        chosen: dict[int, tuple[int, int, int]] = {}
        for s, e, k, how in events[li:]:
            if s - s0 >= max_span:
                break
            if k not in chosen and e - s0 < max_span:
                chosen[k] = (s, e, how)
        if len(chosen) < ph.need or not ph.required.issubset(chosen):
            continue
        if probe or _voided(ph, chosen, ans):
            negated_seen = True
            if probe:
                break
            continue
        return True, False
    return False, negated_seen


@dataclass(frozen=True)
class PointResult:
    """Whether one key point was found, whether only negated, whether contradicted."""

    label: str
    weight: float
    found: bool
    negated: bool
    contradicted: bool = False  # the answer matched one of the point's contradictions


# Words that disown or weaken a claim in their sentence part, before or inside it: "a common
# mistake is to think that ...", "L2 rarely gives exactly zero" state no contradiction.
DISCLAIMERS = frozenset(
    stem(w)
    for w in """wrong wrongly mistake mistaken mistakenly misconception myth false falsely
    incorrect incorrectly untrue rarely seldom hardly barely""".split()
)


class _Contradictions:
    """Finds contradiction phrasings in an answer (its usable words): ordered, one claim part.

    A part of a contradiction ("high bias") matches where its words follow each other with
    only stopwords between; the parts follow in order within one sentence part of the answer
    (tokenize: split at . ; ! ? and at "and", "but", "while", "whereas" ...), and a gap "..."
    does not reach past another subject of the rubric ("overfitting ... high bias" does not
    match "overfitting is low bias, underfitting high bias"). A negation standing within
    NEGATION_WINDOW words before the match or inside it (unless the contradiction's own
    negation slot used it), or a disclaiming word ("mistake", "myth", "rarely") in its part
    before its end, voids the match.
    """

    def __init__(self, ans: _Answer, rubric: CompiledRubric) -> None:
        self.ans = ans
        self.rubric = rubric
        toks = ans.toks
        self.parts = toks.parts
        # words a part's words may not have between them: content words and unusable words
        loose = np.fromiter((w not in STOPWORDS for w in toks.words), bool, len(toks.words))
        self.loose_cum = np.concatenate(([0], np.cumsum(loose | ~ans._usable)))
        self.negs = ans.m.negs
        self.disclaim = [i for i, st in enumerate(toks.stems) if st in DISCLAIMERS]
        self._spans: dict[tuple[int, ...], list[tuple[int, int, tuple[int, ...]]]] = {}

    def _word(self, v: int) -> list[tuple[int, int]]:
        return sorted((s, e) for s, e, how in self.ans.spans(v) if how != _VIA_BASE)

    def part_spans(self, part: tuple[int, ...]) -> list[tuple[int, int, tuple[int, ...]]]:
        """(start, end, negations used) of each place the words of a part follow each other."""
        got = self._spans.get(part)
        if got is not None:
            return got
        occ = [self._word(v) for v in part]
        starts = [[s for s, _ in o] for o in occ]
        got = []
        for s, e in occ[0]:
            used = [s] if part[0] == NEG else []
            for k in range(1, len(part)):
                j = bisect_right(starts[k], e)
                if j == len(starts[k]):
                    break
                s2, e2 = occ[k][j]
                if self.parts[s2] != self.parts[s] or self.loose_cum[s2] > self.loose_cum[e + 1]:
                    break
                e = e2
                if part[k] == NEG:
                    used.append(s2)
            else:
                got.append((s, e, tuple(used)))
        self._spans[part] = got
        return got

    def _voided(self, start: int, end: int, used: list[int]) -> bool:
        part = self.parts[start]
        negs = self.negs
        for p in negs[bisect_left(negs, start - NEGATION_WINDOW) : bisect_right(negs, end)]:
            if p not in used and self.parts[p] == part:
                return True
        d = self.disclaim
        return any(self.parts[p] == part for p in d[: bisect_right(d, end)])

    def found(self, c: Contradiction) -> bool:
        """Whether the answer states the contradiction (not negated, not disowned)."""
        if not all(self.ans.has(v) for v in c.ids):
            return False
        occs = [self.part_spans(part) for part in c.parts]
        if not all(occs):
            return False
        starts = [[o[0] for o in occ] for occ in occs]
        blocked_cum = None
        if len(c.parts) > 1:
            others = self.rubric.subjects - c.ids
            blocked = np.zeros(len(self.parts), dtype=bool)
            for v in others:
                for s, e in self._word(v):
                    blocked[s : e + 1] = True
            for v in c.parts[0]:
                for s, e in self._word(v):
                    blocked[s : e + 1] = False
            blocked_cum = np.concatenate(([0], np.cumsum(blocked)))
        for s, e, used in occs[0]:
            used_all = list(used)
            for k in range(1, len(occs)):
                j = bisect_right(starts[k], e)
                if j == len(starts[k]):
                    break
                s2, e2, u2 = occs[k][j]
                if self.parts[s2] != self.parts[s] or blocked_cum[s2] > blocked_cum[e + 1]:
                    break
                e = e2
                used_all += u2
            else:
                if not self._voided(s, e, used_all):
                    return True
        return False


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
    contra = _Contradictions(ans, rubric) if any(p.contradicts for p in rubric.points) else None
    results = []
    for point in rubric.points:
        found = negated = False
        for ph in point.phrasings:
            target = ans_strict if ph.text in given_away else ans
            f, neg = _phrasing_found(ph, target)
            negated |= neg
            if f:
                found = True
                break
        contradicted = contra is not None and any(contra.found(c) for c in point.contradicts)
        found = found and not contradicted
        results.append(
            PointResult(point.label, point.weight, found, negated and not found, contradicted)
        )
    return results


@lru_cache(maxsize=256)
def _given_away(prompt: str, rubric: CompiledRubric) -> frozenset[str]:
    """Phrasings that the prompt itself contains."""
    toks = _prompt_info(prompt)[0]
    ans = _Matches(toks, rubric).view(np.ones(len(toks.words), dtype=bool))
    return frozenset(
        ph.text for pt in rubric.points for ph in pt.phrasings if _phrasing_found(ph, ans)[0]
    )
