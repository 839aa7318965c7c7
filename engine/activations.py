"""Activation functions, their derivatives, and softmax, with worked traces.

Conventions (stated in every trace):
- step(z) = 1 when z > 0, else 0 (pass ``fire_at_zero=True`` for the z >= 0 variant);
  its derivative is taken as 0 everywhere (it is undefined at 0);
- ReLU'(0) = 0 and leaky ReLU'(0) = slope, as PyTorch's autograd computes them;
- ELU'(0) = alpha (PyTorch's convention).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import EngineError, as_array, as_choice, as_float, overflow_checked
from .trace import Worked, scalar_or_list, step, worked

# ---------------------------------------------------------------- raw NumPy functions


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, computed without overflow for large |x|."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))  # never overflows: the exponent is <= 0
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|)."""
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _step(x, fire_at_zero=False):
    return (x >= 0 if fire_at_zero else x > 0).astype(np.float64)


def _step_d(x, fire_at_zero=False):
    return np.zeros_like(x)


def _linear(x, k=1.0):
    return k * x


def _linear_d(x, k=1.0):
    return np.full_like(x, k)


def _sigmoid_d(x):
    s = sigmoid(x)
    return s * (1.0 - s)


def _tanh_d(x):
    return 1.0 - np.tanh(x) ** 2


def _relu(x):
    return np.maximum(x, 0.0)


def _relu_d(x):
    return (x > 0).astype(np.float64)


def _leaky_relu(x, slope=0.01):
    return np.where(x > 0, x, slope * x)


def _leaky_relu_d(x, slope=0.01):
    return np.where(x > 0, 1.0, slope)


def _elu(x, alpha=1.0):
    # expm1 on the clipped input keeps large positive x from overflowing in the unused branch
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _elu_d(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def _swish(x, beta=1.0):
    return x * sigmoid(beta * x)


def _swish_d(x, beta=1.0):
    s = sigmoid(beta * x)
    return s + beta * x * s * (1.0 - s)


# name -> (f, f', parameters with defaults, LaTeX of f, LaTeX of f')
_TABLE: dict[str, tuple[Callable, Callable, dict[str, float], str, str]] = {
    "step": (_step, _step_d, {}, r"f(z) = \begin{cases}1 & z > 0\\ 0 & z \le 0\end{cases}", r"f'(z) = 0"),
    "linear": (_linear, _linear_d, {"k": 1.0}, r"f(z) = k z", r"f'(z) = k"),
    "sigmoid": (sigmoid, _sigmoid_d, {}, r"\sigma(z) = \frac{1}{1 + e^{-z}}", r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))"),
    "tanh": (np.tanh, _tanh_d, {}, r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}", r"\tanh'(z) = 1 - \tanh^2(z)"),
    "relu": (_relu, _relu_d, {}, r"\mathrm{ReLU}(z) = \max(0, z)", r"\mathrm{ReLU}'(z) = \begin{cases}1 & z > 0\\ 0 & z \le 0\end{cases}"),
    "leaky_relu": (_leaky_relu, _leaky_relu_d, {"slope": 0.01}, r"f(z) = \begin{cases}z & z > 0\\ a z & z \le 0\end{cases}", r"f'(z) = \begin{cases}1 & z > 0\\ a & z \le 0\end{cases}"),
    "elu": (_elu, _elu_d, {"alpha": 1.0}, r"f(z) = \begin{cases}z & z > 0\\ \alpha (e^{z} - 1) & z \le 0\end{cases}", r"f'(z) = \begin{cases}1 & z > 0\\ \alpha e^{z} & z \le 0\end{cases}"),
    "swish": (_swish, _swish_d, {"beta": 1.0}, r"f(z) = z\,\sigma(\beta z)", r"f'(z) = \sigma(\beta z) + \beta z\,\sigma(\beta z)(1 - \sigma(\beta z))"),
}
_ALIASES = {"identity": "linear", "logistic": "sigmoid", "silu": "swish", "leakyrelu": "leaky_relu"}

ACTIVATIONS: tuple[str, ...] = tuple(_TABLE)


def activation_name(name: Any, param: str = "name") -> str:
    """Canonical activation name (aliases: identity, logistic, silu)."""
    if isinstance(name, str):
        name = _ALIASES.get(name.lower(), name.lower())
    return as_choice(name, param, ACTIVATIONS)


def activation_params(name: str, kw: dict[str, Any], param: str = "name") -> dict[str, Any]:
    """Validate the keyword parameters of activation ``name``, filling in defaults."""
    defaults = _TABLE[name][2]
    extra = set(kw) - set(defaults) - ({"fire_at_zero"} if name == "step" else set())
    if extra:
        raise EngineError(param, f"{name} takes no parameter {sorted(extra)[0]!r}")
    out: dict[str, Any] = {}
    for key, default in defaults.items():
        value = kw.get(key, default)
        if key == "beta":
            out[key] = as_float(value, key, low=0.0, low_open=True)
        elif key == "alpha":
            out[key] = as_float(value, key, low=0.0)
        else:
            out[key] = as_float(value, key)
    if name == "step":
        fire = kw.get("fire_at_zero", False)
        if not isinstance(fire, (bool, np.bool_)):
            raise EngineError("fire_at_zero", "must be true or false")
        out["fire_at_zero"] = bool(fire)
    return out


