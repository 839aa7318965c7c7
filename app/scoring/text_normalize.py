"""Normalising free text into stemmed tokens with clause boundaries and negations."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Words that carry no meaning of their own in a key point; dropped from phrasings.
STOPWORDS = frozenset(
    """a an the of to in on at by for with from into onto as is are was were be been being am
    it its it's this that these those and or which who whom whose what so than then there their
    they them we you your our us i my me he she his her do does did doing has have had having
    will would can could should shall may might must also just very such some if when how why
    where whereas while because since thus hence therefore here via per etc e.g i.e eg ie""".split()
)
# A negation makes a phrasing matched shortly after it (in the same clause) earn nothing.
NEGATIONS = frozenset(
    "not no never neither nor none nothing nobody without lack lacks lacking".split()
)
# Words that say something does not happen: "prevents co-adaptation" ~ "units cannot co-adapt".
# By stem; "stopping" counts too, so a stem is only treated as one before further words.
PREVENTIVES = frozenset({"prevent", "avoid", "stop"})
# Words that lessen something: not a negation, but "does not reduce X" is no "<negation> X".
DIMINISHERS = frozenset(
    "reduc reduct decreas lower lessen less fewer mitig allevi diminish shrink".split()
)
# Words that negate what follows them, like "not": "unable to settle" ~ "cannot settle".
NEGATING_WORDS = frozenset({"unable", "impossible", "incapable"})
# Negative prefixes: "inseparable" = not separable, "non-linear" = not linear.
_NEG_PREFIXES = ("non", "un", "in", "im", "il", "ir")
# Words that begin like a negative prefix without being one.
_NOT_PREFIXED = (
    "under", "uni", "until", "unto", "inter", "intro", "into", "info", "inform", "input",
    "inst", "inside", "insig", "insert", "inspect", "infer", "init", "index", "indeed", "indic",
    "incre", "inclu", "incep", "invest", "invar", "immedi", "imag", "impl", "import", "improv",
    "impact", "illus", "nonce",
)  # fmt: skip
# "not only X but also Y" affirms X.
_NOT_NEGATING_AFTER = frozenset({"only", "just", "merely", "simply"})
# Words that start a new clause, so an earlier negation does not reach past them.
CLAUSE_WORDS = frozenset(
    "but however although though whereas while yet instead rather unlike which whereby".split()
)
# Coarser parts of a text in which one claim is made, for contradictions ("overfitting ... high
# bias"): they end at sentence punctuation and at words that join two claims. Commas do not end
# them, so "to fix underfitting, use dropout" is one part.
PART_WORDS = frozenset(
    "and but however although though whereas while yet instead rather unlike whereby".split()
)
_PART_END = frozenset(".;!?\n")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_CONTRACTION = re.compile(r"(\w)n't\b")
_CANNOT = re.compile(r"\bcannot\b")
_POSSESSIVE = re.compile(r"'s\b")
_HYPHEN_JOIN = re.compile(r"(?<=[^\W\d_])[-\u2010\u2011](?=[^\W\d_])")
_TOKEN = re.compile(r"\d+(?:\.\d+)+|[^\W_]+|[.,;:!?()\[\]{}\n]")
_BOUNDARY = frozenset(".,;:!?()[]{}\n")

# Suffixes stripped by the light stemmer, longest first; (suffix, replacement).
_SUFFIXES = sorted(
    [
        ("izations", ""),
        ("isations", ""),
        ("ization", ""),
        ("isation", ""),
        ("ational", ""),
        ("ations", ""),
        ("ation", ""),
        ("ments", ""),
        ("ment", ""),
        ("nesses", ""),
        ("ness", ""),
        ("ities", ""),
        ("ity", ""),
        ("ingly", ""),
        ("ings", ""),
        ("ing", ""),
        ("edly", ""),
        ("izing", ""),
        ("ising", ""),
        ("izes", ""),
        ("ises", ""),
        ("ized", ""),
        ("ised", ""),
        ("ize", ""),
        ("ise", ""),
        ("ating", ""),
        ("ated", ""),
        ("ates", ""),
        ("ate", ""),
        ("ables", ""),
        ("able", ""),
        ("ibles", ""),
        ("ible", ""),
        ("ively", ""),
        ("ive", ""),
        ("ional", ""),
        ("ions", ""),
        ("ion", ""),
        ("ies", "y"),
        ("ied", "y"),
        ("ed", ""),
        ("ly", ""),
        ("es", ""),
        ("s", ""),
    ],
    key=lambda s: -len(s[0]),
)
_ES_AFTER = ("s", "x", "z", "ch", "sh")
_KEEP_FINAL_S = ("ss", "is", "as")  # class, analysis, bias
_UNDOUBLE_AFTER = frozenset({"ed", "ing", "ings", "edly", "ingly"})
_MIN_STEM = 3


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix-stripping stemmer: 'prevents', 'prevented', 'preventing' -> 'prevent'."""
    if len(word) <= _MIN_STEM or not word.isalpha():
        return word
    w = word
    stripped = ""
    for suffix, repl in _SUFFIXES:
        if not w.endswith(suffix):
            continue
        base = w[: -len(suffix)]
        if suffix == "s" and w.endswith(_KEEP_FINAL_S):
            break
        if suffix == "es" and not base.endswith(_ES_AFTER):
            continue  # "images" -> "image" via "s", not "imag" via "es"
        if len(base) + len(repl) < _MIN_STEM:
            continue  # "gates": not "g" via "ates", but "gate" via "s"
        w, stripped = base + repl, suffix
        break
    # "fitting" -> "fitt" -> "fit", "labelled" -> "label"; but "call" + "ed" stays "call"
    if stripped in _UNDOUBLE_AFTER and len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "aeiouysz":
        if w[-1] != "l" or len(w) > 4:
            w = w[:-1]
    # "compute"/"computing", "image"/"images" meet at "comput", "imag"
    if len(w) >= 5 and w.endswith("e"):
        w = w[:-1]
    return w


