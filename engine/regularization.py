"""Inverted dropout and batch normalisation (training mode, forward and backward)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import EngineError, as_array, as_float, as_int, same_shape
from .trace import Worked, step, worked


def dropout(a: Any, p: float, seed: int | None = 0, mask: Any = None) -> Worked:
    """Inverted dropout: drop each unit with probability p, scale the kept ones by 1/(1 - p)."""
    x = as_array(a, "a", ndim=(1, 2))
    p = as_float(p, "p", low=0.0, high=1.0, high_open=True)
    if mask is None:
        s = as_int(seed, "seed", low=0, high=2**63 - 1) if seed is not None else None
        # keep where the uniform draw is >= p, so P(drop) = p exactly
        keep = (np.random.default_rng(s).random(x.shape) >= p).astype(np.float64)
        source = f"drawn with numpy.random.default_rng({s}): keep where u >= p"
    else:
        keep = as_array(mask, "mask", ndim=x.ndim)
        same_shape(keep, x, "mask", "a")
        if not np.isin(keep, (0.0, 1.0)).all():
            raise EngineError("mask", "must contain only 0 (dropped) and 1 (kept)")
        source = "given"
    scale = 1.0 / (1.0 - p)
    out = x * keep * scale
    n = x.size
    steps = [
        step("Keep mask", r"m_i \sim \mathrm{Bernoulli}(1 - p)", {"p": p, "keep_prob": 1.0 - p}, {"mask": keep},
             f"Mask {source}; 1 keeps a unit, 0 drops it."),
        step("Scale the kept units", r"y_i = \frac{m_i\, a_i}{1 - p}", {"a": x, "scale": scale}, {"output": out},
             "Inverted dropout scales during training so the expected activation is unchanged."),
        step("At inference", r"y_i = a_i", {}, {"output": x}, "Dropout is switched off and nothing is rescaled."),
        step("Expected number dropped", r"p \cdot n", {"p": p, "n": n}, {"expected_dropped": p * n}),
    ]
    result = {
        "mask": keep,
        "output": out,
        "inference_output": x,
        "scale": scale,
        "keep_prob": 1.0 - p,
        "dropped": int(n - keep.sum()),
        "expected_dropped": p * n,
    }
    return worked(result, steps)


def _batch(x: Any) -> tuple[np.ndarray, bool]:
    xa = as_array(x, "x", ndim=(1, 2))
    column = xa.ndim == 1  # a 1-D batch is m samples of one feature
    x2 = xa[:, None] if column else xa
    if x2.shape[0] < 2:
        raise EngineError("x", "batch norm needs at least 2 samples (rows)")
    return x2, column


def _affine(value: Any, param: str, d: int, default: float) -> np.ndarray:
    if value is None:
        return np.full(d, default)
    v = as_array(value, param, ndim=(0, 1))
    if v.ndim == 1 and v.size != d:
        raise EngineError(param, f"has {v.size} value(s) for {d} feature(s)")
    return np.broadcast_to(v, (d,)).astype(np.float64)


def batchnorm(x: Any, gamma: Any = None, beta: Any = None, eps: float = 1e-5) -> Worked:
    """Batch-norm forward pass in training mode: batch mean, biased variance, scale and shift."""
    x2, column = _batch(x)
    m, d = x2.shape
    g = _affine(gamma, "gamma", d, 1.0)
    b = _affine(beta, "beta", d, 0.0)
    eps = as_float(eps, "eps", low=0.0, low_open=True)
    mu = x2.mean(axis=0)
    var = ((x2 - mu) ** 2).mean(axis=0)
    std = np.sqrt(var + eps)
    xhat = (x2 - mu) / std
    y = g * xhat + b

    def shape(a: np.ndarray) -> np.ndarray:
        return a[:, 0] if column else a

    steps = [
        step("Batch mean", r"\mu_B = \frac{1}{m}\sum_i x_i", {"x": shape(x2), "m": m}, {"mean": mu}),
        step("Batch variance (biased)", r"\sigma_B^2 = \frac{1}{m}\sum_i (x_i - \mu_B)^2", {"m": m}, {"var": var},
             "Training-mode batch norm divides by m, not m - 1."),
        step("Normalise", r"\hat x_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}", {"eps": eps}, {"x_hat": shape(xhat)}),
        step("Scale and shift", r"y_i = \gamma \hat x_i + \beta", {"gamma": g, "beta": b}, {"y": shape(y)},
             "Each output column has mean beta and standard deviation close to gamma."),
    ]
    result = {
        "mean": mu,
        "var": var,
        "var_unbiased": var * m / (m - 1),
        "x_hat": shape(xhat),
        "y": shape(y),
        "output_mean": y.mean(axis=0),
        "output_std": y.std(axis=0),
    }
    return worked(result, steps)


def batchnorm_backward(x: Any, grad_output: Any, gamma: Any = None, eps: float = 1e-5) -> Worked:
    """Batch-norm backward pass (training mode): gradients wrt x, gamma and beta."""
    x2, column = _batch(x)
    m, d = x2.shape
    g = _affine(gamma, "gamma", d, 1.0)
    eps = as_float(eps, "eps", low=0.0, low_open=True)
    dy = as_array(grad_output, "grad_output", ndim=(1, 2))
    dy2 = dy[:, None] if dy.ndim == 1 else dy
    if dy2.shape != x2.shape:
        raise EngineError("grad_output", f"shape {dy.shape} does not match x's shape {np.shape(x)}")
    mu = x2.mean(axis=0)
    var = ((x2 - mu) ** 2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x2 - mu) * inv_std
    grad_beta = dy2.sum(axis=0)
    grad_gamma = (dy2 * xhat).sum(axis=0)
    # the compact form: the mean and variance depend on every x_i, hence the two correction sums
    grad_x = g * inv_std / m * (m * dy2 - grad_beta - xhat * grad_gamma)
    steps = [
        step("Beta gradient", r"\frac{\partial L}{\partial \beta} = \sum_i \delta_i", {"grad_output": dy}, {"grad_beta": grad_beta}),
        step("Gamma gradient", r"\frac{\partial L}{\partial \gamma} = \sum_i \delta_i \hat x_i",
             {"x_hat": xhat[:, 0] if column else xhat}, {"grad_gamma": grad_gamma}),
        step(
            "Input gradient",
            r"\frac{\partial L}{\partial x_i} = \frac{\gamma}{m\sqrt{\sigma_B^2 + \epsilon}}\Big(m\,\delta_i - \sum_j \delta_j - \hat x_i \sum_j \delta_j \hat x_j\Big)",
            {"gamma": g, "var": var, "eps": eps, "m": m},
            {"grad_input": grad_x[:, 0] if column else grad_x},
            "The batch mean and variance depend on every sample, which adds the two sums.",
        ),
    ]
    result = {"grad_input": grad_x[:, 0] if column else grad_x, "grad_gamma": grad_gamma, "grad_beta": grad_beta}
    return worked(result, steps)
