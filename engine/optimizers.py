"""One parameter update of the common optimisers, with the state to pass to the next call.

Every function takes ``params`` and ``grads`` (same shape: number, vector or matrix) and an
optional ``state`` dict as returned in a previous result's ``"state"`` (None = first step);
it returns the updated ``params`` and the new ``state``.

Momentum and Nesterov come in two formulations (``formulation=``):

- "classical" (default; Sutskever et al. 2013, cs231n): v <- mu v - lr g, theta <- theta + v;
  Nesterov evaluates g at the look-ahead point theta + mu v (pass ``grads`` as a function of
  the parameters to have it evaluated there, or pass the gradient at the look-ahead point);
- "pytorch" (torch.optim.SGD): buf <- mu buf + g, theta <- theta - lr buf; Nesterov steps
  along g + mu buf with g taken at the current parameters. For a constant learning rate
  PyTorch's momentum gives the same parameters as the classical one (buf = -v / lr); its
  Nesterov tracks the look-ahead point of the classical method instead of theta itself.

AdaGrad, RMSProp and Adam follow torch.optim (eps added after the square root).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import EngineError, as_array, as_choice, as_float, as_int, same_shape
from .trace import Worked, scalar_or_list, step, worked

FORMULATIONS = ("classical", "pytorch")


def _pg(params: Any, grads: Any) -> tuple[np.ndarray, np.ndarray]:
    p = as_array(params, "params", ndim=(0, 1, 2))
    g = as_array(grads, "grads", ndim=(0, 1, 2))
    same_shape(g, p, "grads", "params")
    return p, g


def _state(state: Any, key: str, like: np.ndarray) -> np.ndarray:
    if state is None or key not in state:
        return np.zeros_like(like)
    if not isinstance(state, dict):
        raise EngineError("state", "expected the state dict returned by the previous step")
    s = as_array(state[key], f"state.{key}", ndim=(0, 1, 2))
    same_shape(s, like, f"state.{key}", "params")
    return s


def _out(p: np.ndarray, state: dict[str, Any], steps: list, **extra: Any) -> Worked:
    result = {"params": scalar_or_list(p), "state": {k: (scalar_or_list(v) if isinstance(v, np.ndarray) else v)
                                                      for k, v in state.items()}}
    result.update({k: scalar_or_list(v) if isinstance(v, np.ndarray) else v for k, v in extra.items()})
    return worked(result, steps)


def sgd(params: Any, grads: Any, lr: float = 0.01, weight_decay: float = 0.0, state: Any = None) -> Worked:
    """Plain gradient descent, optionally with L2 weight decay added to the gradient."""
    p, g = _pg(params, grads)
    lr = as_float(lr, "lr", low=0.0)
    wd = as_float(weight_decay, "weight_decay", low=0.0)
    steps = []
    if wd:
        g = g + wd * p
        steps.append(step("Add the weight-decay term", r"g \leftarrow g + \lambda \theta", {"lambda": wd, "params": p},
                          {"grads": g}, "The gradient of (lambda/2)||theta||^2 is lambda theta."))
    new = p - lr * g
    steps.append(step("Step against the gradient", r"\theta \leftarrow \theta - \eta\, g", {"params": p, "grads": g, "lr": lr},
                      {"params": new}))
    return _out(new, {}, steps)


def momentum(params: Any, grads: Any, lr: float = 0.01, mu: float = 0.9, state: Any = None,
             formulation: str = "classical") -> Worked:
    """SGD with (heavy-ball) momentum; state holds the velocity (or PyTorch's buffer)."""
    p, g = _pg(params, grads)
    lr = as_float(lr, "lr", low=0.0)
    mu = as_float(mu, "mu", low=0.0, high=1.0, high_open=True)
    form = as_choice(formulation, "formulation", FORMULATIONS)
    if form == "classical":
        v = _state(state, "velocity", p)
        v_new = mu * v - lr * g
        new = p + v_new
        steps = [
            step("Velocity", r"v \leftarrow \mu v - \eta\, g", {"velocity": v, "mu": mu, "lr": lr, "grads": g}, {"velocity": v_new}),
            step("Move", r"\theta \leftarrow \theta + v", {"params": p}, {"params": new}),
        ]
        return _out(new, {"velocity": v_new}, steps)
    buf = _state(state, "buffer", p)
    buf_new = mu * buf + g
    new = p - lr * buf_new
    steps = [
        step("Momentum buffer", r"b \leftarrow \mu b + g", {"buffer": buf, "mu": mu, "grads": g}, {"buffer": buf_new},
             "PyTorch's form; the velocity of the classical form is -lr times this buffer."),
        step("Move", r"\theta \leftarrow \theta - \eta\, b", {"params": p, "lr": lr}, {"params": new}),
    ]
    return _out(new, {"buffer": buf_new}, steps)


def nesterov(params: Any, grads: Any | Callable[[np.ndarray], Any], lr: float = 0.01, mu: float = 0.9,
             state: Any = None, formulation: str = "classical") -> Worked:
    """Nesterov momentum: classical look-ahead form or PyTorch's (see the module docstring)."""
    p = as_array(params, "params", ndim=(0, 1, 2))
    lr = as_float(lr, "lr", low=0.0)
    mu = as_float(mu, "mu", low=0.0, high=1.0, high_open=True)
    form = as_choice(formulation, "formulation", FORMULATIONS)
    key = "velocity" if form == "classical" else "buffer"
    v = _state(state, key, p)
    lookahead = p + mu * v if form == "classical" else p
    raw = grads(lookahead.copy()) if callable(grads) else grads
    g = as_array(raw, "grads", ndim=(0, 1, 2))
    same_shape(g, p, "grads", "params")
    if form == "classical":
        v_new = mu * v - lr * g
        new = p + v_new
        steps = [
            step("Look ahead", r"\tilde\theta = \theta + \mu v", {"params": p, "velocity": v, "mu": mu}, {"lookahead": lookahead}),
            step("Gradient at the look-ahead point", r"g = \nabla f(\tilde\theta)", {"lookahead": lookahead}, {"grads": g},
                 "" if callable(grads) else "The gradient given is taken to be evaluated at the look-ahead point."),
            step("Velocity", r"v \leftarrow \mu v - \eta\, g", {"lr": lr}, {"velocity": v_new}),
            step("Move", r"\theta \leftarrow \theta + v", {"params": p}, {"params": new}),
        ]
        return _out(new, {"velocity": v_new}, steps, lookahead=lookahead, grads=g)
    buf_new = mu * v + g
    direction = g + mu * buf_new
    new = p - lr * direction
    steps = [
        step("Momentum buffer", r"b \leftarrow \mu b + g", {"buffer": v, "mu": mu, "grads": g}, {"buffer": buf_new}),
        step("Nesterov direction", r"d = g + \mu b", {}, {"direction": direction},
             "PyTorch's form: g is taken at the current parameters, which play the role of the look-ahead point."),
        step("Move", r"\theta \leftarrow \theta - \eta\, d", {"params": p, "lr": lr}, {"params": new}),
    ]
    return _out(new, {"buffer": buf_new}, steps, grads=g)


def adagrad(params: Any, grads: Any, lr: float = 0.01, eps: float = 1e-10, state: Any = None) -> Worked:
    """AdaGrad: divide by the root of the running sum of squared gradients."""
    p, g = _pg(params, grads)
    lr = as_float(lr, "lr", low=0.0)
    eps = as_float(eps, "eps", low=0.0)
    s = _state(state, "sum_sq", p) + g * g
    denom = np.sqrt(s) + eps
    new = p - lr * g / denom
    steps = [
        step("Accumulate squared gradients", r"G \leftarrow G + g^2", {"grads": g}, {"sum_sq": s}),
        step("Scaled step", r"\theta \leftarrow \theta - \frac{\eta\, g}{\sqrt{G} + \epsilon}", {"params": p, "lr": lr, "eps": eps},
             {"params": new}, "Parameters with large past gradients take smaller steps; the step size only shrinks."),
    ]
    return _out(new, {"sum_sq": s}, steps)


def rmsprop(params: Any, grads: Any, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8, state: Any = None) -> Worked:
    """RMSProp: divide by the root of a moving average of squared gradients."""
    p, g = _pg(params, grads)
    lr = as_float(lr, "lr", low=0.0)
    alpha = as_float(alpha, "alpha", low=0.0, high=1.0, high_open=True)
    eps = as_float(eps, "eps", low=0.0)
    s = alpha * _state(state, "square_avg", p) + (1 - alpha) * g * g
    new = p - lr * g / (np.sqrt(s) + eps)
    steps = [
        step("Moving average of g^2", r"s \leftarrow \alpha s + (1 - \alpha) g^2", {"alpha": alpha, "grads": g}, {"square_avg": s}),
        step("Scaled step", r"\theta \leftarrow \theta - \frac{\eta\, g}{\sqrt{s} + \epsilon}", {"params": p, "lr": lr, "eps": eps},
             {"params": new}),
    ]
    return _out(new, {"square_avg": s}, steps)


def adam(params: Any, grads: Any, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
         state: Any = None) -> Worked:
    """Adam with bias correction; state holds m, v and the step count t."""
    p, g = _pg(params, grads)
    lr = as_float(lr, "lr", low=0.0)
    b1 = as_float(beta1, "beta1", low=0.0, high=1.0, high_open=True)
    b2 = as_float(beta2, "beta2", low=0.0, high=1.0, high_open=True)
    eps = as_float(eps, "eps", low=0.0)
    t = (as_int(state.get("t", 0), "state.t", low=0) if isinstance(state, dict) else 0) + 1
    m = b1 * _state(state, "m", p) + (1 - b1) * g
    v = b2 * _state(state, "v", p) + (1 - b2) * g * g
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    new = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    steps = [
        step("First moment", r"m \leftarrow \beta_1 m + (1 - \beta_1) g", {"beta1": b1, "grads": g}, {"m": m}),
        step("Second moment", r"v \leftarrow \beta_2 v + (1 - \beta_2) g^2", {"beta2": b2}, {"v": v}),
        step("Bias correction", r"\hat m = \frac{m}{1 - \beta_1^t},\quad \hat v = \frac{v}{1 - \beta_2^t}", {"t": t},
             {"m_hat": m_hat, "v_hat": v_hat}, "m and v start at 0, so early averages are too small; this undoes that."),
        step("Step", r"\theta \leftarrow \theta - \frac{\eta\, \hat m}{\sqrt{\hat v} + \epsilon}", {"params": p, "lr": lr, "eps": eps},
             {"params": new}, "On the first step the move is about lr * sign(g) for every parameter." if t == 1 else ""),
    ]
    return _out(new, {"m": m, "v": v, "t": t}, steps, m_hat=m_hat, v_hat=v_hat)


_OPTIMIZERS: dict[str, Callable[..., Worked]] = {
    "sgd": sgd, "momentum": momentum, "nesterov": nesterov, "adagrad": adagrad, "rmsprop": rmsprop, "adam": adam,
}
OPTIMIZERS: tuple[str, ...] = tuple(_OPTIMIZERS)


def optimizer_step(name: str, params: Any, grads: Any, state: Any = None, **hyper: Any) -> Worked:
    """Dispatch one update by optimiser name (sgd, momentum, nesterov, adagrad, rmsprop, adam)."""
    key = as_choice(name, "name", OPTIMIZERS)
    try:
        return _OPTIMIZERS[key](params, grads, state=state, **hyper)
    except TypeError as exc:  # an unknown hyper-parameter keyword
        raise EngineError("hyper", f"{key}: {exc}") from None


def quadratic_descent(a: float, c: float, x0: float, lr: float, steps: int = 5, method: str = "gd",
                      mu: float = 0.9, formulation: str = "classical") -> Worked:
    """Iterates of gd, momentum or nesterov on f(x) = a (x - c)^2, with the learning-rate regime."""
    a = as_float(a, "a", low=0.0, low_open=True)
    c = as_float(c, "c")
    x = as_float(x0, "x0")
    lr = as_float(lr, "lr", low=0.0, low_open=True)
    n = as_int(steps, "steps", low=1, high=1000)
    method = as_choice(method, "method", ("gd", "momentum", "nesterov"))
    def grad(p: np.ndarray) -> np.ndarray:
        return 2 * a * (p - c)

    xs, vs, trace_steps = [], [], []
    state = None
    for k in range(1, n + 1):
        if method == "gd":
            g = grad(np.float64(x))
            x_new = x - lr * g
            trace_steps.append(step(f"Step {k}", r"x \leftarrow x - \eta \cdot 2a(x - c)", {"x": x, "grad": g}, {"x": x_new}))
            x = float(x_new)
        else:
            fn = nesterov if method == "nesterov" else momentum
            g_arg = grad if method == "nesterov" else grad(np.float64(x))
            w = fn(x, g_arg, lr=lr, mu=mu, state=state, formulation=formulation)
            state = w.result["state"]
            x = w.result["params"]
            vs.append(next(iter(state.values())))
            trace_steps.append(step(f"Step {k}", w.steps[-1]["formula"], {"state": state}, {"x": x}))
        if not np.isfinite(x) or abs(x) > 1e300:
            raise EngineError("lr", f"the iterates overflow after {k} steps; use fewer steps or a smaller lr")
        xs.append(x)
    factor = 1 - 2 * a * lr
    if lr < 1 / (2 * a):
        regime = "monotone"
    elif lr == 1 / (2 * a):
        regime = "one_step"
    elif lr < 1 / a:
        regime = "oscillating"
    elif lr == 1 / a:
        regime = "bouncing"
    else:
        regime = "diverging"
    note = ("For plain gradient descent x_k - c = (1 - 2 a lr)^k (x_0 - c): it converges when |1 - 2 a lr| < 1, "
            "i.e. lr < 1/a, monotonically when lr < 1/(2a).")
    trace_steps.append(step("Regime", r"x_k - c = (1 - 2a\eta)^k (x_0 - c)", {"a": a, "lr": lr}, {"factor": factor, "regime": regime}, note))
    result = {"iterates": xs, "regime": regime, "factor": factor, "method": method, "minimum": c}
    if vs:
        result["velocities"] = vs
    return worked(result, trace_steps)