def apply(name: str, x: np.ndarray, **kw: Any) -> np.ndarray:
    """f(x) for a canonical activation name (no validation; for internal use)."""
    return _TABLE[name][0](x, **kw)


def derivative(name: str, x: np.ndarray, **kw: Any) -> np.ndarray:
    """f'(x) for a canonical activation name (no validation; for internal use)."""
    return _TABLE[name][1](x, **kw)


def formulas(name: str, params: dict[str, Any] | None = None) -> tuple[str, str]:
    """LaTeX of f and f' for ``name``; the step formula follows its threshold convention."""
    f, fd = _TABLE[name][3], _TABLE[name][4]
    if name == "step" and params and params.get("fire_at_zero"):
        f = r"f(z) = \begin{cases}1 & z \ge 0\\ 0 & z < 0\end{cases}"
    return f, fd


def softmax_array(logits: np.ndarray, temperature: float = 1.0, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``; subtracting the max first keeps exp() from overflowing."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax_array(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax via log-sum-exp."""
    z = np.asarray(logits, dtype=np.float64)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# ---------------------------------------------------------------- worked entry points


def _convention_note(name: str, params: dict[str, Any]) -> str:
    if name == "step":
        at = "z >= 0" if params.get("fire_at_zero") else "z > 0"
        return f"Convention: step outputs 1 when {at}; its derivative is 0 (undefined at z = 0)."
    if name == "relu":
        return "Convention: ReLU'(0) = 0."
    if name == "leaky_relu":
        return "Convention: the derivative at z = 0 is the slope a."
    if name == "elu":
        return "Convention: ELU'(0) = alpha."
    return ""


@overflow_checked
def activation(name: str, x: Any, **kw: Any) -> Worked:
    """Value and derivative of activation ``name`` at ``x`` (scalar or array), traced."""
    name = activation_name(name)
    params = activation_params(name, kw)
    arr = as_array(x, "x")
    value = apply(name, arr, **params)
    grad = derivative(name, arr, **params)
    f_tex, d_tex = formulas(name, params)
    note = _convention_note(name, params)
    steps = [
        step(f"Apply {name}", f_tex, {"x": arr, **params}, {"value": value}, note),
        step(f"Derivative of {name}", d_tex, {"x": arr, **params}, {"derivative": grad}),
    ]
    if name == "swish":
        # the seeds quote the identity f' = f + sigma(1 - f) (beta = 1); show both forms agree
        s = sigmoid(params["beta"] * arr)
        b = params["beta"]
        via_f = b * value + s * (1.0 - b * value)
        steps.append(
            step(
                "Same derivative from f itself",
                r"f'(z) = \beta f(z) + \sigma(\beta z)\,(1 - \beta f(z))",
                {"value": value, "sigmoid": s, "beta": b},
                {"derivative": via_f},
                "Both forms are algebraically equal; with beta = 1 this is f + sigma(1 - f).",
            )
        )
    result = {
        "name": name,
        "params": params,
        "x": scalar_or_list(arr),
        "value": scalar_or_list(value),
        "derivative": scalar_or_list(grad),
    }
    return worked(result, steps, "x")


@overflow_checked
def softmax(logits: Any, temperature: float = 1.0) -> Worked:
    """Softmax of a logit vector at a temperature, with the max subtracted for stability."""
    z = as_array(logits, "logits", ndim=1)
    t = as_float(temperature, "temperature", low=0.0, low_open=True)
    scaled = z / t
    if not np.isfinite(scaled).all():
        raise EngineError("temperature", "is too small for these logits: z / T overflows")
    shift = float(scaled.max())
    shifted = scaled - shift
    e = np.exp(shifted)
    total = float(e.sum())
    p = e / total
    steps = []
    if t != 1.0:
        steps.append(step("Divide by the temperature", r"z_i / T", {"logits": z, "T": t}, {"scaled": scaled}))
    steps += [
        step(
            "Subtract the largest logit",
            r"z_i - \max_j z_j",
            {"logits": scaled},
            {"max": shift, "shifted": shifted},
            "Softmax is unchanged by adding a constant to every logit; subtracting the max keeps exp() from overflowing.",
        ),
        step("Exponentiate", r"e^{z_i - \max_j z_j}", {"shifted": shifted}, {"exp": e}),
        step("Sum the exponentials", r"S = \sum_j e^{z_j - \max_k z_k}", {"exp": e}, {"sum": total}),
        step("Normalise", r"p_i = \frac{e^{z_i - \max_j z_j}}{S}", {"exp": e, "sum": total}, {"probabilities": p}),
    ]
    result = {
        "logits": z,
        "temperature": t,
        "probabilities": p,
        "argmax": int(np.argmax(p)),
        "sum": float(p.sum()),
    }
    return worked(result, steps)
