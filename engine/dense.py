"""Dense (fully connected) layers, a single neuron, and flatten arithmetic.

Weights follow torch.nn.Linear: ``weights[i][j]`` joins input j to unit i, so z = W x + b.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import activation_name, activation_params, apply, formulas
from .errors import EngineError, as_array, as_int
from .trace import Worked, step, worked

MAX_SIZE = 100_000


def _layer(x: Any, weights: Any, bias: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xa = as_array(x, "x", ndim=(1, 2))
    w = as_array(weights, "weights", ndim=2)
    if xa.shape[-1] != w.shape[1]:
        raise EngineError("weights", f"has {w.shape[1]} input column(s) but x has {xa.shape[-1]} feature(s)")
    if bias is None:
        b = np.zeros(w.shape[0])
    else:
        b = as_array(bias, "bias", ndim=(0, 1))
        if b.ndim == 1 and b.size != w.shape[0]:
            raise EngineError("bias", f"has {b.size} value(s) for {w.shape[0]} unit(s)")
        b = np.broadcast_to(b, (w.shape[0],)).astype(np.float64)
    return xa, w, b


def dense(x: Any, weights: Any, bias: Any = None, activation: str = "linear", **kw: Any) -> Worked:
    """One dense layer a = f(W x + b) for a vector or a batch (rows are samples)."""
    xa, w, b = _layer(x, weights, bias)
    name = activation_name(activation, "activation")
    params = activation_params(name, kw, "activation")
    z = xa @ w.T + b
    a = apply(name, z, **params)
    steps = [
        step("Weighted sums", r"z_i = \sum_j W_{ij} x_j + b_i", {"x": xa, "W": w, "b": b}, {"z": z}),
        step(f"Activation ({name})", formulas(name, params)[0], {"z": z, **params}, {"a": a}),
    ]
    return worked({"z": z, "output": a, "activation": name}, steps)


def dense_backward(x: Any, weights: Any, grad_z: Any, bias: Any = None) -> Worked:
    """Gradients of z = W x + b wrt x, W and b given dL/dz (vector or batch)."""
    xa, w, _ = _layer(x, weights, bias)
    g = as_array(grad_z, "grad_z", ndim=xa.ndim)
    want = (w.shape[0],) if xa.ndim == 1 else (xa.shape[0], w.shape[0])
    if g.shape != want:
        raise EngineError("grad_z", f"shape {g.shape} does not match z's shape {want}")
    g2, x2 = np.atleast_2d(g), np.atleast_2d(xa)
    grad_w = g2.T @ x2
    grad_b = g2.sum(axis=0)
    grad_x = g @ w
    steps = [
        step("Weight gradient", r"\frac{\partial L}{\partial W} = \delta\, x^{\top}", {"delta": g, "x": xa}, {"grad_weights": grad_w},
             "Summed over the samples of a batch."),
        step("Bias gradient", r"\frac{\partial L}{\partial b} = \delta", {"delta": g}, {"grad_bias": grad_b}),
        step("Input gradient", r"\frac{\partial L}{\partial x} = W^{\top} \delta", {"W": w, "delta": g}, {"grad_input": grad_x}),
    ]
    return worked({"grad_input": grad_x, "grad_weights": grad_w, "grad_bias": grad_b}, steps)


def neuron(x: Any, weights: Any, bias: float = 0.0, activation: str = "linear", **kw: Any) -> Worked:
    """A single neuron: z = w . x + b and its activation f(z) (linear takes a slope k)."""
    xa = as_array(x, "x", ndim=1)
    w = as_array(weights, "weights", ndim=1)
    if w.size != xa.size:
        raise EngineError("weights", f"has {w.size} value(s) for {xa.size} input(s)")
    b = float(as_array(bias, "bias", ndim=0))
    name = activation_name(activation, "activation")
    params = activation_params(name, kw, "activation")
    products = w * xa
    z = float(products.sum() + b)
    y = float(apply(name, np.float64(z), **params))
    steps = [
        step("Products", r"w_j x_j", {"x": xa, "weights": w}, {"products": products}),
        step("Weighted sum", r"z = \sum_j w_j x_j + b", {"products": products, "bias": b}, {"z": z}),
        step(f"Activation ({name})", formulas(name, params)[0], {"z": z, **params}, {"output": y}),
    ]
    return worked({"z": z, "output": y, "activation": name, "params": params}, steps)


def flatten(shape: Any, units: int | None = None, bias: bool = True) -> Worked:
    """Length of a flattened H x W x C volume and the parameter count of the next dense layer."""
    if not isinstance(shape, (list, tuple)) or not 1 <= len(shape) <= 4:
        raise EngineError("shape", "expected a list of 1 to 4 positive integers, e.g. [7, 7, 64]")
    dims = [as_int(d, "shape", low=1, high=MAX_SIZE) for d in shape]
    n = int(np.prod(dims, dtype=object))
    steps = [step("Flatten", r"n = " + r" \times ".join(str(d) for d in dims), {"shape": dims}, {"length": n})]
    result: dict[str, Any] = {"shape": dims, "length": n}
    if units is not None:
        u = as_int(units, "units", low=1, high=MAX_SIZE)
        nb = int(bool(bias))
        params = n * u + nb * u
        steps.append(step("Next dense layer", r"n \cdot U + U", {"n": n, "U": u}, {"params": params},
                          "One weight per (input, unit) pair plus one bias per unit."))
        result.update(units=u, dense_params=params, dense_weights=n * u)
    return worked(result, steps)


