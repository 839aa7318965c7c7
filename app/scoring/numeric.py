"""Score a numeric answer (number, vector or matrix) against the expected value.

Rules:
- Tolerance: a value matches when |a - e| <= atol + rtol * |e| (bounds included, with a few
  units in the last place of slack for float rounding).
- Significant figures: with ``sig_figs=n`` the tolerance is not used; the answer, rounded to
  n significant figures, must lie within half a unit of the n-th figure of the expected value,
  i.e. it rounds to the same n figures (an exact tie may round either way). An expected 0
  needs |a| <= atol.
- Percent: a value typed with % is read as value/100, and it also matches when the bare number
  matches: "45%" is right for an expected 0.45 and for an expected 45. A bare "45" is not
  accepted for 0.45.
- Shape: the answer must have the expected shape, ignoring axes of length 1 ("5" matches [5],
  "1, 2, 3" matches [[1, 2, 3]]). A different shape scores 0 with a message saying so.
- Partial credit: the fraction of values that match; correct only when all do.

``values_match`` applies the same shape and value rules to already parsed values (e.g. to
recognise an answer equal to a known mistake's value).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from app.scoring.numeric_parse import ParsedNumbers, parse_numbers
from app.scoring.types import Feedback, Score

_DECIMAL_COMMA = re.compile(r"\d,\d")
_MAX_LISTED = 3  # differing positions spelled out in the feedback


def expected_array(expected: Any) -> np.ndarray:
    """The expected value as a finite float64 array; raises ValueError for a malformed spec."""
    try:
        arr = np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"the expected value {expected!r} is not a number, list or matrix"
        ) from exc
    if arr.ndim > 2 or arr.size == 0:
        raise ValueError(f"the expected value {expected!r} must be a number, a list or a matrix")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"the expected value {expected!r} is not finite")
    return arr


def fmt_number(x: float) -> str:
    """A compact display of a number: integers without '.0', others to 6 significant figures."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def _describe_shape(shape: tuple[int, ...]) -> str:
    if len(shape) == 0 or math.prod(shape) == 1:
        return "a single number"
    if len(shape) == 1:
        return f"a list of {shape[0]} values"
    return f"a {shape[0]} × {shape[1]} matrix"


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for n in shape if n != 1)


