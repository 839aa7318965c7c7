"""Perceptrons: logic gates, the learning rule, single neurons and a two-layer XOR."""

from __future__ import annotations

import math

import numpy as np

from engine import perceptron as pc
from engine.dense import neuron

from .base import DP4, EXACT, Family, Instance, Mistake, Params, num, tex_vec, vec

INPUTS = [(0, 0), (0, 1), (1, 0), (1, 1)]
GATE_TABLE = {"AND": (0, 0, 0, 1), "OR": (0, 1, 1, 1), "NAND": (1, 1, 1, 0), "NOR": (1, 0, 0, 0),
              "XOR": (0, 1, 1, 0)}
# A canonical (w1, w2, b) per gate, as in the seed (AND: 1, 1, -1.5).
GATE_WEIGHTS = {"AND": (1, 1, -1.5), "OR": (1, 1, -0.5), "NAND": (-1, -1, 1.5), "NOR": (-1, -1, 0.5)}
CONVENTION = "step(z) = 1 if $z \\ge 0$, else 0"


def _fire(z: float, at_zero: bool = True) -> int:
    return int(z >= 0) if at_zero else int(z > 0)


def _table(w1: float, w2: float, b: float, at_zero: bool = True) -> list[int]:
    return [_fire(w1 * x1 + w2 * x2 + b, at_zero) for x1, x2 in INPUTS]


def _lin(coefs, names, const) -> str:
    """A readable linear form: x_1 - x_2 - 0.5 rather than 1x_1 + -1x_2 + -0.5."""
    out = ""
    for c, n in zip(coefs, names, strict=True):
        if c == 0:
            continue
        mag = "" if abs(c) == 1 else num(abs(c))
        sign = "-" if c < 0 else "+"
        out += (f" {sign} " if out else ("-" if c < 0 else "")) + mag + n
    if const:
        out += (" - " if const < 0 else " + ") + num(abs(const)) if out else num(const)
    return out or "0"


def _gate_param(p: Params, options: list[str]) -> str:
    if p.has("gate") and isinstance(p.fixed["gate"], str):
        p.fixed["gate"] = p.fixed["gate"].upper()
    return p.choice("gate", options)


class PerceptronGate(Family):
    name = "perceptron_gate"
    title = "A perceptron as a logic gate"
    description = "Truth table of a step perceptron (w1, w2, b): does it implement AND/OR/NAND/NOR?"
    params_doc = {"gate": "'AND', 'OR', 'NAND' or 'NOR'", "w1": "weight 1", "w2": "weight 2", "b": "bias",
                  "ask": "'outputs' (y for the 4 inputs) or 'sums' (z for the 4 inputs)"}

    def build(self, p: Params, words) -> Instance:
        gate = _gate_param(p, list(GATE_WEIGHTS))
        ask = p.choice("ask", ["outputs", "sums"], weights=[0.75, 0.25])
        w1d, w2d, bd = GATE_WEIGHTS[gate]
        scale = int(p.rng.integers(1, 3))
        correct = p.rng.random() < 0.5
        bd = bd * scale
        if not correct:
            bd += float(p.rng.choice([-2, -1, 1, 2])) * scale
        w1 = p.number_or("w1", w1d * scale, -100, 100)
        w2 = p.number_or("w2", w2d * scale, -100, 100)
        b = p.number_or("b", bd, -100, 100)
        w = pc.gate_truth_table(gate, [w1, w2], b, fire_at_zero=True)
        ys, zs = w["y"], w["z"]
        prompt = (f"A perceptron with {CONVENTION} has weights $w_1 = {num(w1)}$, $w_2 = {num(w2)}$ and bias "
                  f"$b = {num(b)}$. It is meant to compute {gate}. ")
        if ask == "outputs":
            prompt += ("Give its outputs $y$ for the inputs $(0,0), (0,1), (1,0), (1,1)$ in that order. "
                       f"(Then check: does it implement {gate}?)")
            ans = ys
            mistakes = [
                Mistake(f"assumed it computes {gate}", list(GATE_TABLE[gate]),
                        "Evaluate the weighted sums: these weights do not reproduce the gate for every input."),
                Mistake("used step(z) = 1 only for z > 0", _table(w1, w2, b, at_zero=False),
                        "The convention here fires at z = 0 too."),
                Mistake("ignored the bias", _table(w1, w2, 0), "Add b to every weighted sum."),
            ]
            fmt = "four outputs like [0, 0, 0, 1]"
        else:
            prompt += "Give the weighted sums $z = w_1x_1 + w_2x_2 + b$ for $(0,0), (0,1), (1,0), (1,1)$."
            ans = zs
            mistakes = [
                Mistake("ignored the bias", [w1 * x1 + w2 * x2 for x1, x2 in INPUTS], "Add b to every sum."),
                Mistake("gave the outputs instead of the sums", ys, "z is the value before the step function."),
            ]
            fmt = "four numbers like [-1.5, -0.5, -0.5, 0.5]"
        verdict = "implements" if w["implements"] else "does **not** implement"
        model = (f"$z = {vec(zs)}$, so $y = {vec(ys)}$; the target {gate} is {vec(GATE_TABLE[gate])}, so this "
                 f"perceptron {verdict} {gate}. Answer **{vec(ans)}**.")
        return Instance(prompt, ans, *EXACT, fmt, model, w.steps, mistakes)


