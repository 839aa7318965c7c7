"""The ``Worked`` answer type and helpers that turn NumPy values into plain JSON data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import EngineError

_ATOMS = (float, int, str, bool, type(None))


def plain(value: Any) -> Any:
    """Convert NumPy arrays and scalars (also inside lists, tuples, dicts) to plain Python."""
    kind = type(value)
    if kind is float:
        return value + 0.0  # turns -0.0 (e.g. 0 * -1) into 0.0, which reads better in a worked answer
    if kind in _ATOMS:  # the common case first: traces are mostly plain numbers already
        return value
    if kind is np.ndarray:
        return (value + 0.0).tolist() if value.dtype.kind == "f" else value.tolist()
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def scalar_or_list(arr: np.ndarray) -> float | list:
    """A 0-d array becomes a float; anything else a (nested) list."""
    arr = np.asarray(arr)
    return float(arr) if arr.ndim == 0 else arr.tolist()


def step(
    title: str,
    formula: str,
    inputs: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
    note: str = "",
) -> dict[str, Any]:
    """Build one trace step: a title, a LaTeX formula (no $), its inputs and outputs."""
    return {
        "title": title,
        "formula": formula,
        "inputs": plain(inputs or {}),
        "outputs": plain(outputs or {}),
        "note": note,
    }


@dataclass(frozen=True)
class Worked:
    """A computed answer: JSON-ready ``result`` values plus the ``steps`` that produced them."""

    result: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The result with the steps under the key ``"steps"``."""
        return {**self.result, "steps": self.steps}

    def __getitem__(self, key: str) -> Any:
        return self.result[key]


class _Overflow(Exception):
    pass


def _checked(value: Any) -> Any:
    """``plain(value)``, raising _Overflow on inf or NaN (one walk for both jobs)."""
    kind = type(value)
    if kind is float:
        if value - value != 0.0:  # inf - inf and nan - nan are nan; cheaper than math.isfinite
            raise _Overflow
        return value + 0.0
    if kind in _ATOMS:
        return value
    if kind is np.ndarray:
        if value.dtype.kind == "f":
            if not np.isfinite(value).all():
                raise _Overflow
            return (value + 0.0).tolist()
        return value.tolist()
    if kind is dict:
        return {str(k): _checked(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_checked(v) for v in value]
    return _checked(plain(value)) if isinstance(value, (np.generic, dict, list, tuple)) else value


def worked(result: dict[str, Any], steps: list[dict[str, Any]], param: str = "input") -> Worked:
    """Build a ``Worked`` with a plain-Python result, refusing one that overflowed to inf/NaN."""
    try:
        clean = _checked(result)
    except _Overflow:
        # finite inputs can still overflow float64 (e.g. 1e308 * 10); never hand out inf or NaN
        raise EngineError(param, "values are too large: the result overflows float64") from None
    return Worked(clean, steps)