def fold(text: str) -> str:
    """Lower-case, strip accents, expand n't and cannot, join hyphenated words."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
        text = text.translate(_APOSTROPHES)
    text = text.casefold()
    # Each pattern only where its text occurs: most answers have none of them, and a scan each costs.
    if "n't" in text:
        text = _CONTRACTION.sub(r"\1 not", text)
    if "cannot" in text:
        text = _CANNOT.sub("can not", text)
    if "'" in text:
        text = _POSSESSIVE.sub("", text).replace("'", "")
    if "-" in text or "\u2010" in text or "\u2011" in text:
        text = _HYPHEN_JOIN.sub("", text)
    return text


@dataclass(frozen=True)
class Tokens:
    """A text as word tokens: folded words, stems, clause and part number of each word.

    Clauses end at any punctuation and at CLAUSE_WORDS; parts (one claim each) only at sentence
    punctuation and at PART_WORDS.
    """

    words: tuple[str, ...]
    stems: tuple[str, ...]
    clauses: tuple[int, ...]
    parts: tuple[int, ...] = ()


def tokenize(text: str) -> Tokens:
    """Split text into words (punctuation only separates clauses and parts)."""
    words: list[str] = []
    clauses: list[int] = []
    parts: list[int] = []
    clause = part = 0
    for m in _TOKEN.finditer(fold(text)):
        tok = m.group(0)
        if tok in _BOUNDARY:
            clause += 1
            # "e.g." and "i.e." do not end a sentence
            if tok in _PART_END and not (tok == "." and words and len(words[-1]) == 1):
                part += 1
            continue
        if tok in CLAUSE_WORDS:
            clause += 1
        if tok in PART_WORDS:
            part += 1
        words.append(tok)
        clauses.append(clause)
        parts.append(part)
    return Tokens(tuple(words), tuple(map(stem, words)), tuple(clauses), tuple(parts))


@lru_cache(maxsize=65536)
def negative_prefix_base(word: str) -> str | None:
    """The word without its negative prefix ("inseparable" -> "separable"), else None."""
    if not word.isalpha() or word.startswith(_NOT_PREFIXED):
        return None
    for prefix in _NEG_PREFIXES:
        if word.startswith(prefix):
            base = word[len(prefix) :]
            if len(base) < 4:
                return None
            if prefix == "in" and base[0] in "blmpr":
                return None  # "in" becomes im-/il-/ir- there
            if (prefix == "im" and base[0] not in "bmp") or (
                prefix in ("il", "ir") and base[0] != prefix[1]
            ):
                return None
            return base
    return None


def negation_positions(words: tuple[str, ...]) -> list[int]:
    """Positions of words that negate what follows ('not only' does not)."""
    out = []
    for i, w in enumerate(words):
        if w in NEGATIONS:
            if w == "not" and i + 1 < len(words) and words[i + 1] in _NOT_NEGATING_AFTER:
                continue
            out.append(i)
    return out