def _train(gate: str, lr: float, w0, b0, epochs: int, at_zero=True, sign=1, bias_update=True):
    """Independent perceptron trainer used for the mistake variants."""
    w, b = np.array(w0, float), float(b0)
    done = None
    for ep in range(1, epochs + 1):
        errs = 0
        for (x1, x2), d in zip(INPUTS, GATE_TABLE[gate], strict=True):
            x = np.array([x1, x2], float)
            y = _fire(float(w @ x + b), at_zero)
            e = sign * (d - y)
            w = w + lr * e * x
            if bias_update:
                b = b + lr * e
            errs += d != y
        if errs == 0:
            done = ep
            break
    return [float(w[0]), float(w[1]), b], done


class PerceptronTraining(Family):
    name = "perceptron_training"
    title = "Perceptron learning rule"
    description = "Trace w ← w + η(d − y)x, b ← b + η(d − y) on a gate's truth table until an error-free epoch."
    params_doc = {"gate": "'AND', 'OR', 'NAND', 'NOR' or 'XOR'", "lr": "learning rate η (0.1, 0.5, 1)",
                  "w0": "initial weights [w1, w2]", "b0": "initial bias",
                  "ask": "'weights' (final [w1, w2, b]), 'epoch' (first error-free epoch) or 'first_epoch' "
                         "([w1, w2, b] after one epoch)", "max_epochs": "epochs allowed (XOR: how many to run)"}

    def build(self, p: Params, words) -> Instance:
        gate = _gate_param(p, ["AND", "OR", "NAND", "NOR", "XOR"])
        lr = p.choice("lr", [0.1, 0.5, 1.0]) if not p.has("lr") else p.number("lr", 0.001, 10)
        w0 = p.vector("w0", 2, -10, 10, draw=(-1, 1)) if p.has("w0") or p.rng.random() < 0.35 else p.set("w0", [0, 0])
        b0 = p.integer("b0", -10, 10, draw=(-1, 1)) if p.has("b0") or any(w0) else p.set("b0", 0)
        if gate == "XOR":
            ask = p.choice("ask", ["first_epoch", "weights"])
            max_epochs = p.integer("max_epochs", 1, 50, draw=(2, 3))
        else:
            ask = p.choice("ask", ["weights", "epoch", "first_epoch"])
            max_epochs = p.integer("max_epochs", 1, 200, draw=(50, 50))
        runs = 1 if ask == "first_epoch" else max_epochs
        w = pc.train_perceptron(gate, lr, w0, b0, max_epochs=runs, fire_at_zero=True)
        final = [*w["weights"], w["bias"]]
        if ask == "epoch" and w["epoch"] is None:
            raise p._bad("max_epochs", f"is too small: training has not converged after {max_epochs} epochs")
        rule = ("$w \\leftarrow w + \\eta(d - y)x$, $b \\leftarrow b + \\eta(d - y)$")
        prompt = (f"Train a perceptron ({CONVENTION}) on the {gate} truth table with the rule {rule}, "
                  f"$\\eta = {num(lr)}$, starting from $w = {tex_vec(w0)}$, $b = {num(b0)}$. Present the examples "
                  "in the order $(0,0), (0,1), (1,0), (1,1)$ every epoch and update after each example. ")
        if ask == "first_epoch":
            prompt += "What are $[w_1, w_2, b]$ after the first epoch?"
        elif ask == "epoch":
            prompt += "Training stops after the first epoch with no errors. Which epoch is that (counting from 1)?"
        elif gate == "XOR":
            prompt += f"What are $[w_1, w_2, b]$ after {max_epochs} epochs?"
        else:
            prompt += ("Training stops after the first epoch with no errors. What are the final "
                       "$[w_1, w_2, b]$?")
        if ask == "epoch":
            ans = w["epoch"]
            alts = [("used step(z) = 1 only for z > 0", dict(at_zero=False), "Here step fires at z = 0."),
                    ("flipped the sign of the error", dict(sign=-1), "The update uses d − y (target minus output).")]
            mistakes = []
            for n, kw, e in alts:
                _, ep = _train(gate, lr, w0, b0, max_epochs, **kw)
                if ep is not None:
                    mistakes.append(Mistake(n, ep, e))
            mistakes.append(Mistake("did not count the error-free epoch", ans - 1,
                                    "The epoch in which no errors occur is counted too."))
            fmt = "an integer"
        else:
            ans = final
            alts = [("flipped the sign of the error", dict(sign=-1),
                     "The update is +η(d − y)x: the error is target minus output."),
                    ("used step(z) = 1 only for z > 0", dict(at_zero=False), "Here step fires at z = 0 as well."),
                    ("never updated the bias", dict(bias_update=False), "The bias is updated like a weight on input 1.")]
            mistakes = [Mistake(n, _train(gate, lr, w0, b0, runs, **kw)[0], e) for n, kw, e in alts]
            if ask == "weights" and gate != "XOR":
                mistakes.append(Mistake("stopped after the first epoch", _train(gate, lr, w0, b0, 1)[0],
                                        "Keep going until an epoch has no errors."))
            fmt = "[w1, w2, b] like [2, 1, -3]"
        note = (" XOR is not linearly separable, so the rule never converges: the weights keep cycling."
                if gate == "XOR" else "")
        model = (f"Tracing the rule example by example: errors per epoch {w['errors_per_epoch']}; "
                 f"{'it converged in epoch ' + str(w['epoch']) + ', where' if w['epoch'] else 'after epoch ' + str(w['epochs_run'])} "
                 "the parameters are "
                 f"$w = {tex_vec(w['weights'])}$, $b = {num(w['bias'])}$.{note} Answer **"
                 + (vec(ans) if isinstance(ans, list) else str(ans)) + "**.")
        return Instance(prompt, ans, *EXACT, fmt, model, w.steps, mistakes)


