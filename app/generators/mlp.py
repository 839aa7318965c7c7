"""Small multilayer perceptrons: a forward pass and one backpropagation step."""

from __future__ import annotations

import numpy as np

from engine.mlp import backprop_step, mlp_forward

from .base import DP4, SIG4, Family, Instance, Mistake, Params, mat, num, tex_matrix, tex_vec, vec

ACTS = {"sigmoid": "the sigmoid", "tanh": "tanh", "relu": "ReLU"}


def _f(name: str, z: np.ndarray) -> np.ndarray:
    return {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh,
            "relu": lambda v: np.maximum(v, 0.0), "linear": lambda v: v}[name](z)


def _draw_net(p: Params, n_in: int) -> tuple[list, list, list, list, float]:
    x = p.vector("x", n_in, -10, 10, decimals=2, draw=(0, 1), ints=False)
    W1 = p.matrix("W1", (2, len(x)), -10, 10, decimals=2, draw=(-1, 1))
    b1 = p.vector("b1", 2, -10, 10, decimals=2, draw=(-0.5, 0.5), ints=False)
    W2 = p.vector("W2", 2, -10, 10, decimals=2, draw=(-1, 1), ints=False)
    b2 = p.number("b2", -10, 10, decimals=2, draw=(-0.5, 0.5))
    return x, W1, b1, W2, b2


def _net_text(x, W1, b1, W2, b2) -> str:
    return (f"$x = {tex_vec(x)}$, $W_1 = {tex_matrix(W1)}$ (row $i$ holds the weights into hidden unit $i$), "
            f"$b_1 = {tex_vec(b1)}$, $w_2 = {tex_vec(W2)}$, $b_2 = {num(b2)}$")


class MLPForward(Family):
    name = "mlp_forward"
    title = "Forward pass through a small MLP"
    description = "z1 = W1 x + b1, h = f(z1), y = f(w2·h + b2) for a 2-2-1 or 3-2-1 network."
    params_doc = {"x": "input (2 or 3 values)", "W1": "2 x n_in hidden weights", "b1": "2 hidden biases",
                  "W2": "2 output weights", "b2": "output bias", "activation": "'sigmoid', 'tanh' or 'relu'",
                  "ask": "'output' (y) or 'hidden' ([h1, h2])"}

    def build(self, p: Params, words) -> Instance:
        act = p.choice("activation", list(ACTS), weights=[0.5, 0.25, 0.25])
        ask = p.choice("ask", ["output", "hidden"], weights=[0.7, 0.3])
        n_in = p.length_of("x", default=None)
        if n_in is None and isinstance(p.fixed.get("W1"), list) and isinstance(p.fixed["W1"][0], list):
            n_in = len(p.fixed["W1"][0])
        n_in = n_in or int(p.rng.integers(2, 4))
        x, W1, b1, W2, b2 = _draw_net(p, n_in)
        w = mlp_forward(x, [W1, [W2]], [b1, [b2]], act)
        h = w["layers"][0]["a"]
        y = w["output"][0]
        xa, W1a, b1a, W2a = (np.asarray(v, float) for v in (x, W1, b1, W2))
        prompt = (f"A {len(x)}-2-1 network uses {ACTS[act]} activation in both layers: {_net_text(x, W1, b1, W2, b2)}. "
                  + ("Compute the output $y$ to 4 decimal places." if ask == "output" else
                     "Compute the hidden activations $[h_1, h_2]$ to 4 decimal places."))

        def run(hidden_act=act, out_act=act, bias=True, transpose=False):
            W = W1a.T if transpose else W1a
            hh = _f(hidden_act, W @ xa + (b1a if bias else 0))
            yy = float(_f(out_act, np.array(W2a @ hh + (b2 if bias else 0))))
            return yy if ask == "output" else hh.tolist()
        mistakes = [
            Mistake("forgot the biases", run(bias=False), "Add the bias of every unit to its weighted sum."),
            Mistake("skipped the hidden activation", run(hidden_act="linear"),
                    "Apply the activation to the hidden sums before the output layer."),
            Mistake("used W1 transposed", run(transpose=True) if len(x) == 2 else None,
                    "Row i of W1 feeds hidden unit i: $z_i = \\sum_j W_{ij} x_j$."),
        ]
        if ask == "output":
            mistakes.append(Mistake("skipped the output activation", run(out_act="linear"),
                                    "The output unit applies the activation too."))
        ans = y if ask == "output" else h
        model = (f"$z_1 = W_1 x + b_1 = {tex_vec(w['layers'][0]['z'])}$, $h = {tex_vec(h)}$, "
                 f"$z_2 = {num(w['layers'][1]['z'][0])}$, $y = {num(y)}$. Answer **{num(ans) if ask == 'output' else vec(ans)}**.")
        fmt = "a number" if ask == "output" else "two numbers like [0.5933, 0.5969]"
        return Instance(prompt, ans, *DP4, fmt, model, w.steps, [m for m in mistakes if m.value is not None])


BP_ASKS = {
    "delta_out": "the output error signal $\\delta_{out} = \\partial L/\\partial z_2$",
    "grad_w2": "the gradient $\\partial L/\\partial w_2$ (two numbers)",
    "w2_new": "the updated output weights $w_2$ (two numbers)",
    "b2_new": "the updated output bias $b_2$",
    "grad_w1": "the gradient $\\partial L/\\partial W_1$ (a 2×2 matrix)",
}


