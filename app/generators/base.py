"""Shared pieces of the computed question families: Instance, Mistake, Family and helpers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SEED_LIMIT = 2**31

# Tolerances. Answers are stored exactly; these say how far a typed answer may be off.
EXACT = (1e-9, 0.0)  # integers: sizes, counts, shapes
DP3 = (5.5e-4, 0.0)  # "to 3 decimal places" (a rounded answer is off by at most 5e-4)
DP4 = (6e-5, 0.0)  # "to 4 decimal places"
SIG4 = (1e-9, 1e-3)  # "to 4 significant figures" (relative error up to 5e-4 after rounding)


@dataclass(frozen=True)
class Mistake:
    """A known wrong computation: its name, the value it gives and where it goes wrong."""

    name: str
    value: Any
    explanation: str


@dataclass(frozen=True)
class Instance:
    """One concrete question drawn from a family: prompt, answer, tolerance and worked answer."""

    prompt: str
    answer: Any
    atol: float
    rtol: float
    answer_format: str
    model_answer: str
    steps: list[dict]
    mistakes: list[Mistake]
    params: dict = field(default_factory=dict)


def jsonable(value: Any) -> Any:
    """Convert NumPy scalars/arrays and tuples into plain JSON-ready Python values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError("non-finite value in a generated instance")
        return 0.0 if v == 0 else v
    return value


def _close(a: Any, b: Any, atol: float, rtol: float) -> bool:
    """True when a and b have the same shape and agree within twice the tolerance."""
    try:
        x = np.asarray(a, dtype=float)
        y = np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    if x.shape != y.shape:
        return False
    # A margin of two tolerances: a rounded wrong answer must never score as right.
    return bool(np.all(np.abs(x - y) <= 2 * (atol + rtol * np.abs(y)) + 1e-12))


def _finite(v: Any) -> bool:
    try:
        arr = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(arr.size > 0 and np.all(np.isfinite(arr)))


def keep_distinct(answer: Any, mistakes: Sequence[Mistake], atol: float, rtol: float) -> list[Mistake]:
    """Drop mistakes that coincide with the answer (or with an earlier mistake) or are not finite."""
    kept: list[Mistake] = []
    for m in mistakes:
        if not _finite(m.value) or _close(m.value, answer, atol, rtol):
            continue
        if any(_close(m.value, k.value, atol, rtol) for k in kept):
            continue
        kept.append(Mistake(m.name, jsonable(m.value), m.explanation))
    return kept


# ---------------------------------------------------------------- formatting


def num(x: Any, digits: int = 4) -> str:
    """A number for prose: integers without a decimal point, others to `digits` decimals, trimmed."""
    v = float(x)
    if v == 0:
        return "0"
    if abs(v - round(v)) < 1e-9 and abs(v) < 1e15:
        return str(int(round(v)))
    if abs(v) < 10 ** (-digits) or abs(v) >= 1e7:
        return f"{v:.{max(digits - 1, 1)}e}"
    s = f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def sig(x: Any, figures: int = 4) -> str:
    """A number to `figures` significant figures (plain notation when reasonable)."""
    v = float(x)
    if v == 0:
        return "0"
    if abs(v) < 1e-4 or abs(v) >= 1e9:
        return f"{v:.{figures - 1}e}"
    s = f"{v:.{figures}g}"
    if "e" in s:
        s = f"{v:.{max(figures - 1 - int(math.floor(math.log10(abs(v)))), 0)}f}"
    return s


def intc(x: Any) -> str:
    """An integer with thousands separators (as LaTeX-safe text: 9{,}633{,}856)."""
    return f"{int(x):,}".replace(",", "{,}")


def vec(values: Sequence[Any], digits: int = 4) -> str:
    """A vector as plain text: [1, 0.5, -2]."""
    return "[" + ", ".join(num(v, digits) for v in values) + "]"


def tex_vec(values: Sequence[Any], digits: int = 4) -> str:
    """A vector in LaTeX: (1,\\ 0.5,\\ -2)."""
    return "(" + ",\\ ".join(num(v, digits) for v in values) + ")"


