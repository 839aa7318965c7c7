"""Rosenblatt perceptrons: logic-gate truth tables, the learning rule, two-layer XOR.

Threshold convention: y = step(z) = 1 when z > 0, else 0 (``fire_at_zero=False``, the
default). Some texts fire at z >= 0; pass ``fire_at_zero=True`` for that. Every trace
states which one was used, because training traces differ between the two (gate tables
with a bias like -1.5 never hit z = 0 exactly, so they agree).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import MAX_VECTOR, EngineError, as_array, as_choice, as_float, as_int
from .trace import Worked, step, worked

INPUTS_2 = ((0, 0), (0, 1), (1, 0), (1, 1))
GATES: dict[str, tuple[int, int, int, int]] = {
    "AND": (0, 0, 0, 1),
    "OR": (0, 1, 1, 1),
    "NAND": (1, 1, 1, 0),
    "NOR": (1, 0, 0, 0),
    "XOR": (0, 1, 1, 0),
    "XNOR": (1, 0, 0, 1),
}
MAX_EPOCHS = 1000
MAX_PRESENTATIONS = 10_000  # rows x epochs: every presentation is kept in the trace


def _fire(z: float, fire_at_zero: bool) -> int:
    return int(z >= 0) if fire_at_zero else int(z > 0)


def _flag(fire_at_zero: Any) -> bool:
    if not isinstance(fire_at_zero, (bool, np.bool_)):
        raise EngineError("fire_at_zero", "must be true or false")
    return bool(fire_at_zero)


def _convention(fire_at_zero: bool) -> str:
    return "Convention: y = 1 when z >= 0, else 0." if fire_at_zero else "Convention: y = 1 when z > 0, else 0."


def _step_tex(fire_at_zero: bool) -> str:
    return r"y = [z \ge 0]" if fire_at_zero else r"y = [z > 0]"


def _gate(gate: Any) -> str:
    return as_choice(gate.lower() if isinstance(gate, str) else gate, "gate", tuple(g.lower() for g in GATES)).upper()


def gate_truth_table(gate: str | None, weights: Any, bias: float, fire_at_zero: bool = False) -> Worked:
    """Truth table of a 2-input step perceptron, and whether it implements ``gate``."""
    w = as_array(weights, "weights", ndim=1)
    if w.size != 2:
        raise EngineError("weights", f"a 2-input gate needs 2 weights, got {w.size}")
    b = as_float(bias, "bias")
    fire = _flag(fire_at_zero)
    name = None if gate is None else _gate(gate)
    targets = GATES[name] if name else None
    rows, zs, ys = [], [], []
    for k, x in enumerate(INPUTS_2):
        z = float(w[0] * x[0] + w[1] * x[1] + b)
        y = _fire(z, fire)
        zs.append(z)
        ys.append(y)
        row = {"x": list(x), "z": z, "y": y}
        if targets:
            row["target"] = targets[k]
        rows.append(row)
    steps = [
        step("Weighted sums", r"z = w_1 x_1 + w_2 x_2 + b", {"weights": w, "bias": b}, {"z": zs}),
        step("Threshold", _step_tex(fire), {"z": zs}, {"y": ys}, _convention(fire)),
    ]
    result: dict[str, Any] = {"rows": rows, "z": zs, "y": ys, "fire_at_zero": fire}
    if targets:
        ok = tuple(ys) == targets
        wrong = [list(INPUTS_2[k]) for k in range(4) if ys[k] != targets[k]]
        steps.append(step(f"Compare with {name}", r"y = d \ \text{for every row?}", {"targets": list(targets)},
                          {"implements": ok, "wrong_rows": wrong}))
        result.update(gate=name, targets=list(targets), implements=ok, wrong_rows=wrong)
    return worked(result, steps)


def train_perceptron(
    gate: str | None = None,
    lr: float = 1.0,
    weights: Any = None,
    bias: float = 0.0,
    max_epochs: int = 20,
    inputs: Any = None,
    targets: Any = None,
    fire_at_zero: bool = False,
) -> Worked:
    """Perceptron learning rule w <- w + lr (d - y) x, b <- b + lr (d - y), in a fixed order."""
    fire = _flag(fire_at_zero)
    if gate is not None:
        if inputs is not None or targets is not None:
            raise EngineError("gate", "give either a gate or inputs and targets, not both")
        name = _gate(gate)
        xs = np.array(INPUTS_2, dtype=np.float64)
        ds = np.array(GATES[name], dtype=np.float64)
    else:
        if inputs is None or targets is None:
            raise EngineError("gate", "give a gate name or both inputs and targets")
        name = None
        xs = as_array(inputs, "inputs", ndim=2, max_size=MAX_VECTOR)
        ds = as_array(targets, "targets", ndim=1)
        if ds.size != xs.shape[0]:
            raise EngineError("targets", f"has {ds.size} value(s) for {xs.shape[0]} input row(s)")
        if not np.isin(ds, (0.0, 1.0)).all():
            raise EngineError("targets", "must be 0 or 1")
    lr = as_float(lr, "lr", low=0.0, low_open=True)
    w = np.zeros(xs.shape[1]) if weights is None else as_array(weights, "weights", ndim=1).copy()
    if w.size != xs.shape[1]:
        raise EngineError("weights", f"has {w.size} value(s) for {xs.shape[1]} input(s)")
    b = as_float(bias, "bias")
    epochs = as_int(max_epochs, "max_epochs", low=1, high=MAX_EPOCHS)
    if epochs * xs.shape[0] > MAX_PRESENTATIONS:
        raise EngineError("max_epochs", f"{epochs} epochs of {xs.shape[0]} examples exceed the limit of "
                                        f"{MAX_PRESENTATIONS} traced presentations")
    # plain Python floats in the loop: tiny NumPy arrays would cost more than the arithmetic
    rows_x = xs.tolist()
    rows_d = ds.tolist()
    w_list = w.tolist()
    w0, b0 = list(w_list), b
    history: list[dict[str, Any]] = []
    errors_per_epoch: list[int] = []
    seen: dict[tuple, int] = {}
    steps = [
        step("Start", r"w \leftarrow w_0,\ b \leftarrow b_0", {"lr": lr}, {"weights": w0, "bias": b0},
             _convention(fire) + " Examples are shown in the listed order every epoch."),
    ]
    converged_epoch = None
    cycle_note = ""
    for epoch in range(1, epochs + 1):
        rows = []
        errors = 0
        for x, d in zip(rows_x, rows_d, strict=True):
            z = sum(wi * xi for wi, xi in zip(w_list, x, strict=True)) + b + 0.0
            y = _fire(z, fire)
            err = d - y
            dw = [lr * err * xi + 0.0 for xi in x]  # + 0.0: no "-0" in the table
            db = lr * err + 0.0
            w_list = [wi + dwi + 0.0 for wi, dwi in zip(w_list, dw, strict=True)]
            b = b + db + 0.0
            errors += err != 0
            rows.append({"epoch": epoch, "x": x, "d": d, "z": z, "y": y, "error": err,
                         "delta_w": dw, "delta_b": db, "weights": w_list, "bias": b})
        history += rows
        errors_per_epoch.append(int(errors))
        steps.append({
            "title": f"Epoch {epoch}",
            "formula": r"w \leftarrow w + \eta\,(d - y)\,x,\quad b \leftarrow b + \eta\,(d - y)",
            "inputs": {"lr": lr},
            "outputs": {"rows": rows, "errors": int(errors), "weights": w_list, "bias": b},
            "note": "",
        })
        if errors == 0:
            converged_epoch = epoch
            break
        key = (tuple(w_list), b)
        if key in seen and not cycle_note:
            cycle_note = (f"The weights at the end of epoch {epoch} equal those after epoch {seen[key]}: "
                          "training cycles and will never converge.")
        seen.setdefault(key, epoch)
    w = w_list
    if not all(math.isfinite(v) for v in [*w, b]):
        raise EngineError("lr", "the weights overflow float64; use smaller inputs or learning rate")
    converged = converged_epoch is not None
    if converged:
        verdict = f"Converged: epoch {converged_epoch} had no errors."
    else:
        verdict = f"Not converged after {epochs} epochs ({errors_per_epoch[-1]} errors in the last)."
        if name == "XOR" or name == "XNOR":
            verdict += f" {name} is not linearly separable, so no single perceptron can learn it."
        if cycle_note:
            verdict += " " + cycle_note
    steps.append(step("Result", r"\text{stop at the first epoch without errors}", {"max_epochs": epochs},
                      {"converged": converged, "epoch": converged_epoch, "weights": w, "bias": b}, verdict))
    result = {
        "gate": name,
        "converged": converged,
        "epoch": converged_epoch,
        "epochs_run": len(errors_per_epoch),
        "weights": w,
        "bias": b,
        "errors_per_epoch": errors_per_epoch,
        "history": history,
        "fire_at_zero": fire,
        "verdict": verdict,
    }
    # everything above is already plain Python; skipping worked()'s conversion keeps long traces cheap
    return Worked(result, steps)


def two_layer_truth_table(
    hidden_weights: Any,
    hidden_bias: Any,
    output_weights: Any,
    output_bias: float,
    gate: str | None = "XOR",
    fire_at_zero: bool = False,
) -> Worked:
    """Truth table of a 2-input network of step units (e.g. XOR = AND(OR, NAND))."""
    wh = as_array(hidden_weights, "hidden_weights", ndim=2)
    if wh.shape[1] != 2 or wh.shape[0] > 16:
        raise EngineError("hidden_weights", f"expected up to 16 rows of 2 weights, got shape {wh.shape}")
    bh = as_array(hidden_bias, "hidden_bias", ndim=1)
    if bh.size != wh.shape[0]:
        raise EngineError("hidden_bias", f"has {bh.size} value(s) for {wh.shape[0]} hidden unit(s)")
    wo = as_array(output_weights, "output_weights", ndim=1)
    if wo.size != wh.shape[0]:
        raise EngineError("output_weights", f"has {wo.size} value(s) for {wh.shape[0]} hidden unit(s)")
    bo = as_float(output_bias, "output_bias")
    fire = _flag(fire_at_zero)
    name = None if gate is None else _gate(gate)
    rows = []
    for x in INPUTS_2:
        zh = wh @ np.array(x, dtype=np.float64) + bh
        h = [_fire(float(v), fire) for v in zh]
        zo = float(wo @ np.array(h, dtype=np.float64) + bo)
        rows.append({"x": list(x), "z_hidden": zh.tolist(), "hidden": h, "z": zo, "y": _fire(zo, fire)})
    ys = [r["y"] for r in rows]
    steps = [
        step("Hidden layer", r"h_k = [\,w_k \cdot x + b_k > 0\,]" if not fire else r"h_k = [\,w_k \cdot x + b_k \ge 0\,]",
             {"hidden_weights": wh, "hidden_bias": bh}, {"hidden": [r["hidden"] for r in rows]}, _convention(fire)),
        step("Output unit", r"y = [\,v \cdot h + c > 0\,]" if not fire else r"y = [\,v \cdot h + c \ge 0\,]",
             {"output_weights": wo, "output_bias": bo}, {"y": ys}),
    ]
    result: dict[str, Any] = {"rows": rows, "y": ys, "fire_at_zero": fire}
    if name:
        ok = tuple(ys) == GATES[name]
        result.update(gate=name, targets=list(GATES[name]), implements=ok)
        steps.append(step(f"Compare with {name}", r"y = d \ \text{for every row?}", {"targets": list(GATES[name])},
                          {"implements": ok}))
    return worked(result, steps)
