"""The ``Worked`` answer type and helpers that turn NumPy values into plain JSON data."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import EngineError

_ATOMS = (float, int, str, bool, type(None))


def plain(value: Any) -> Any:
    """Convert NumPy arrays and scalars (also inside lists, tuples, dicts) to plain Python."""
    kind = type(value)
    if kind in _ATOMS:  # the common case first: traces are mostly plain numbers already
        return value
    if kind is np.ndarray:
        return value.tolist()
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
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


def _finite(value: Any) -> bool:
    kind = type(value)
    if kind is float:
        return math.isfinite(value)
    if kind is np.ndarray:
        return value.dtype.kind not in "fc" or bool(np.isfinite(value).all())
    if kind is dict:
        return all(_finite(v) for v in value.values())
    if kind is list or kind is tuple:
        return all(_finite(v) for v in value)
    if isinstance(value, np.floating):
        return bool(np.isfinite(value))
    return True


def worked(result: dict[str, Any], steps: list[dict[str, Any]], param: str = "input") -> Worked:
    """Build a ``Worked`` with a plain-Python result, refusing one that overflowed to inf/NaN."""
    if not _finite(result):
        # finite inputs can still overflow float64 (e.g. 1e308 * 10); never hand out inf or NaN
        raise EngineError(param, "values are too large: the result overflows float64")
    return Worked(plain(result), steps)