def _round_sig(x: np.ndarray, n: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(x == 0, 0, np.floor(np.log10(np.abs(x))))
    return np.array(
        [round(float(v), int(n - 1 - m)) for v, m in zip(x.ravel(), mag.ravel(), strict=True)]
    ).reshape(x.shape)


def _matches(
    a: np.ndarray, e: np.ndarray, atol: float, rtol: float, sig_figs: int | None
) -> np.ndarray:
    if sig_figs is None:
        # The bounds are inclusive, and a few units in the last place of slack keep them so after
        # float subtraction (0.4 - 0.3 is 0.10000000000000003, which must pass "0.3 within ±0.1").
        slack = 4 * np.spacing(np.maximum(np.abs(a), np.abs(e)))
        return np.abs(a - e) <= atol + rtol * np.abs(e) + slack
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(e == 0, 0, np.floor(np.log10(np.abs(e))))
    half_unit = 0.5 * 10.0 ** (mag - sig_figs + 1)
    close = np.abs(_round_sig(a, sig_figs) - e) <= half_unit * (1 + 1e-9)
    return np.where(e == 0, np.abs(a) <= atol, close)


def _compare(
    parsed: ParsedNumbers, e: np.ndarray, atol: float, rtol: float, sig_figs: int | None
) -> np.ndarray | None:
    """Which values match, in the expected shape; None when the shapes differ."""
    a = parsed.values
    if a.size != e.size or _squeezed(a.shape) != _squeezed(e.shape):
        return None
    a = a.reshape(e.shape)
    ok = _matches(a, e, atol, rtol, sig_figs)
    pct = parsed.percent.reshape(e.shape)
    if pct.any():
        # "45%" also stands for the bare number 45 when that is what is expected.
        ok |= pct & _matches(a * 100.0, e, atol, rtol, sig_figs)
    return ok


def values_match(
    given: np.ndarray | ParsedNumbers,
    expected: Any,
    *,
    atol: float = 1e-8,
    rtol: float = 1e-2,
    sig_figs: int | None = None,
) -> bool:
    """Whether given values equal expected ones by exactly the rule of ``score_numeric``.

    Same shape ignoring axes of length 1, every value within the tolerance (or the same
    significant figures). ``given`` is ``parse_numeric(answer)`` or, to also apply the
    percent rule ("45%" matches 45), ``parse_numbers(answer)``. An expected value that is not
    a finite number, list or matrix matches nothing.
    """
    try:
        e = expected_array(expected)
    except ValueError:
        return False
    if isinstance(given, ParsedNumbers):
        parsed = given
    else:
        values = np.asarray(given, dtype=np.float64)
        parsed = ParsedNumbers(values, np.zeros(values.shape, dtype=bool), ())
    if not np.all(np.isfinite(parsed.values)):
        return False
    ok = _compare(parsed, e, atol, rtol, sig_figs)
    return ok is not None and bool(ok.all())


def _tolerance_text(e: np.ndarray, atol: float, rtol: float, sig_figs: int | None) -> str:
    if sig_figs is None and rtol == 0 and atol < 1e-6 and np.all(e == np.round(e)):
        return "exactly"  # counts and sizes: the tolerance only absorbs float noise
    if sig_figs is not None:
        return f"to {sig_figs} significant figure{'s' if sig_figs != 1 else ''}"
    scale = float(np.max(np.abs(e)))
    if rtol > 0 and rtol * scale >= atol:
        return f"within {rtol * 100:g}%"
    return f"within ±{atol:g}"


def _position(index: tuple[int, ...], ndim: int) -> str:
    if ndim == 2:
        return f"row {index[0] + 1}, column {index[1] + 1}"
    return f"position {index[0] + 1}"


def _shape_feedback(parsed: ParsedNumbers, answer: str, e: np.ndarray) -> Score:
    message = (
        f"Your answer is {_describe_shape(parsed.values.shape)}, "
        f"but the expected answer is {_describe_shape(e.shape)}: the shape differs."
    )
    if _DECIMAL_COMMA.search(answer) and e.size == 1:
        message += " If you meant a decimal, write it with a point (0.5, not 0,5)."
    return Score(0.0, False, Feedback([], [], message))


def score_numeric(
    answer: str,
    *,
    expected: Any,
    atol: float = 1e-8,
    rtol: float = 1e-2,
    sig_figs: int | None = None,
    parsed: ParsedNumbers | None = None,
) -> Score:
    """Score a numeric answer (parsed: parse_numbers(answer), when the caller has it); raises AnswerFormatError(reason)."""
    e = expected_array(expected)
    if atol < 0 or rtol < 0 or (sig_figs is not None and sig_figs < 1):
        raise ValueError("atol and rtol must be >= 0 and sig_figs >= 1")
    parsed = parsed if parsed is not None else parse_numbers(answer)
    ok = _compare(parsed, e, atol, rtol, sig_figs)
    if ok is None:
        return _shape_feedback(parsed, answer, e)
    n, k = e.size, int(ok.sum())
    value = k / n
    tol = _tolerance_text(e, atol, rtol, sig_figs)
    texts = parsed.texts
    if n == 1:
        e0 = float(e.ravel()[0])
        given = texts[0].strip()
        exp = fmt_number(e0) if sig_figs is None else f"{e0:.{sig_figs}g}"
        if k:
            if tol == "exactly":
                message = f"Correct: {exp}."
            elif sig_figs is None:
                message = f"Correct: {given} is {tol} of {exp}."
            else:
                message = f"Correct: {given} is {exp} {tol}."
        else:
            message = f"Not quite: you gave {given}, expected {exp}" + (
                "." if tol == "exactly" else f" ({tol}).")
        return Score(float(value), bool(k), Feedback([], [], message))
    if k == n:
        return Score(
            1.0,
            True,
            Feedback([], [], f"Correct: all {n} values match the expected values ({tol})."),
        )
    wrong = [tuple(int(i) for i in idx) for idx in np.argwhere(~ok)]
    parts = [
        f"{_position(idx, e.ndim)} differs: you gave {texts[int(np.ravel_multi_index(idx, e.shape))].strip()}, "
        f"expected {fmt_number(float(e[idx]))}"
        for idx in wrong[:_MAX_LISTED]
    ]
    if len(wrong) > _MAX_LISTED:
        rest = len(wrong) - _MAX_LISTED
        parts.append(f"and {rest} more {'differs' if rest == 1 else 'differ'}")
    message = f"{k} of {n} values match ({tol}); " + "; ".join(parts) + "."
    return Score(float(value), False, Feedback([], [], message))
