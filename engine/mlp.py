"""Multi-layer perceptrons: a forward pass and one backpropagation + gradient-descent step.

Layer l computes z_l = W_l a_{l-1} + b_l and a_l = f_l(z_l); ``weights[l][i][j]`` joins
input j to unit i (torch.nn.Linear's layout). ``x`` is one sample (a vector) or a batch
(rows are samples; losses are then averaged over the batch).

Losses: "mse" (mean over all outputs), "half_sse" (1/2 sum of squared errors per sample,
the textbook backprop example), "bce" (binary cross-entropy of the output probabilities)
and "cce" (categorical cross-entropy; needs a softmax output layer).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import (
    activation_name,
    activation_params,
    apply,
    derivative,
    formulas,
    log_softmax_array,
    softmax_array,
    softplus,
)
from .errors import MAX_LAYERS, EngineError, as_array, as_choice, as_float
from .trace import Worked, step, worked

LOSSES = ("mse", "half_sse", "bce", "cce")
EPS = 1e-12


def _activations(spec: Any, n_layers: int) -> list[tuple[str, dict[str, Any]]]:
    items = spec if isinstance(spec, (list, tuple)) else [spec] * n_layers
    if len(items) != n_layers:
        raise EngineError("activations", f"has {len(items)} entries for {n_layers} layer(s)")
    out = []
    for k, item in enumerate(items):
        if isinstance(item, dict):
            kw = dict(item)
            name = kw.pop("name", None)
        else:
            name, kw = item, {}
        if isinstance(name, str) and name.lower() == "softmax":
            if k != n_layers - 1 or kw:
                raise EngineError("activations", "softmax is only allowed, without parameters, on the last layer")
            out.append(("softmax", {}))
            continue
        canon = activation_name(name, "activations")
        out.append((canon, activation_params(canon, kw, "activations")))
    return out


def _network(x: Any, weights: Any, biases: Any, activations: Any):
    xa = as_array(x, "x", ndim=(1, 2))
    if not isinstance(weights, (list, tuple)) or not weights:
        raise EngineError("weights", "expected a non-empty list of weight matrices")
    if len(weights) > MAX_LAYERS:
        raise EngineError("weights", f"has {len(weights)} layers, more than the limit of {MAX_LAYERS}")
    if biases is None:
        biases = [None] * len(weights)
    if not isinstance(biases, (list, tuple)) or len(biases) != len(weights):
        raise EngineError("biases", f"expected one bias (vector, number or null) per layer ({len(weights)})")
    ws, bs = [], []
    n_in = xa.shape[-1]
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        wa = as_array(w, f"weights[{k}]", ndim=2)
        if wa.shape[1] != n_in:
            raise EngineError(f"weights[{k}]", f"has {wa.shape[1]} input column(s) but its input has {n_in}")
        if b is None:
            ba = np.zeros(wa.shape[0])
        else:
            ba = as_array(b, f"biases[{k}]", ndim=(0, 1))
            if ba.ndim == 1 and ba.size != wa.shape[0]:
                raise EngineError(f"biases[{k}]", f"has {ba.size} value(s) for {wa.shape[0]} unit(s)")
            ba = np.broadcast_to(ba, (wa.shape[0],)).astype(np.float64)
        ws.append(wa)
        bs.append(ba)
        n_in = wa.shape[0]
    acts = _activations(activations, len(ws))
    return xa, ws, bs, acts


def _act(name: str, params: dict, z: np.ndarray) -> np.ndarray:
    return softmax_array(z) if name == "softmax" else apply(name, z, **params)


def _tex(name: str, params: dict) -> str:
    return r"a_k = \frac{e^{z_k}}{\sum_j e^{z_j}}" if name == "softmax" else formulas(name, params)[0]


def _forward(x2: np.ndarray, ws: list, bs: list, acts: list) -> tuple[list, list]:
    zs, avals = [], [x2]
    for w, b, (name, params) in zip(ws, bs, acts, strict=True):
        z = avals[-1] @ w.T + b
        zs.append(z)
        avals.append(_act(name, params, z))
    return zs, avals


def _loss(kind: str, a: np.ndarray, t: np.ndarray, z: np.ndarray, out_name: str) -> float:
    m = a.shape[0]
    # from the logits where possible: a saturated sigmoid/softmax output has lost the digits log() needs
    if kind == "bce" and out_name == "sigmoid":
        return float(np.mean(softplus(z) - t * z))
    if kind == "cce":
        return float(np.mean(-(t * log_softmax_array(z)).sum(axis=1)))
    if kind == "mse":
        return float(np.mean((a - t) ** 2))
    if kind == "half_sse":
        return float(0.5 * np.sum((a - t) ** 2) / m)
    p = np.clip(a, EPS, 1 - EPS)
    return float(np.mean(-(t * np.log(p) + (1 - t) * np.log1p(-p))))


_LOSS_TEX = {
    "mse": r"L = \frac{1}{n}\sum_k (a_k - t_k)^2",
    "half_sse": r"L = \tfrac12 \sum_k (a_k - t_k)^2",
    "bce": r"L = -\frac{1}{n}\sum_k \big[t_k \ln a_k + (1 - t_k)\ln(1 - a_k)\big]",
    "cce": r"L = -\sum_k t_k \ln a_k",
}


def _squeeze(a: np.ndarray, single: bool) -> np.ndarray:
    return a[0] if single else a


def mlp_forward(x: Any, weights: Any, biases: Any = None, activations: Any = "sigmoid") -> Worked:
    """Forward pass through dense layers, returning every z and activation."""
    xa, ws, bs, acts = _network(x, weights, biases, activations)
    single = xa.ndim == 1
    zs, avals = _forward(np.atleast_2d(xa), ws, bs, acts)
    steps, layers = [], []
    for k, (z, a, (name, params)) in enumerate(zip(zs, avals[1:], acts, strict=True)):
        z_, a_ = _squeeze(z, single), _squeeze(a, single)
        layers.append({"z": z_, "a": a_, "activation": name})
        steps.append(step(f"Layer {k + 1}: weighted sums", rf"z^{{({k + 1})}} = W^{{({k + 1})}} a^{{({k})}} + b^{{({k + 1})}}",
                          {"a_prev": _squeeze(avals[k], single), "W": ws[k], "b": bs[k]}, {"z": z_}))
        steps.append(step(f"Layer {k + 1}: activation ({name})", _tex(name, params), {"z": z_, **params}, {"a": a_}))
    return worked({"layers": layers, "output": _squeeze(avals[-1], single)}, steps)


def backprop_step(
    x: Any,
    target: Any,
    weights: Any,
    biases: Any = None,
    activations: Any = "sigmoid",
    loss: str = "mse",
    lr: float = 0.1,
) -> Worked:
    """One backpropagation and gradient-descent step, with every value and gradient traced."""
    xa, ws, bs, acts = _network(x, weights, biases, activations)
    kind = as_choice(loss, "loss", LOSSES)
    lr = as_float(lr, "lr", low=0.0)
    single = xa.ndim == 1
    x2 = np.atleast_2d(xa)
    m, n_out = x2.shape[0], ws[-1].shape[0]
    out_name = acts[-1][0]
    if (kind == "cce") != (out_name == "softmax"):
        raise EngineError("loss", "cce goes with a softmax output layer, and softmax only with cce")
    t = as_array(target, "target", ndim=(0, 1, 2))
    if kind == "cce" and t.ndim == xa.ndim - 1:  # integer class label(s)
        labels = np.atleast_1d(t)
        if not (labels == np.round(labels)).all() or (labels < 0).any() or (labels >= n_out).any():
            raise EngineError("target", f"class labels must be integers in [0, {n_out - 1}]")
        t2 = np.eye(n_out)[labels.astype(np.int64)]
    else:
        t2 = np.broadcast_to(t, (m, n_out)) if t.ndim == 0 else np.atleast_2d(t)
        if t2.shape != (m, n_out):
            raise EngineError("target", f"shape {t.shape} does not match the output shape {_squeeze(np.empty((m, n_out)), single).shape}")
    if kind in ("bce",) and ((t2 < 0) | (t2 > 1)).any():
        raise EngineError("target", "binary targets must lie in [0, 1]")

    zs, avals = _forward(x2, ws, bs, acts)
    out = avals[-1]
    if kind == "bce" and ((out < 0) | (out > 1)).any():
        raise EngineError("activations", "bce needs outputs in [0, 1]: use a sigmoid output layer")
    loss_value = _loss(kind, out, t2, zs[-1], out_name)
    steps = []
    layers = []
    for k, (z, a, (name, params)) in enumerate(zip(zs, avals[1:], acts, strict=True)):
        z_, a_ = _squeeze(z, single), _squeeze(a, single)
        layers.append({"z": z_, "a": a_, "activation": name})
        steps.append(step(f"Forward, layer {k + 1}", rf"z^{{({k + 1})}} = W^{{({k + 1})}} a^{{({k})}} + b^{{({k + 1})}},\ a^{{({k + 1})}} = f(z^{{({k + 1})}})",
                          {"a_prev": _squeeze(avals[k], single), "W": ws[k], "b": bs[k], "activation": name, **params},
                          {"z": z_, "a": a_}))
    steps.append(step("Loss", _LOSS_TEX[kind], {"output": _squeeze(out, single), "target": _squeeze(t2, single)},
                      {"loss": loss_value}, "Averaged over the samples of the batch." if not single else ""))

    # dL/dz at the output; the sigmoid+bce and softmax+cce pairs simplify to (a - t) / n
    n_mean = out.size if kind in ("mse", "bce") else m
    if kind == "cce":
        delta = (out - t2) / m
        d_tex = r"\delta^{(L)} = \frac{\partial L}{\partial z^{(L)}} = a - t"
    elif kind == "bce" and out_name == "sigmoid":
        delta = (out - t2) / n_mean
        d_tex = r"\delta^{(L)} = \frac{\partial L}{\partial z^{(L)}} = \frac{a - t}{n}"
    else:
        if kind == "mse":
            d_a = 2.0 * (out - t2) / n_mean
        elif kind == "half_sse":
            d_a = (out - t2) / m
        else:
            p = np.clip(out, EPS, 1 - EPS)
            d_a = (p - t2) / (p * (1 - p)) / n_mean
        name, params = acts[-1]
        delta = d_a * derivative(name, zs[-1], **params)
        d_tex = r"\delta^{(L)} = \frac{\partial L}{\partial a^{(L)}} \odot f'(z^{(L)})"
    deltas = [None] * len(ws)
    grad_ws = [None] * len(ws)
    grad_bs = [None] * len(ws)
    deltas[-1] = delta
    for k in range(len(ws) - 1, -1, -1):
        grad_ws[k] = deltas[k].T @ avals[k]
        grad_bs[k] = deltas[k].sum(axis=0)
        if k > 0:
            name, params = acts[k - 1]
            deltas[k - 1] = (deltas[k] @ ws[k]) * derivative(name, zs[k - 1], **params)
    for k in range(len(ws) - 1, -1, -1):
        formula = d_tex if k == len(ws) - 1 else rf"\delta^{{({k + 1})}} = \big(W^{{({k + 2})\top}} \delta^{{({k + 2})}}\big) \odot f'(z^{{({k + 1})}})"
        steps.append(step(f"Backward, layer {k + 1}", formula + rf",\quad \frac{{\partial L}}{{\partial W^{{({k + 1})}}}} = \delta^{{({k + 1})}} a^{{({k})\top}}",
                          {"z": _squeeze(zs[k], single)},
                          {"delta": _squeeze(deltas[k], single), "grad_W": grad_ws[k], "grad_b": grad_bs[k]}))
    new_ws = [w - lr * g for w, g in zip(ws, grad_ws, strict=True)]
    new_bs = [b - lr * g for b, g in zip(bs, grad_bs, strict=True)]
    steps.append(step("Gradient-descent update", r"W \leftarrow W - \eta \frac{\partial L}{\partial W},\quad b \leftarrow b - \eta \frac{\partial L}{\partial b}",
                      {"lr": lr}, {"weights": new_ws, "biases": new_bs}))
    new_zs, new_as = _forward(x2, new_ws, new_bs, acts)
    new_out = new_as[-1]
    new_loss = _loss(kind, new_out, t2, new_zs[-1], out_name)
    steps.append(step("Loss after the update", _LOSS_TEX[kind], {"output": _squeeze(new_out, single)}, {"loss": new_loss},
                      "A small enough learning rate lowers the loss." if new_loss < loss_value else
                      "The loss did not go down: the learning rate may be too large."))
    result = {
        "layers": layers,
        "output": _squeeze(out, single),
        "target": _squeeze(t2, single),
        "loss": loss_value,
        "deltas": [_squeeze(d, single) for d in deltas],
        "grad_weights": grad_ws,
        "grad_biases": grad_bs,
        "weights": new_ws,
        "biases": new_bs,
        "new_output": _squeeze(new_out, single),
        "new_loss": new_loss,
    }
    return worked(result, steps)