def tex_matrix(rows: Sequence[Sequence[Any]], digits: int = 4) -> str:
    """A matrix in LaTeX bmatrix form (no surrounding dollars)."""
    body = r" \\ ".join(" & ".join(num(v, digits) for v in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def mat(rows: Sequence[Sequence[Any]], digits: int = 4) -> str:
    """A matrix as plain text: [[1, 2], [3, 4]]."""
    return "[" + ", ".join(vec(r, digits) for r in rows) + "]"


def rounded(value: Any, decimals: int) -> Any:
    """Round a number / nested list for display."""
    return jsonable(np.round(np.asarray(value, dtype=float), decimals))


# ---------------------------------------------------------------- parameters


class Params:
    """Draws parameters from a seeded RNG unless the caller fixed them; validates fixed ones."""

    def __init__(self, rng: np.random.Generator, fixed: dict[str, Any], family: str):
        self.rng = rng
        self.fixed = dict(fixed)
        self.family = family
        self.values: dict[str, Any] = {}

    def _bad(self, key: str, message: str) -> ValueError:
        return ValueError(f"{self.family}: param {key!r} {message}")

    def has(self, key: str) -> bool:
        """Whether the caller fixed `key`."""
        return key in self.fixed

    def length_of(self, *keys: str, default: Any = None) -> Any:
        """Length of the first of `keys` the caller fixed as a list (so partner vectors match), else default."""
        for key in keys:
            v = self.fixed.get(key)
            if isinstance(v, (list, tuple)) and v:
                return len(v)
        return default

    def set(self, key: str, value: Any) -> Any:
        """Record a derived parameter (so instance.params reproduces the instance)."""
        self.values[key] = jsonable(value)
        return value

    def choice(self, key: str, options: Sequence[Any], weights: Sequence[float] | None = None,
               implied: dict[Any, Sequence[str]] | None = None) -> Any:
        """One of `options` (fixed values must be among them).

        `implied` maps an option to params that only it uses: when the caller fixed some of those
        params but not `key`, the choice is limited to the options they imply.
        """
        if key not in self.fixed and implied:
            score = {o: sum(k in self.fixed for k in implied.get(o, ())) for o in options}
            best = max(score.values())
            if best:
                options = [o for o in options if score[o] == best]
                weights = None
        if key in self.fixed:
            v = self.fixed[key]
            if isinstance(v, str):
                matches = [o for o in options if isinstance(o, str) and o.lower() == v.lower()]
                if matches:
                    v = matches[0]
            ok = any(
                (type(v) is type(o) or (_is_num(v) and _is_num(o))) and v == o for o in options
            )
            if not ok:
                raise self._bad(key, f"must be one of {list(options)}, got {v!r}")
        else:
            if weights is None:
                v = options[int(self.rng.integers(len(options)))]
            else:
                w = np.asarray(weights, dtype=float)
                v = options[int(self.rng.choice(len(options), p=w / w.sum()))]
        self.values[key] = jsonable(v)
        return v

    def flag(self, key: str, p: float = 0.5) -> bool:
        """A boolean."""
        if key in self.fixed:
            v = self.fixed[key]
            if not isinstance(v, bool):
                raise self._bad(key, f"must be true or false, got {v!r}")
        else:
            v = bool(self.rng.random() < p)
        self.values[key] = v
        return v

    def integer(self, key: str, lo: int, hi: int, *, draw: tuple[int, int] | None = None) -> int:
        """An integer in [lo, hi] (drawn from `draw` if given, else from [lo, hi])."""
        if key in self.fixed:
            v = self.fixed[key]
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            if not isinstance(v, int) or isinstance(v, bool):
                raise self._bad(key, f"must be an integer, got {v!r}")
            if not lo <= v <= hi:
                raise self._bad(key, f"must be between {lo} and {hi}, got {v}")
        else:
            a, b = draw if draw else (lo, hi)
            v = int(self.rng.integers(a, b + 1))
        self.values[key] = v
        return v

    def number(
        self, key: str, lo: float, hi: float, *, decimals: int = 2, draw: tuple[float, float] | None = None,
        nonzero: bool = False,
    ) -> float:
        """A float in [lo, hi]; drawn values are rounded to `decimals`."""
        if key in self.fixed:
            v = self._float(key, self.fixed[key])
            if not lo <= v <= hi:
                raise self._bad(key, f"must be between {lo} and {hi}, got {v}")
            if nonzero and v == 0:
                raise self._bad(key, "must not be zero")
        else:
            a, b = draw if draw else (lo, hi)
            while True:
                v = round(float(self.rng.uniform(a, b)), decimals)
                v = 0.0 if v == 0 else v
                if not (nonzero and v == 0):
                    break
        self.values[key] = v
        return v

    def vector(
        self, key: str, length: int | tuple[int, int], lo: float, hi: float, *, decimals: int = 0,
        draw: tuple[float, float] | None = None, ints: bool | None = None,
        min_len: int = 1, max_len: int = 10,
    ) -> list:
        """A vector of numbers; `length` is an exact length or a (min, max) range to draw from."""
        ints = decimals == 0 if ints is None else ints
        if key in self.fixed:
            raw = self.fixed[key]
            if not isinstance(raw, (list, tuple)) or not raw:
                raise self._bad(key, "must be a non-empty list of numbers")
            v = [self._float(key, x) for x in raw]
            if isinstance(length, int):
                if len(v) != length:
                    raise self._bad(key, f"must have {length} elements, got {len(v)}")
            elif not min(min_len, length[0]) <= len(v) <= max(max_len, length[1]):
                raise self._bad(key, f"must have between {min(min_len, length[0])} and "
                                     f"{max(max_len, length[1])} elements")
            if any(not lo <= x <= hi for x in v):
                raise self._bad(key, f"elements must be between {lo} and {hi}")
            if ints:
                if any(not float(x).is_integer() for x in v):
                    raise self._bad(key, "elements must be integers")
                v = [int(x) for x in v]
        else:
            n = length if isinstance(length, int) else int(self.rng.integers(length[0], length[1] + 1))
            a, b = draw if draw else (lo, hi)
            if ints:
                v = [int(x) for x in self.rng.integers(int(a), int(b) + 1, size=n)]
            else:
                v = [round(float(x), decimals) for x in self.rng.uniform(a, b, size=n)]
                v = [0.0 if x == 0 else x for x in v]
        self.values[key] = jsonable(v)
        return v

    def matrix(
        self, key: str, shape: tuple[int, int] | None, lo: float, hi: float, *, decimals: int = 0,
        draw: tuple[float, float] | None = None, max_shape: tuple[int, int] = (8, 8),
        draw_shape: tuple[int, int] | None = None,
    ) -> list[list]:
        """A matrix (list of rows); `shape` None accepts any rectangular fixed value up to max_shape."""
        ints = decimals == 0
        if key in self.fixed:
            raw = self.fixed[key]
            if (not isinstance(raw, (list, tuple)) or not raw
                    or not all(isinstance(r, (list, tuple)) and r for r in raw)):
                raise self._bad(key, "must be a non-empty list of rows")
            rows = [[self._float(key, x) for x in r] for r in raw]
            if len({len(r) for r in rows}) != 1:
                raise self._bad(key, "rows must all have the same length")
            got = (len(rows), len(rows[0]))
            if shape is not None and got != tuple(shape):
                raise self._bad(key, f"must be {shape[0]}x{shape[1]}, got {got[0]}x{got[1]}")
            if got[0] > max_shape[0] or got[1] > max_shape[1]:
                raise self._bad(key, f"must be at most {max_shape[0]}x{max_shape[1]}")
            if any(not lo <= x <= hi for r in rows for x in r):
                raise self._bad(key, f"elements must be between {lo} and {hi}")
            if ints:
                if any(not float(x).is_integer() for r in rows for x in r):
                    raise self._bad(key, "elements must be integers")
                rows = [[int(x) for x in r] for r in rows]
        else:
            shp = shape if shape is not None else draw_shape
            assert shp is not None
            a, b = draw if draw else (lo, hi)
            if ints:
                arr = self.rng.integers(int(a), int(b) + 1, size=shp)
                rows = [[int(x) for x in r] for r in arr]
            else:
                arr = self.rng.uniform(a, b, size=shp)
                rows = [[(round(float(x), decimals) or 0.0) for x in r] for r in arr]
        self.values[key] = jsonable(rows)
        return rows

    def number_or(self, key: str, default: float, lo: float, hi: float) -> float:
        """A fixed number if given (validated), else `default` (no draw)."""
        return self.number(key, lo, hi) if key in self.fixed else self.set(key, default)

    def vector_or(self, key: str, default: list, lo: float, hi: float, *, decimals: int = 2) -> list:
        """A fixed vector of len(default) if given (validated), else `default`."""
        if key in self.fixed:
            return self.vector(key, len(default), lo, hi, decimals=decimals, ints=False)
        return self.set(key, default)

    def matrix_or(self, key: str, default: list, lo: float, hi: float, *, decimals: int = 2) -> list:
        """A fixed matrix of default's shape if given (validated), else `default`."""
        if key in self.fixed:
            return self.matrix(key, (len(default), len(default[0])), lo, hi, decimals=decimals)
        return self.set(key, default)

    def _float(self, key: str, x: Any) -> float:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise self._bad(key, f"must be numeric, got {x!r}")
        v = float(x)
        if not math.isfinite(v):
            raise self._bad(key, "must be finite")
        return v


def _variant(values: dict[str, Any]) -> str:
    keys = ("kind", "variant", "mode", "ask", "loss", "method", "cell", "gate")
    shown = [f"{k}={values[k]}" for k in keys if k in values]
    return ", ".join(shown) or "as drawn"


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


class Family:
    """Base class of a computed question family; subclasses implement build()."""

    name: str = ""
    title: str = ""
    description: str = ""
    # The keys a question may fix in YAML `params`, with what each means.
    params_doc: dict[str, str] = {}

    def instantiate(self, seed: int, params: dict | None = None) -> Instance:
        """Draw a concrete instance for `seed`, with `params` fixing some parameters."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        seed = int(seed)
        if not 0 <= seed < SEED_LIMIT:
            raise ValueError(f"seed must satisfy 0 <= seed < 2**31, got {seed}")
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise ValueError(f"{self.name}: params must be a mapping, got {type(params).__name__}")
        unknown = sorted(set(params) - set(self.params_doc))
        if unknown:
            raise ValueError(
                f"{self.name}: unknown param {unknown[0]!r}; known: {sorted(self.params_doc)}"
            )
        p = Params(np.random.default_rng(seed), params, self.name)
        # Wording draws use their own stream, so the numbers depend on params alone.
        words = np.random.default_rng([seed, 7919])
        inst = self.build(p, words)
        unused = sorted(set(params) - set(p.values))
        if unused:
            raise ValueError(
                f"{self.name}: param {unused[0]!r} does not apply to this variant ({_variant(p.values)})"
            )
        atol, rtol = inst.atol, inst.rtol
        answer = jsonable(inst.answer)
        if not _finite(answer):
            raise ValueError(f"{self.name}: produced a non-finite answer")
        return Instance(
            prompt=inst.prompt,
            answer=answer,
            atol=float(atol),
            rtol=float(rtol),
            answer_format=inst.answer_format,
            model_answer=inst.model_answer,
            steps=jsonable(inst.steps),
            mistakes=keep_distinct(answer, inst.mistakes, atol, rtol),
            params=jsonable(p.values),
        )

    def build(self, p: Params, words: np.random.Generator) -> Instance:
        """Build the instance from drawn parameters (subclasses)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<generator {self.name}>"


def pick(words: np.random.Generator, options: Sequence[str]) -> str:
    """One phrasing out of several, chosen by the wording stream."""
    return options[int(words.integers(len(options)))]


def step(title: str, formula: str, inputs: dict | None = None, outputs: dict | None = None,
         note: str = "") -> dict:
    """One trace step in the engine's format (for small glue steps a family adds itself)."""
    return {"title": title, "formula": formula, "inputs": jsonable(inputs or {}),
            "outputs": jsonable(outputs or {}), "note": note}


def prefixed(steps: list[dict], prefix: str) -> list[dict]:
    """Copies of trace steps with `prefix` before each title (when traces are concatenated)."""
    return [{**s, "title": f"{prefix}{s.get('title', '')}"} for s in steps]
