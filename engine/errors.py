"""Errors and input validators shared by every engine module.

Every public engine function validates its arguments here first, so bad input fails
early with an ``EngineError`` that names the parameter instead of a NumPy traceback
(or, worse, a NaN in a worked answer).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

# Limits keep worked answers small enough to render and fast enough to compute per request.
MAX_IMAGE_SIDE = 64
MAX_VECTOR = 10_000
MAX_LAYERS = 8
MAX_CHANNELS = 16
MAX_COUNT = 10**12  # dataset sizes, epochs, iteration numbers


class EngineError(ValueError):
    """Bad input to an engine function; ``param`` names the offending argument."""

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        self.message = message
        super().__init__(f"{param}: {message}")

    def __str__(self) -> str:
        return f"{self.param}: {self.message}"


def as_array(
    value: Any,
    param: str,
    *,
    ndim: int | Iterable[int] | None = None,
    max_size: int = MAX_VECTOR,
) -> np.ndarray:
    """Return ``value`` as a finite, non-empty float64 array with an allowed number of axes."""
    if isinstance(value, (str, bytes, dict)) or value is None:
        raise EngineError(param, f"expected numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        # ragged nested lists and non-numeric entries end up here
        raise EngineError(param, "expected a number or a rectangular array of numbers") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(n) for n in allowed)
            raise EngineError(param, f"expected {want} dimension(s), got {arr.ndim} (shape {arr.shape})")
    if arr.size == 0:
        raise EngineError(param, "must not be empty")
    if arr.size > max_size:
        raise EngineError(param, f"has {arr.size} elements, more than the limit of {max_size}")
    if not np.isfinite(arr).all():
        raise EngineError(param, "must be finite (no NaN or infinity)")
    return arr


def as_image(value: Any, param: str, *, ndim: int | Iterable[int] = (2, 3)) -> np.ndarray:
    """Return an H x W or C x H x W image, checking the 64 x 64 and 16-channel limits."""
    arr = as_array(value, param, ndim=ndim, max_size=MAX_CHANNELS * MAX_IMAGE_SIDE**2)
    check_image_shape(arr.shape, param)
    return arr


def check_image_shape(shape: tuple[int, ...], param: str) -> None:
    """Refuse images larger than 64 x 64 or with more than 16 channels."""
    h, w = shape[-2], shape[-1]
    if h > MAX_IMAGE_SIDE or w > MAX_IMAGE_SIDE:
        raise EngineError(param, f"is {h}x{w}, larger than the {MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE} limit")
    for c in shape[:-2]:
        if c > MAX_CHANNELS:
            raise EngineError(param, f"has {c} channels, more than the limit of {MAX_CHANNELS}")


def as_float(
    value: Any,
    param: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return a finite float, optionally inside [low, high] (open ends when asked)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
            return as_float(value, param, low=low, high=high, low_open=low_open, high_open=high_open)
        raise EngineError(param, f"expected a number, got {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        raise EngineError(param, "must be finite (no NaN or infinity)")
    if low is not None and (x < low or (low_open and x == low)):
        raise EngineError(param, f"must be {'>' if low_open else '>='} {low:g}, got {x:g}")
    if high is not None and (x > high or (high_open and x == high)):
        raise EngineError(param, f"must be {'<' if high_open else '<='} {high:g}, got {x:g}")
    return x


def as_int(value: Any, param: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return an int (integral floats such as 3.0 are accepted), optionally inside [low, high]."""
    if isinstance(value, bool):
        raise EngineError(param, "expected an integer, got a boolean")
    if isinstance(value, (numbers.Integral, np.integer)):
        n = int(value)
    elif isinstance(value, (numbers.Real, np.floating)) and math.isfinite(value) and float(value).is_integer():
        n = int(value)
    else:
        raise EngineError(param, f"expected an integer, got {value!r}")
    if low is not None and n < low:
        raise EngineError(param, f"must be >= {low}, got {n}")
    if high is not None and n > high:
        raise EngineError(param, f"must be <= {high}, got {n}")
    return n


def as_choice(value: Any, param: str, choices: Iterable[str]) -> str:
    """Return ``value`` lower-cased if it is one of ``choices``."""
    options = tuple(choices)
    if not isinstance(value, str) or value.lower() not in options:
        raise EngineError(param, f"must be one of {', '.join(options)}; got {value!r}")
    return value.lower()


def as_pair(value: Any, param: str, *, low: int = 0, high: int | None = None) -> tuple[int, int]:
    """Return an int or an (int, int) pair as a (height, width) pair."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise EngineError(param, f"expected one integer or a pair, got {len(value)} values")
        return (as_int(value[0], param, low=low, high=high), as_int(value[1], param, low=low, high=high))
    n = as_int(value, param, low=low, high=high)
    return (n, n)


def same_shape(a: np.ndarray, b: np.ndarray, param: str, other: str) -> None:
    """Refuse two arrays whose shapes differ, naming both."""
    if a.shape != b.shape:
        raise EngineError(param, f"shape {a.shape} does not match {other} shape {b.shape}")


def overflow_checked(fn):  # noqa: ANN001, ANN201
    """Run fn with NumPy's overflow warnings off: its result is checked for finiteness and refused instead."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        with np.errstate(over="ignore", invalid="ignore"):
            return fn(*args, **kwargs)

    return wrapper