ACT_TEXT = {"linear": "the linear activation $f(z) = {k}z$", "step": "the step activation ($f(z) = 1$ if $z \\ge 0$, else $0$)",
            "sigmoid": "the sigmoid $f(z) = 1/(1 + e^{-z})$", "relu": "ReLU, $f(z) = \\max(0, z)$",
            "tanh": "$f(z) = \\tanh z$"}


class NeuronOutput(Family):
    name = "neuron_output"
    title = "Output of a single neuron"
    description = "z = w·x + b and f(z) for a linear (k·z), step, sigmoid, ReLU or tanh neuron."
    params_doc = {"x": "inputs (2-4 values)", "w": "weights", "b": "bias",
                  "activation": "'linear', 'step', 'sigmoid', 'relu' or 'tanh'", "k": "slope of the linear activation"}

    def build(self, p: Params, words) -> Instance:
        act = p.choice("activation", list(ACT_TEXT), implied={"linear": ["k"]})
        decimals = 0 if act in ("linear", "step", "relu") else 1
        if decimals:
            x = p.vector("x", p.length_of("w", default=(2, 4)), -100, 100, decimals=1, draw=(-2, 2), ints=False, max_len=6)
            wv = p.vector("w", len(x), -100, 100, decimals=1, draw=(-1, 1), ints=False)
            b = p.number("b", -100, 100, decimals=1, draw=(-1, 1))
        else:
            x = p.vector("x", p.length_of("w", default=(2, 4)), -100, 100, draw=(-5, 6), ints=False, max_len=6)
            wv = p.vector("w", len(x), -100, 100, draw=(-5, 6), ints=False)
            b = p.number("b", -100, 100, decimals=0, draw=(-5, 5))
        k = 1.0
        kw = {}
        if act == "linear":
            k = p.number("k", -100, 100, decimals=0, draw=(2, 4))
            kw["k"] = k
        elif act == "step":
            kw["fire_at_zero"] = True
        w = neuron(x, wv, b, act, **kw)
        z, ans = w["z"], w["output"]
        xa, wa = np.asarray(x, float), np.asarray(wv, float)
        desc = ACT_TEXT[act].replace("{k}", num(k))
        prompt = (f"A neuron has inputs $x = {tex_vec(x)}$, weights $w = {tex_vec(wv)}$, bias $b = {num(b)}$ and "
                  f"{desc}. What does it output?" + (" Give 4 decimal places." if decimals else ""))

        def f(zz):
            return {"linear": k * zz, "step": float(zz >= 0), "sigmoid": 1 / (1 + math.exp(-zz)),
                    "relu": max(zz, 0.0), "tanh": math.tanh(zz)}[act]
        z0 = float(wa @ xa)
        mistakes = [
            Mistake("forgot the bias", f(z0), f"Add b = {num(b)} to the weighted sum.") if b else None,
            Mistake("forgot the activation", z, "Apply f to the weighted sum."),
            Mistake("summed the inputs times the summed weights", f(float(xa.sum() * wa.sum()) + b),
                    "Multiply each input by its own weight, then add."),
        ]
        if act == "sigmoid":
            mistakes.append(Mistake("used e^{+z}", 1 / (1 + math.exp(z)), "σ(z) = 1/(1 + e^{−z})."))
        model = (f"$z = w \\cdot x + b = {num(z)}$, so $f(z) = $ **{num(ans)}**.")
        tol = DP4 if decimals else EXACT
        return Instance(prompt, ans, *tol, "a number", model, w.steps, [m for m in mistakes if m])