class BackpropStep(Family):
    name = "backprop_step"
    title = "One backpropagation step on a 2-2-1 network"
    description = "Sigmoid 2-2-1 net, loss ½(y − t)²: output delta, gradients and updated weights."
    params_doc = {"x": "2 inputs", "W1": "2x2 hidden weights", "b1": "2 hidden biases", "W2": "2 output weights",
                  "b2": "output bias", "target": "target t", "lr": "learning rate η", "ask": f"one of {list(BP_ASKS)}"}

    def build(self, p: Params, words) -> Instance:
        x, W1, b1, W2, b2 = _draw_net(p, 2)
        t = p.number("target", -10, 10, decimals=2, draw=(0, 1))
        lr = p.choice("lr", [0.1, 0.5, 1.0]) if not p.has("lr") else p.number("lr", 1e-4, 10)
        ask = p.choice("ask", list(BP_ASKS))
        w = backprop_step(x, t, [W1, [W2]], [b1, [b2]], "sigmoid", "half_sse", lr)
        r = w.result
        delta = r["deltas"][1][0]
        grad_w2 = r["grad_weights"][1][0]
        values = {"delta_out": delta, "grad_w2": grad_w2, "w2_new": r["weights"][1][0],
                  "b2_new": r["biases"][1][0], "grad_w1": r["grad_weights"][0]}
        ans = values[ask]
        prompt = (f"A 2-2-1 network with sigmoid activations in both layers has {_net_text(x, W1, b1, W2, b2)}. "
                  f"The target is $t = {num(t)}$, the loss is $L = \\tfrac12 (y - t)^2$ and the learning rate is "
                  f"$\\eta = {num(lr)}$. Do one forward pass, backpropagate, and give {BP_ASKS[ask]} to 4 "
                  "significant figures.")
        # independent variants for the mistakes
        xa, W1a, b1a, W2a = (np.asarray(v, float) for v in (x, W1, b1, W2))
        h = _f("sigmoid", W1a @ xa + b1a)
        y = float(_f("sigmoid", np.array(W2a @ h + b2)))

        def variant(no_out_deriv=False, sign=1.0, no_lr=False, no_hidden_deriv=False, new_w2=False):
            d = (y - t) * (1 if no_out_deriv else y * (1 - y))
            gw2 = d * h
            step = 1.0 if no_lr else lr
            w2n = W2a - sign * step * gw2
            b2n = b2 - sign * step * d
            back = w2n if new_w2 else W2a
            dh = d * back * (1 if no_hidden_deriv else h * (1 - h))
            gw1 = np.outer(dh, xa)
            return {"delta_out": d, "grad_w2": gw2.tolist(), "w2_new": w2n.tolist(), "b2_new": b2n,
                    "grad_w1": gw1.tolist()}[ask]
        mistakes = [
            Mistake("forgot the sigmoid derivative at the output", variant(no_out_deriv=True),
                    "$\\delta_{out} = (y - t)\\,y(1 - y)$: include $\\sigma'(z_2) = y(1 - y)$."),
            Mistake("moved up the gradient", variant(sign=-1.0), "Gradient *descent* subtracts η·gradient.")
            if ask in ("w2_new", "b2_new") else None,
            Mistake("forgot the learning rate", variant(no_lr=True), "Scale the gradient by η.")
            if ask in ("w2_new", "b2_new") and lr != 1 else None,
            Mistake("forgot the sigmoid derivative at the hidden layer", variant(no_hidden_deriv=True),
                    "$\\delta_h = \\delta_{out}\\, w_2 \\odot h(1 - h)$.") if ask == "grad_w1" else None,
            Mistake("backpropagated through the updated w2", variant(new_w2=True),
                    "Use the weights from the forward pass; all updates happen after backprop.")
            if ask == "grad_w1" else None,
        ]
        shown = mat(ans, 6) if ask == "grad_w1" else (vec(ans, 6) if isinstance(ans, list) else num(ans, 6))
        model = (f"Forward: $h = {tex_vec(h)}$, $y = {num(y)}$, $L = {num(r['loss'], 6)}$. "
                 f"$\\delta_{{out}} = (y - t)\\,y(1 - y) = {num(delta, 6)}$; $\\partial L/\\partial w_2 = "
                 f"\\delta_{{out}} h = {tex_vec(grad_w2, 6)}$; $\\delta_h = \\delta_{{out}} w_2 \\odot h(1 - h)$; "
                 f"$\\partial L/\\partial W_1 = \\delta_h x^\\top$. Updates: $w \\leftarrow w - \\eta\\,\\partial L/\\partial w$. "
                 f"Answer **{shown}** (the loss drops to {num(r['new_loss'], 6)} after the step).")
        fmt = ("a 2×2 matrix like [[0.000668, 0.001337], [0.00075, 0.0015]]" if ask == "grad_w1"
               else "two numbers" if isinstance(ans, list) else "a number")
        return Instance(prompt, ans, *SIG4, fmt, model, w.steps, [m for m in mistakes if m])
