"""Small closed-form computations: iterations per epoch, initialisation scales, shapes, counts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import MAX_VECTOR, EngineError, as_array, as_float, as_int
from .trace import Worked, plain, step, worked

MAX_ELEMENTS = MAX_VECTOR


def _step(title: str, formula: str, inputs: dict, outputs: dict, note: str = "") -> dict[str, Any]:
    return step(title, formula, inputs, outputs, note)


def _int(name: str, value: Any, lo: int = 1, hi: int = 10**12) -> int:
    return as_int(value, name, low=lo, high=hi)


def _float(name: str, value: Any) -> float:
    return as_float(value, name)


def _array(name: str, value: Any, ndim: int | None = None) -> np.ndarray:
    return as_array(value, name, ndim=ndim)


def _out(x: Any) -> Any:
    """Plain JSON-ready values out of numpy."""
    return plain(x)


# ------------------------------------------------------------------ initialisation, gradients

INIT_SCHEMES = ("xavier_uniform", "xavier_normal", "he_normal", "he_uniform", "lecun_normal")


def init_scale(fan_in: int, fan_out: int, scheme: str) -> Worked:
    """The std (normal) or limit (uniform) of Xavier/Glorot, He/Kaiming or LeCun initialisation."""
    fi = _int("fan_in", fan_in, 1, 10**7)
    fo = _int("fan_out", fan_out, 1, 10**7)
    if scheme not in INIT_SCHEMES:
        raise EngineError("scheme", f"must be one of {list(INIT_SCHEMES)}, got {scheme!r}")
    table = {
        "xavier_uniform": (math.sqrt(6 / (fi + fo)), r"\sqrt{6 / (n_{in} + n_{out})}", "limit"),
        "xavier_normal": (math.sqrt(2 / (fi + fo)), r"\sqrt{2 / (n_{in} + n_{out})}", "std"),
        "he_normal": (math.sqrt(2 / fi), r"\sqrt{2 / n_{in}}", "std"),
        "he_uniform": (math.sqrt(6 / fi), r"\sqrt{6 / n_{in}}", "limit"),
        "lecun_normal": (math.sqrt(1 / fi), r"\sqrt{1 / n_{in}}", "std"),
    }
    value, formula, kind = table[scheme]
    steps = [_step(f"{scheme.replace('_', ' ')} {kind}", formula, {"n_in": fi, "n_out": fo},
                   {kind: value},
                   "uniform on [-limit, limit]" if kind == "limit" else "normal with mean 0")]
    return worked({"value": value, "kind": kind, "scheme": scheme}, steps)


ACTIVATION_MAX_SLOPE = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "identity": 1.0}


def gradient_factor(depth: int, activation: str, weight_scale: float) -> Worked:
    """Upper bound (max slope x weight)^L on how a gradient is scaled through L layers."""
    n = _int("depth", depth, 1, 1000)
    if activation not in ACTIVATION_MAX_SLOPE:
        raise EngineError("activation", f"must be one of {list(ACTIVATION_MAX_SLOPE)}")
    w = _float("weight_scale", weight_scale)
    if w <= 0:
        raise EngineError("weight_scale", "must be positive")
    slope = ACTIVATION_MAX_SLOPE[activation]
    per_layer = slope * w
    factor = per_layer**n
    if not math.isfinite(factor):
        raise EngineError("depth", "the factor overflows; use a smaller depth or weight scale")
    verdict = "vanishes" if per_layer < 1 else ("explodes" if per_layer > 1 else "stays bounded")
    steps = [
        _step("Per-layer factor", r"\max|f'| \cdot w", {"max_slope": slope, "w": w},
              {"per_layer": per_layer}),
        _step("Through L layers", r"(\max|f'| \cdot w)^{L}", {"per_layer": per_layer, "L": n},
              {"factor": factor}, f"the gradient {verdict} with depth"),
    ]
    return worked({"factor": factor, "per_layer": per_layer, "verdict": verdict}, steps)


def update_ratio(weights: Any, gradient: Any, lr: float) -> Worked:
    """The ratio ||lr*g|| / ||W|| of update size to weight size, with the usual ~1e-3 verdict."""
    W = _array("weights", weights)
    G = _array("gradient", gradient)
    if W.shape != G.shape:
        raise EngineError("gradient", f"must have the shape of weights {W.shape}, got {G.shape}")
    eta = _float("lr", lr)
    if eta <= 0:
        raise EngineError("lr", "must be positive")
    wn = float(np.linalg.norm(W))
    if wn == 0:
        raise EngineError("weights", "must not be all zero")
    un = float(np.linalg.norm(eta * G))
    ratio = un / wn
    verdict = "too low" if ratio < 1e-4 else ("too high" if ratio > 1e-2 else "about right")
    steps = [
        _step("Weight norm", r"\lVert W \rVert_2", {}, {"weight_norm": wn}),
        _step("Update norm", r"\lVert \eta\, g \rVert_2", {"eta": eta}, {"update_norm": un}),
        _step("Ratio", r"\lVert \eta\, g \rVert / \lVert W \rVert", {}, {"ratio": ratio},
              f"about 1e-3 is healthy; this learning rate looks {verdict}"),
    ]
    return worked({"ratio": ratio, "weight_norm": wn, "update_norm": un, "verdict": verdict}, steps)


def l2_weight_decay(w: Any, grad: Any, lr: float, lam: float) -> Worked:
    """One SGD step on loss + (lam/2)||w||^2: w - lr (g + lam w)."""
    W = _array("w", w)
    G = _array("grad", grad)
    if W.shape != G.shape:
        raise EngineError("grad", "must have the shape of w")
    eta = _float("lr", lr)
    lm = _float("lam", lam)
    if eta <= 0:
        raise EngineError("lr", "must be positive")
    if lm < 0:
        raise EngineError("lam", "must not be negative")
    total = G + lm * W
    new = W - eta * total
    steps = [
        _step("Gradient of the penalised loss", r"g + \lambda w", {"g": _out(G), "lambda": lm,
              "w": _out(W)}, {"total_gradient": _out(total)}),
        _step("SGD step", r"w - \eta (g + \lambda w) = w(1 - \eta\lambda) - \eta g",
              {"eta": eta}, {"w_new": _out(new)},
              "for plain SGD this equals decoupled weight decay with factor (1 - eta*lambda)"),
    ]
    return worked({"w_new": _out(new), "total_gradient": _out(total),
                   "shrink": 1 - eta * lm}, steps)


# ------------------------------------------------------------------ shapes and parameter counts


def matmul_shape(a_shape: Sequence[int], b_shape: Sequence[int]) -> Worked:
    """The result shape of A @ B (NumPy/TF rules, batch dims broadcast), or the clashing dims."""
    a = [_int("a_shape", d, 1, 10**6) for d in a_shape]
    b = [_int("b_shape", d, 1, 10**6) for d in b_shape]
    if len(a) < 2 or len(b) < 2:
        raise EngineError("a_shape" if len(a) < 2 else "b_shape", "needs at least 2 dimensions")
    k1, k2 = a[-1], b[-2]
    steps = [_step("Inner dimensions", r"A_{m \times k_1} B_{k_2 \times n}: k_1 = k_2?",
                   {"a_shape": a, "b_shape": b}, {"k1": k1, "k2": k2})]
    if k1 != k2:
        steps[0]["note"] = f"{k1} != {k2}: matmul raises a shape error"
        return worked({"valid": False, "shape": None, "inner": [k1, k2]}, steps)
    ba, bb = a[:-2], b[:-2]
    try:
        batch = list(np.broadcast_shapes(tuple(ba), tuple(bb)))
    except ValueError:
        steps.append(_step("Batch dimensions", r"\text{broadcast}", {"a": ba, "b": bb},
                           {"error": "batch dimensions do not broadcast"}))
        return worked({"valid": False, "shape": None, "inner": [k1, k2]}, steps)
    shape = [*batch, a[-2], b[-1]]
    steps.append(_step("Result shape", r"(\ldots, m, n)", {"m": a[-2], "n": b[-1], "batch": batch},
                       {"shape": shape}))
    return worked({"valid": True, "shape": shape, "inner": [k1, k2]}, steps)


def transfer_head(feature_dim: int, num_classes: int, old_classes: int | None = None,
                  backbone_params: int | None = None) -> Worked:
    """Parameters of a new d->K classification head and its share of the whole network."""
    d = _int("feature_dim", feature_dim, 1, 10**6)
    k = _int("num_classes", num_classes, 1, 10**6)
    head = d * k + k
    result: dict[str, Any] = {"head_params": head}
    steps = [_step("New head", r"d \cdot K + K", {"d": d, "K": k}, {"head_params": head})]
    if old_classes is not None:
        ko = _int("old_classes", old_classes, 1, 10**6)
        old = d * ko + ko
        result["old_head_params"] = old
        steps.append(_step("Old head", r"d \cdot K_{old} + K_{old}", {"d": d, "K_old": ko},
                           {"old_head_params": old}))
    if backbone_params is not None:
        bb = _int("backbone_params", backbone_params, 0, 10**12)
        total = bb + head
        frac = head / total
        result.update({"total_params": total, "trainable_fraction": frac})
        steps.append(_step("Trainable share (frozen backbone)",
                           r"\frac{dK + K}{\text{backbone} + dK + K}",
                           {"backbone": bb, "head": head}, {"total": total, "fraction": frac}))
    return worked(result, steps)


def receptive_field(layers: int, kernel: int, strides: Sequence[int] | None = None) -> Worked:
    """Receptive field of stacked convolutions, and weights of the stack vs one big kernel."""
    n = _int("layers", layers, 1, 8)
    k = _int("kernel", kernel, 1, 64)
    s = [1] * n if strides is None else [_int("strides", x, 1, 16) for x in strides]
    if len(s) != n:
        raise EngineError("strides", f"must have one stride per layer ({n})")
    rf, jump = 1, 1
    steps = []
    for i in range(n):
        rf += (k - 1) * jump
        steps.append(_step(f"Layer {i + 1}", r"r_l = r_{l-1} + (k - 1) \prod_{j<l} s_j",
                           {"k": k, "jump": jump}, {"rf": rf}))
        jump *= s[i]
    stacked = n * k * k
    single = rf * rf
    steps.append(_step("Weights (per channel pair)", r"n k^2 \text{ vs } r^2",
                       {"n": n, "k": k, "r": rf}, {"stacked": stacked, "single": single}))
    return worked({"rf": rf, "stacked_weights": stacked, "single_weights": single}, steps)


# ------------------------------------------------------------------ statistics, encodings


def bootstrap_coverage(n: int) -> Worked:
    """P(a given example appears in a bootstrap sample of size n) = 1 - (1 - 1/n)^n."""
    m = _int("n", n, 1, 10**9)
    miss = (1 - 1 / m) ** m
    p = 1 - miss
    steps = [
        _step("Missed by one draw", r"1 - 1/n", {"n": m}, {"p_miss_one": 1 - 1 / m}),
        _step("Missed by all n draws", r"(1 - 1/n)^n", {"n": m}, {"p_missing": miss}),
        _step("Appears at least once", r"1 - (1 - 1/n)^n", {}, {"p_in": p},
              f"tends to 1 - 1/e = {1 - math.exp(-1):.4f} as n grows"),
    ]
    return worked({"probability": p, "missing": miss, "limit": 1 - math.exp(-1)}, steps)


CHAIN_GRAPHS = {
    "add_mul": ("(x + y) z", lambda x, y, z: ((x + y) * z, (z, z, x + y))),
    "sub_mul": ("(x - y) z", lambda x, y, z: ((x - y) * z, (z, -z, x - y))),
    "mul_add": ("x y + z", lambda x, y, z: (x * y + z, (y, x, 1.0))),
    "mul3": ("x y z", lambda x, y, z: (x * y * z, (y * z, x * z, x * y))),
    "add_sq": ("(x + y)^2 z", lambda x, y, z: ((x + y) ** 2 * z,
                                               (2 * (x + y) * z, 2 * (x + y) * z, (x + y) ** 2))),
}


def chain_rule(x: float, y: float, z: float, graph: str = "add_mul") -> Worked:
    """Forward value and gradients df/dx, df/dy, df/dz on a small computational graph."""
    xv, yv, zv = _float("x", x), _float("y", y), _float("z", z)
    if graph not in CHAIN_GRAPHS:
        raise EngineError("graph", f"must be one of {list(CHAIN_GRAPHS)}")
    expr, fn = CHAIN_GRAPHS[graph]
    f, grads = fn(xv, yv, zv)
    inner = {"add_mul": xv + yv, "sub_mul": xv - yv, "mul_add": xv * yv, "mul3": xv * yv,
             "add_sq": xv + yv}[graph]
    steps = [
        _step("Forward pass", "f = " + expr, {"x": xv, "y": yv, "z": zv},
              {"q": inner, "f": f}, "q is the intermediate node"),
        _step("Backward pass", r"\frac{\partial f}{\partial x_i} = \frac{\partial f}{\partial q}"
              r"\frac{\partial q}{\partial x_i}", {},
              {"df_dx": grads[0], "df_dy": grads[1], "df_dz": grads[2]}),
    ]
    return worked({"f": f, "grads": list(grads), "expression": expr}, steps)


NORMALIZATIONS = ("zscore", "minmax", "minmax_sym")


def feature_normalization(train: Any, test: Any = None, method: str = "zscore",
                          ddof: int = 0) -> Worked:
    """Normalise a training column and test values with statistics of the training data only."""
    x = _array("train", train, 1)
    if x.size < 2:
        raise EngineError("train", "needs at least two values")
    t = np.zeros(0) if test is None else np.atleast_1d(_array("test", test))
    if method not in NORMALIZATIONS:
        raise EngineError("method", f"must be one of {list(NORMALIZATIONS)}")
    if ddof not in (0, 1):
        raise EngineError("ddof", "must be 0 (population) or 1 (sample)")
    steps = []
    if method == "zscore":
        mu = float(x.mean())
        sd = float(x.std(ddof=ddof))
        if sd == 0:
            raise EngineError("train", "has zero spread")
        tr, te = (x - mu) / sd, (t - mu) / sd
        steps.append(_step("Training statistics",
                           r"\mu = \frac{1}{n}\sum x_i,\ \sigma = \sqrt{\frac{1}{n - d}\sum (x_i - \mu)^2}",
                           {"train": _out(x), "ddof": ddof}, {"mean": mu, "std": sd}))
        steps.append(_step("Standardise", r"z = (x - \mu)/\sigma", {},
                           {"train": _out(tr), "test": _out(te)}))
        stats = {"mean": mu, "std": sd}
    else:
        lo, hi = float(x.min()), float(x.max())
        if hi == lo:
            raise EngineError("train", "has zero range")
        u = (x - lo) / (hi - lo)
        ut = (t - lo) / (hi - lo)
        if method == "minmax":
            tr, te, formula = u, ut, r"x' = (x - x_{min})/(x_{max} - x_{min})"
        else:
            tr, te, formula = 2 * u - 1, 2 * ut - 1, r"x' = 2(x - x_{min})/(x_{max} - x_{min}) - 1"
        steps.append(_step("Training range", r"x_{min},\ x_{max}", {"train": _out(x)},
                           {"min": lo, "max": hi}))
        steps.append(_step("Rescale", formula, {}, {"train": _out(tr), "test": _out(te)}))
        stats = {"min": lo, "max": hi}
    return worked({**stats, "train": _out(tr), "test": _out(te), "method": method}, steps)


def one_hot(label: int, num_classes: int) -> Worked:
    """The one-hot vector of class `label` (0-based) among `num_classes`."""
    k = _int("num_classes", num_classes, 1, MAX_ELEMENTS)
    y = _int("label", label, 0, k - 1)
    v = [0] * k
    v[y] = 1
    steps = [_step("One-hot", r"e_y \in \{0, 1\}^K", {"label": y, "K": k}, {"one_hot": v},
                   "a 1 at the (0-based) index of the class, 0 elsewhere")]
    return worked({"one_hot": v}, steps)


def argmax_class(probs: Any) -> Worked:
    """The predicted class (0-based index of the largest probability / score)."""
    p = _array("probs", probs, 1)
    k = int(np.argmax(p))
    steps = [_step("Decode", r"\hat{y} = \arg\max_k p_k", {"probs": _out(p)},
                   {"class": k, "max": float(p[k])}, "ties go to the first index")]
    return worked({"class": k}, steps)


# ------------------------------------------------------------------ TensorFlow 1 snippets (emulated)


def tf1_constant_op(a: float, b: float, op: str) -> Worked:
    """sess.run of tf.<op>(tf.constant([a]), tf.constant([b])), emulated with NumPy."""
    av, bv = _float("a", a), _float("b", b)
    ops = {"add": (np.add, "+"), "subtract": (np.subtract, "-"), "multiply": (np.multiply, r"\times")}
    if op not in ops:
        raise EngineError("op", f"must be one of {list(ops)}")
    fn, sym = ops[op]
    out = fn(np.array([av]), np.array([bv]))
    steps = [_step("Run the graph", f"[a] {sym} [b]", {"a": av, "b": bv}, {"output": _out(out)},
                   "the constants are 1-element tensors, so the result prints as a 1-element array")]
    return worked({"output": _out(out)}, steps)


def tf1_counter(start: int, updates: int, increment: int = 1) -> Worked:
    """Values printed by a loop that prints a tf.Variable, then assigns state + increment."""
    s = _int("start", start, -10**6, 10**6)
    n = _int("updates", updates, 0, 1000)
    inc = _int("increment", increment, -10**6, 10**6)
    values = [s + i * inc for i in range(n + 1)]
    steps = [_step("Initial value", r"\text{state} = s", {"s": s}, {"printed": s})]
    for i in range(1, n + 1):
        steps.append(_step(f"Update {i}", r"\text{state} \leftarrow \text{state} + \Delta",
                           {"delta": inc}, {"printed": values[i]}))
    return worked({"printed": values}, steps)


def tf1_placeholder(multiplier: float, fed: float) -> Worked:
    """sess.run(x * m, feed_dict={x: fed}) emulated in float32."""
    m, f = _float("multiplier", multiplier), _float("fed", fed)
    out = float(np.float32(f) * np.float32(m))
    steps = [_step("Feed and run", r"x \cdot m", {"x": f, "m": m}, {"output": out},
                   "the placeholder gets its value only at run time, through feed_dict")]
    return worked({"output": out}, steps)