XOR_NETS = {
    # name: hidden weights, hidden biases, output weights, output bias
    "or_nand_and": ([[1, 1], [-1, -1]], [-0.5, 1.5], [1, 1], -1.5),
    "or_and_diff": ([[1, 1], [1, 1]], [-0.5, -1.5], [1, -1], -0.5),
    "two_detectors": ([[1, -1], [-1, 1]], [-0.5, -0.5], [1, 1], -0.5),
}


class XORTwoLayer(Family):
    name = "xor_two_layer"
    title = "XOR with two layers of step units"
    description = "Evaluate a small network of step perceptrons on the four binary inputs; is it XOR?"
    params_doc = {"net": f"one of {list(XOR_NETS)}", "hidden_weights": "2x2", "hidden_bias": "2 values",
                  "output_weights": "2 values", "output_bias": "number", "broken": "perturb one bias (not XOR)"}

    def build(self, p: Params, words) -> Instance:
        net = p.choice("net", list(XOR_NETS))
        hw, hb, ow, ob = XOR_NETS[net]
        broken = p.flag("broken", 0.35)
        hw, hb, ow = [list(r) for r in hw], list(hb), list(ow)
        if not p.has("hidden_weights"):
            # positive rescaling of a unit does not change a step unit's output: vary the numbers
            for i in range(2):
                k = int(p.rng.integers(1, 4))
                hw[i] = [k * v for v in hw[i]]
                hb[i] *= k
            if p.rng.random() < 0.5:
                hw, hb, ow = hw[::-1], hb[::-1], ow[::-1]
            k = int(p.rng.integers(1, 3))
            ow, ob = [k * v for v in ow], ob * k
        if broken and not p.has("hidden_bias") and not p.has("output_bias"):
            if p.rng.random() < 0.5:
                hb[int(p.rng.integers(2))] += float(p.rng.choice([-1, 1]))
            else:
                ob += float(p.rng.choice([-1, 1]))
        hw = p.matrix_or("hidden_weights", hw, -100, 100)
        hb = p.vector_or("hidden_bias", hb, -100, 100)
        ow = p.vector_or("output_weights", ow, -100, 100)
        ob = p.number_or("output_bias", ob, -100, 100)
        w = pc.two_layer_truth_table(hw, hb, ow, ob, "XOR", fire_at_zero=True)
        ans = w["y"]
        units = "; ".join(f"$h_{i + 1} = \\mathrm{{step}}({_lin([hw[i][0], hw[i][1]], ['x_1', 'x_2'], hb[i])})$"
                          for i in range(2))
        out = f"$y = \\mathrm{{step}}({_lin(ow, ['h_1', 'h_2'], ob)})$"
        prompt = (f"A two-layer network of step units ({CONVENTION}) computes {units}; {out}. Give $y$ for the "
                  "inputs $(0,0), (0,1), (1,0), (1,1)$ in that order. Does it compute XOR?")
        h_rows = [r["hidden"] for r in w["rows"]]
        mistakes = [
            Mistake("assumed it is XOR", [0, 1, 1, 0], "Evaluate every row; one bias is off, so it is not XOR."),
            Mistake("gave the first hidden unit", [h[0] for h in h_rows], "y is the output unit, fed by h1 and h2."),
            Mistake("used step(z) = 1 only for z > 0",
                    pc.two_layer_truth_table(hw, hb, ow, ob, None, fire_at_zero=False)["y"],
                    "Here step fires at z = 0 too."),
        ]
        verdict = "computes XOR" if w["implements"] else "does **not** compute XOR"
        model = (f"Hidden outputs {[tuple(h) for h in h_rows]}, output $y = {vec(ans)}$: the network {verdict} "
                 "(no single perceptron can, since XOR is not linearly separable).")
        return Instance(prompt, ans, *EXACT, "four outputs like [0, 1, 1, 0]", model, w.steps, mistakes)
