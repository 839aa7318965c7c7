"""Recurrent cells: parameter counts and an unrolled simple-RNN forward pass."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import EngineError, as_array, as_choice, as_int
from .trace import Worked, step, worked

CELL_GATES = {"simple": 1, "lstm": 4, "gru": 3}


def _step(title: str, formula: str, inputs: dict, outputs: dict, note: str = "") -> dict[str, Any]:
    return step(title, formula, inputs, outputs, note)


def _pos_int(name: str, v: Any, hi: int = 100_000) -> int:
    return as_int(v, name, low=1, high=hi)


def rnn_params(input_dim: int, hidden: int, cell: str = "simple", reset_after: bool = False) -> Worked:
    """Trainable parameters of one recurrent layer: g * n (n + m + 1) for g gate blocks.

    Keras' GRU with reset_after=True keeps two bias vectors per block: 3n(n + m + 2).
    """
    m = _pos_int("input_dim", input_dim)
    n = _pos_int("hidden", hidden)
    cell = as_choice(cell, "cell", CELL_GATES)
    if not isinstance(reset_after, bool):
        raise EngineError("reset_after", "must be true or false")
    g = CELL_GATES[cell]
    biases = 2 if (cell == "gru" and reset_after) else 1
    per_block = n * (n + m + biases)
    total = g * per_block
    steps = [
        _step("One block", r"n(n + m + 1)" if biases == 1 else r"n(n + m + 2)",
              {"n": n, "m": m}, {"per_block": per_block},
              "input weights n*m, recurrent weights n*n, bias n"
              + (" (twice, reset_after)" if biases == 2 else "")),
        _step("Blocks", r"g \cdot \text{block}", {"g": g, "cell": cell}, {"params": total},
              {"simple": "one tanh block", "lstm": "input, forget, cell and output gates",
               "gru": "update, reset and candidate"}[cell]),
    ]
    return worked({"params": total, "per_block": per_block, "blocks": g}, steps)


def _mat(name: str, v: Any, shape: tuple[int, ...]) -> np.ndarray:
    a = as_array(v, name)
    if a.shape != shape:
        if a.size == int(np.prod(shape)):
            a = a.reshape(shape)
        else:
            raise EngineError(name, f"must have shape {shape}, got {a.shape}")
    return a


def rnn_forward(xs: Any, W: Any, U: Any, b: Any = 0.0, h0: Any = 0.0,
                activation: str = "tanh") -> Worked:
    """Unrolled simple RNN h_t = f(W x_t + U h_{t-1} + b); scalars or small vectors.

    xs has T rows (scalars for a 1-d input); W is n x m, U is n x n, b and h0 have n entries.
    """
    X = as_array(xs, "xs", ndim=(1, 2))
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[0] > 100:
        raise EngineError("xs", "must be a sequence of 1 to 100 inputs")
    T, m = X.shape
    wd = np.ndim(W)
    if wd == 0:
        n = 1
    elif wd == 1:
        n = len(W) if m == 1 else 1
    else:
        n = np.shape(W)[0]
    Wm = _mat("W", W, (n, m))
    Um = _mat("U", U, (n, n))
    bv = _mat("b", np.broadcast_to(np.asarray(b, dtype=np.float64), (n,)), (n,))
    h = _mat("h0", np.broadcast_to(np.asarray(h0, dtype=np.float64), (n,)), (n,)).copy()
    acts = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "identity": lambda z: z}
    if activation not in acts:
        raise EngineError("activation", f"must be one of {list(acts)}")
    f = acts[activation]
    scalar = n == 1 and m == 1
    hs, zs, steps = [], [], []
    for t in range(T):
        z = Wm @ X[t] + Um @ h + bv
        h = f(z)
        if not np.all(np.isfinite(h)):
            raise EngineError("xs", "the hidden state overflowed")
        zs.append(float(z[0]) if scalar else z.tolist())
        hs.append(float(h[0]) if scalar else h.tolist())
        steps.append(_step(f"Step t = {t + 1}", r"h_t = " + activation + r"(W x_t + U h_{t-1} + b)",
                           {"x_t": float(X[t][0]) if m == 1 else X[t].tolist()},
                           {"z_t": zs[-1], "h_t": hs[-1]},
                           "the same W, U and b are reused at every step"))
    return worked({"hs": hs, "zs": zs, "h_last": hs[-1]}, steps)
