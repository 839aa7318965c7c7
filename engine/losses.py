"""Loss functions with their gradients: MSE, binary and categorical cross-entropy.

Natural logarithms throughout; losses are means (over all elements for MSE and BCE,
over samples for categorical cross-entropy), as PyTorch's default ``reduction="mean"``.
Probabilities are clipped to [eps, 1 - eps] (eps = 1e-12) before taking logs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import log_softmax_array, sigmoid, softmax_array, softplus
from .errors import EngineError, as_array, as_float, overflow_checked, same_shape
from .trace import Worked, scalar_or_list, step, worked

EPS = 1e-12


def _eps(eps: Any) -> float:
    return as_float(eps, "eps", low=0.0, high=0.5, high_open=True)


def _probabilities(p: np.ndarray, param: str) -> None:
    if (p < 0).any() or (p > 1).any():
        raise EngineError(param, "probabilities must lie in [0, 1]")


@overflow_checked
def mse(y_true: Any, y_pred: Any) -> Worked:
    """Mean squared error over all outputs and its gradient wrt the predictions."""
    y = as_array(y_true, "y_true", ndim=(0, 1, 2))
    yhat = as_array(y_pred, "y_pred", ndim=(0, 1, 2))
    same_shape(yhat, y, "y_pred", "y_true")
    diff = yhat - y
    n = diff.size
    loss = float(np.mean(diff**2))
    grad = 2.0 * diff / n
    steps = [
        step("Errors", r"e_i = \hat y_i - y_i", {"y_true": y, "y_pred": yhat}, {"errors": diff}),
        step("Squared errors", r"e_i^2", {"errors": diff}, {"squared": diff**2}),
        step("Mean", r"L = \frac{1}{n}\sum_i e_i^2", {"n": n}, {"loss": loss}),
        step("Gradient", r"\frac{\partial L}{\partial \hat y_i} = \frac{2}{n} e_i", {"n": n}, {"gradient": grad}),
    ]
    return worked({"loss": loss, "gradient": scalar_or_list(grad), "n": n}, steps)


def binary_cross_entropy(y_true: Any, p: Any, eps: float = EPS) -> Worked:
    """Mean binary cross-entropy from probabilities, and its gradient wrt ``p``."""
    y = as_array(y_true, "y_true", ndim=(0, 1, 2))
    prob = as_array(p, "p", ndim=(0, 1, 2))
    same_shape(prob, y, "p", "y_true")
    _probabilities(prob, "p")
    _probabilities(y, "y_true")
    eps = _eps(eps)
    clipped = np.clip(prob, eps, 1.0 - eps)
    n = prob.size
    per = -(y * np.log(clipped) + (1.0 - y) * np.log1p(-clipped))
    loss = float(per.mean())
    grad = (clipped - y) / (clipped * (1.0 - clipped)) / n
    note = "Some probabilities were clipped to [eps, 1 - eps]." if (clipped != prob).any() else ""
    steps = [
        step(
            "Per-example loss",
            r"\ell_i = -\left[y_i \ln p_i + (1 - y_i)\ln(1 - p_i)\right]",
            {"y_true": y, "p": clipped},
            {"per_example": per},
            note,
        ),
        step("Mean", r"L = \frac{1}{n}\sum_i \ell_i", {"n": n}, {"loss": loss}),
        step(
            "Gradient",
            r"\frac{\partial L}{\partial p_i} = \frac{1}{n}\,\frac{p_i - y_i}{p_i (1 - p_i)}",
            {"n": n},
            {"gradient": grad},
        ),
    ]
    return worked({"loss": loss, "per_example": scalar_or_list(per), "gradient": scalar_or_list(grad), "n": n}, steps)


def binary_cross_entropy_with_logits(y_true: Any, logits: Any) -> Worked:
    """Mean binary cross-entropy from logits (softplus form, stable) and its gradient."""
    y = as_array(y_true, "y_true", ndim=(0, 1, 2))
    z = as_array(logits, "logits", ndim=(0, 1, 2))
    same_shape(z, y, "logits", "y_true")
    _probabilities(y, "y_true")
    n = z.size
    # -[y ln s(z) + (1-y) ln(1-s(z))] = softplus(z) - y z, which never takes log(0)
    per = softplus(z) - y * z
    loss = float(per.mean())
    p = sigmoid(z)
    grad = (p - y) / n
    steps = [
        step(
            "Per-example loss",
            r"\ell_i = \operatorname{softplus}(z_i) - y_i z_i = \max(z_i, 0) - y_i z_i + \ln(1 + e^{-|z_i|})",
            {"y_true": y, "logits": z},
            {"per_example": per},
            "Algebraically the same as -[y ln sigma(z) + (1 - y) ln(1 - sigma(z))], but it never takes log(0).",
        ),
        step("Mean", r"L = \frac{1}{n}\sum_i \ell_i", {"n": n}, {"loss": loss}),
        step(
            "Gradient",
            r"\frac{\partial L}{\partial z_i} = \frac{\sigma(z_i) - y_i}{n}",
            {"probabilities": p, "n": n},
            {"gradient": grad},
        ),
    ]
    result = {"loss": loss, "per_example": scalar_or_list(per), "probabilities": scalar_or_list(p),
              "gradient": scalar_or_list(grad), "n": n}
    return worked(result, steps)


def _targets(target: Any, scores: np.ndarray, param: str = "target") -> tuple[np.ndarray, bool]:
    """One-hot targets shaped like ``scores``; integer labels (one axis fewer) are expanded."""
    t = as_array(target, param, ndim=(0, 1, 2))
    k = scores.shape[-1]
    if t.ndim == scores.ndim - 1:
        if not (t == np.round(t)).all() or (t < 0).any() or (t >= k).any():
            raise EngineError(param, f"class labels must be integers in [0, {k - 1}]")
        onehot = np.zeros_like(scores)
        idx = t.astype(np.int64)
        if scores.ndim == 1:
            onehot[idx] = 1.0
        else:
            if t.shape[0] != scores.shape[0]:
                raise EngineError(param, f"has {t.shape[0]} labels for {scores.shape[0]} samples")
            onehot[np.arange(len(idx)), idx] = 1.0
        return onehot, True
    same_shape(t, scores, param, "prediction")
    if (t < 0).any():
        raise EngineError(param, "target probabilities must be >= 0")
    return t, False


def categorical_cross_entropy(target: Any, p: Any, eps: float = EPS) -> Worked:
    """Categorical cross-entropy from probabilities (one-hot or integer labels), mean over samples."""
    prob = as_array(p, "p", ndim=(1, 2))
    _probabilities(prob, "p")
    y, from_labels = _targets(target, prob)
    eps = _eps(eps)
    clipped = np.clip(prob, eps, 1.0)
    m = 1 if prob.ndim == 1 else prob.shape[0]
    per = -(y * np.log(clipped)).sum(axis=-1)
    loss = float(per.mean())
    grad = -y / clipped / m
    steps = [
        step(
            "One-hot targets" if from_labels else "Targets",
            r"y_{k} = [k = c]",
            {"target": target},
            {"one_hot": y},
        ),
        step(
            "Per-sample loss",
            r"\ell = -\sum_k y_k \ln p_k",
            {"one_hot": y, "p": clipped},
            {"per_sample": per},
            "Only the probability of the true class contributes when the target is one-hot.",
        ),
        step("Mean over samples", r"L = \frac{1}{m}\sum \ell", {"m": m}, {"loss": loss}),
        step("Gradient", r"\frac{\partial L}{\partial p_k} = -\frac{y_k}{m\,p_k}", {"m": m}, {"gradient": grad}),
    ]
    result = {"loss": loss, "per_sample": scalar_or_list(per), "one_hot": y, "gradient": grad, "m": m}
    return worked(result, steps)


def categorical_cross_entropy_with_logits(target: Any, logits: Any) -> Worked:
    """Categorical cross-entropy from logits via log-sum-exp, with gradient softmax - y."""
    z = as_array(logits, "logits", ndim=(1, 2))
    y, from_labels = _targets(target, z)
    m = 1 if z.ndim == 1 else z.shape[0]
    log_p = log_softmax_array(z)
    p = softmax_array(z)
    per = -(y * log_p).sum(axis=-1)
    loss = float(per.mean())
    grad = (p * y.sum(axis=-1, keepdims=True) - y) / m
    steps = [
        step(
            "One-hot targets" if from_labels else "Targets",
            r"y_{k} = [k = c]",
            {"target": target},
            {"one_hot": y},
        ),
        step(
            "Log-probabilities by log-sum-exp",
            r"\ln p_k = z_k - \max_j z_j - \ln\sum_j e^{z_j - \max_i z_i}",
            {"logits": z},
            {"log_probabilities": log_p, "probabilities": p},
        ),
        step("Per-sample loss", r"\ell = -\sum_k y_k \ln p_k", {"one_hot": y}, {"per_sample": per}),
        step("Mean over samples", r"L = \frac{1}{m}\sum \ell", {"m": m}, {"loss": loss}),
        step(
            "Gradient",
            r"\frac{\partial L}{\partial z_k} = \frac{p_k - y_k}{m}",
            {"m": m},
            {"gradient": grad},
            "For targets that sum to 1 the gradient is simply softmax minus the target.",
        ),
    ]
    result = {"loss": loss, "per_sample": scalar_or_list(per), "one_hot": y, "probabilities": p,
              "gradient": grad, "m": m}
    return worked(result, steps)


_LOSSES = {
    "mse": mse,
    "bce": binary_cross_entropy,
    "bce_logits": binary_cross_entropy_with_logits,
    "cce": categorical_cross_entropy,
    "cce_logits": categorical_cross_entropy_with_logits,
}
LOSSES: tuple[str, ...] = tuple(_LOSSES)


def loss(name: str, y_true: Any, y_pred: Any) -> Worked:
    """Dispatch by name: mse, bce, bce_logits, cce, cce_logits."""
    if not isinstance(name, str) or name.lower() not in _LOSSES:
        raise EngineError("name", f"must be one of {', '.join(LOSSES)}; got {name!r}")
    return _LOSSES[name.lower()](y_true, y_pred)
