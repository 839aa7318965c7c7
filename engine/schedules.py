"""Learning-rate schedules and epoch / batch / iteration arithmetic.

Schedules (t counts epochs or steps from 0):
- step: lr0 * gamma ** floor(t / step_size)
- exponential: lr0 * exp(-k t)
- inverse_time ("1/t"): lr0 / (1 + k t)
"""

from __future__ import annotations

import math
from typing import Any

from .errors import MAX_COUNT, EngineError, as_choice, as_float, as_int
from .trace import Worked, step, worked

SCHEDULES = ("step", "exponential", "inverse_time")
_ALIASES = {"exp": "exponential", "1/t": "inverse_time", "inverse": "inverse_time", "step_decay": "step"}
MAX_POINTS = 1000


def _kind(kind: Any) -> str:
    if isinstance(kind, str):
        kind = _ALIASES.get(kind.lower(), kind.lower())
    return as_choice(kind, "kind", SCHEDULES)


def _hyper(kind: str, gamma: Any, step_size: Any, k: Any) -> dict[str, float]:
    if kind == "step":
        return {"gamma": as_float(gamma, "gamma", low=0.0, high=1.0, low_open=True),
                "step_size": as_int(step_size, "step_size", low=1, high=MAX_COUNT)}
    return {"k": as_float(k, "k", low=0.0)}


def _rate(kind: str, lr0: float, t: int, h: dict[str, float]) -> float:
    if kind == "step":
        return lr0 * h["gamma"] ** (t // h["step_size"])
    if kind == "exponential":
        return lr0 * math.exp(-h["k"] * t)
    return lr0 / (1 + h["k"] * t)


_TEX = {
    "step": r"\alpha_t = \alpha_0\, \gamma^{\lfloor t / s \rfloor}",
    "exponential": r"\alpha_t = \alpha_0\, e^{-k t}",
    "inverse_time": r"\alpha_t = \frac{\alpha_0}{1 + k t}",
}


def lr_schedule(kind: str, lr0: float, t: int | list[int], gamma: float = 0.5, step_size: int = 10,
                k: float = 0.1) -> Worked:
    """Learning rate at step(s) t under a step, exponential or 1/t decay schedule."""
    kind = _kind(kind)
    lr0 = as_float(lr0, "lr0", low=0.0, low_open=True)
    h = _hyper(kind, gamma, step_size, k)
    many = isinstance(t, (list, tuple))
    ts = list(t) if many else [t]
    if not ts or len(ts) > MAX_POINTS:
        raise EngineError("t", f"give 1 to {MAX_POINTS} steps")
    ts = [as_int(v, "t", low=0, high=MAX_COUNT) for v in ts]
    rates = [_rate(kind, lr0, v, h) for v in ts]
    steps = [step("Schedule", _TEX[kind], {"lr0": lr0, **h}, {}),
             step("Evaluate", _TEX[kind], {"t": ts}, {"lr": rates})]
    return worked({"kind": kind, "t": ts if many else ts[0], "lr": rates if many else rates[0], **h}, steps)


def first_below(kind: str, lr0: float, threshold: float, gamma: float = 0.5, step_size: int = 10,
                k: float = 0.1) -> Worked:
    """First integer t at which the scheduled learning rate is strictly below ``threshold``."""
    kind = _kind(kind)
    lr0 = as_float(lr0, "lr0", low=0.0, low_open=True)
    thr = as_float(threshold, "threshold", low=0.0, low_open=True)
    h = _hyper(kind, gamma, step_size, k)
    if lr0 < thr:
        t = 0
    elif kind == "step":
        if h["gamma"] == 1.0:
            raise EngineError("gamma", "with gamma = 1 the rate never decays")
        # smallest n with gamma^n < thr / lr0, then the first epoch of that stage
        n = max(0, math.floor(math.log(thr / lr0) / math.log(h["gamma"])))
        while _rate(kind, lr0, n * h["step_size"], h) >= thr:
            n += 1
        while n > 0 and _rate(kind, lr0, (n - 1) * h["step_size"], h) < thr:
            n -= 1
        t = n * h["step_size"]
    else:
        if h["k"] == 0.0:
            raise EngineError("k", "with k = 0 the rate never decays")
        guess = math.log(lr0 / thr) / h["k"] if kind == "exponential" else (lr0 / thr - 1) / h["k"]
        t = max(0, math.floor(guess))
        # the closed form can land one off because of rounding; settle it by evaluating
        while _rate(kind, lr0, t, h) >= thr:
            t += 1
        while t > 0 and _rate(kind, lr0, t - 1, h) < thr:
            t -= 1
    if t > MAX_COUNT:
        raise EngineError("threshold", "is not reached within 10^12 steps")
    rate = _rate(kind, lr0, t, h)
    steps = [
        step("Schedule", _TEX[kind], {"lr0": lr0, **h}, {}),
        step("Solve for the threshold", r"\min\{t : \alpha_t < \text{threshold}\}", {"threshold": thr},
             {"t": t, "lr": rate, "previous_lr": _rate(kind, lr0, t - 1, h) if t > 0 else None}),
    ]
    return worked({"kind": kind, "t": t, "lr": rate, "threshold": thr, **h}, steps)


def iterations_per_epoch(n_samples: int, batch_size: int, epochs: int = 1, drop_last: bool = False) -> Worked:
    """Updates per epoch (ceil, or floor with drop_last), the last batch's size and the total."""
    n = as_int(n_samples, "n_samples", low=1, high=MAX_COUNT)
    b = as_int(batch_size, "batch_size", low=1, high=MAX_COUNT)
    e = as_int(epochs, "epochs", low=1, high=1_000_000)
    if not isinstance(drop_last, bool):
        raise EngineError("drop_last", "must be true or false")
    full, rest = divmod(n, b)
    if drop_last:
        if full == 0:
            raise EngineError("batch_size", f"is larger than the dataset ({n}); with drop_last no batch is left")
        iters, last, dropped = full, b, rest
        formula = r"\left\lfloor N / B \right\rfloor"
    else:
        iters, last, dropped = full + (rest > 0), rest or b, 0
        formula = r"\left\lceil N / B \right\rceil"
    note = ""
    if rest:
        note = (f"{n} = {full} x {b} + {rest}: " + (f"the last {rest} samples are dropped each epoch." if drop_last
                else f"the last batch has only {rest} samples."))
    steps = [
        step("Full batches", r"\left\lfloor N / B \right\rfloor,\ N \bmod B", {"N": n, "B": b},
             {"full_batches": full, "remainder": rest}),
        step("Iterations per epoch", formula, {"drop_last": drop_last}, {"iterations": iters, "last_batch_size": last}, note),
        step("Total updates", r"\text{iterations} \times E", {"iterations": iters, "E": e}, {"total_updates": iters * e},
             "One iteration = one batch = one parameter update."),
    ]
    result = {"iterations": iters, "full_batches": full, "last_batch_size": last, "dropped": dropped,
              "total_updates": iters * e, "epochs": e, "drop_last": drop_last}
    return worked(result, steps)
