"""Shared helpers for the engine tests: a central-difference gradient checker."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences (f(x + h) - f(x - h)) / 2h for every element of x, in float64."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        up = f(x.copy())
        x[idx] = old - h
        down = f(x.copy())
        x[idx] = old
        grad[idx] = (up - down) / (2 * h)
    return grad


@pytest.fixture
def numgrad():
    """The central-difference checker as a fixture."""
    return numerical_gradient
