"""Recurrent networks: parameter counts and an unrolled forward pass."""

from __future__ import annotations

import numpy as np

from engine import rnn

from .base import DP4, EXACT, Family, Instance, Mistake, Params, intc, num, pick, vec

CELL_TEXT = {"simple": "simple (Elman) RNN", "lstm": "LSTM", "gru": "GRU"}


class RNNParams(Family):
    name = "rnn_params"
    title = "Parameters of a recurrent layer"
    description = "simple n(n+m+1), LSTM 4n(n+m+1), GRU 3n(n+m+1) (Keras reset_after: 3n(n+m+2))."
    params_doc = {"input_dim": "input size m", "hidden": "hidden size n",
                  "cell": "'simple', 'lstm' or 'gru'", "reset_after": "GRU with Keras' reset_after=True"}

    def build(self, p: Params, words) -> Instance:
        cell = p.choice("cell", list(CELL_TEXT), implied={"gru": ["reset_after"]} if p.fixed.get("reset_after") else None)
        m = p.choice("input_dim", [1, 3, 8, 10, 16, 32, 50, 100, 128, 300]) if not p.has("input_dim") \
            else p.integer("input_dim", 1, 100000)
        n = p.choice("hidden", [4, 8, 16, 20, 32, 64, 128, 256]) if not p.has("hidden") \
            else p.integer("hidden", 1, 100000)
        ra = p.flag("reset_after", 0.4) if cell == "gru" else p.flag("reset_after", 0.0)
        if ra and cell != "gru":
            raise p._bad("reset_after", "applies only to cell 'gru'")
        w = rnn.rnn_params(m, n, cell, reset_after=ra)
        ans = w["params"]
        where = pick(words, ["A sequence model", "A language model", "A time-series model"])
        extra = (" The layer is Keras' `GRU(reset_after=True)` (the TF2 default), which keeps separate input "
                 "and recurrent biases." if ra else
                 (" Count one bias vector per gate block (the classic formulation)." if cell == "gru" else ""))
        prompt = (f"{where} has one {CELL_TEXT[cell]} layer with hidden size $n = {n}$ reading inputs of size "
                  f"$m = {m}$.{extra} How many trainable parameters does the layer have?")
        g = w["blocks"]
        b = 2 if ra else 1
        mistakes = [
            Mistake("forgot the biases", g * n * (n + m), "Each gate block has a bias vector of size n."),
            Mistake("forgot the recurrent weights", g * n * (m + b), "Each block also has an n×n recurrent matrix U."),
            Mistake("used the wrong number of gate blocks", (3 if cell == "lstm" else 4) * n * (n + m + b)
                    if cell != "simple" else 4 * n * (n + m + 1),
                    "Simple RNN: 1 block; GRU: 3 (update, reset, candidate); LSTM: 4 (input, forget, cell, output)."),
            Mistake("ignored reset_after" if ra else "used Keras' reset_after bias count",
                    3 * n * (n + m + (1 if ra else 2)) if cell == "gru" else None,
                    "With reset_after=True the GRU has two bias vectors per block: 3n(n + m + 2)." if ra else
                    "The classic GRU has one bias per block: 3n(n + m + 1)."),
        ]
        model = (f"One block has $n(n + m + {b}) = {n}({n} + {m} + {b}) = {intc(w['per_block'])}$ parameters; "
                 f"a {CELL_TEXT[cell]} has {g} block(s): **{intc(ans)}**.")
        return Instance(prompt, ans, *EXACT, "an integer", model, w.steps,
                        [x for x in mistakes if x.value is not None])


class RNNForward(Family):
    name = "rnn_forward"
    title = "Unrolling a simple RNN"
    description = "h_t = tanh(W x_t + U h_{t-1} + b) for a scalar RNN over 2-4 steps."
    params_doc = {"xs": "input sequence (2-6 values)", "W": "input weight", "U": "recurrent weight",
                  "b": "bias", "h0": "initial state", "ask": "'all' (every h_t) or 'last' (h_T)"}

    def build(self, p: Params, words) -> Instance:
        xs = p.vector("xs", (2, 4), -10, 10, draw=(-2, 2), max_len=6)
        W = p.number("W", -5, 5, decimals=1, draw=(-1, 1), nonzero=True)
        U = p.number("U", -5, 5, decimals=1, draw=(-1, 1), nonzero=True)
        b = p.number("b", -5, 5, decimals=1, draw=(-0.5, 0.5)) if p.has("b") or p.rng.random() < 0.5 \
            else p.set("b", 0.0)
        h0 = p.number("h0", -1, 1, decimals=1, draw=(-0.5, 0.5)) if p.has("h0") or p.rng.random() < 0.3 \
            else p.set("h0", 0.0)
        ask = p.choice("ask", ["all", "last"])
        w = rnn.rnn_forward(xs, W, U, b, h0)
        hs = w["hs"]
        ans = hs if ask == "all" else hs[-1]
        xa = np.asarray(xs, float)

        def run(fn, rec=True, bb=b):
            h, out = h0, []
            for x in xa:
                h = fn(W * x + (U * h if rec else 0) + bb)
                out.append(float(h))
            return out if ask == "all" else out[-1]
        T = len(xs)
        prompt = (f"A scalar recurrent neuron computes $h_t = \\tanh(W x_t + U h_{{t-1}} + b)$ with "
                  f"$W = {num(W)}$, $U = {num(U)}$, $b = {num(b)}$ and $h_0 = {num(h0)}$. Feed it the sequence "
                  f"$x = {vec(xs)}$. "
                  + (f"Give $[h_1, \\ldots, h_{{{T}}}]$ to 4 decimal places." if ask == "all"
                     else f"Give $h_{{{T}}}$ to 4 decimal places."))
        mistakes = [
            Mistake("forgot the recurrence", run(np.tanh, rec=False),
                    "Each step also receives the previous hidden state through U."),
            Mistake("forgot the tanh", run(lambda z: z), "The pre-activation goes through tanh."),
            Mistake("forgot the bias", run(np.tanh, bb=0.0), f"Add b = {num(b)} at every step.") if b else None,
            Mistake("swapped W and U", None, ""),
        ]
        h, sw = h0, []
        for x in xa:
            h = float(np.tanh(U * x + W * h + b))
            sw.append(h)
        mistakes[-1] = Mistake("swapped W and U", sw if ask == "all" else sw[-1],
                               "W multiplies the input, U the previous state.")
        lines = "; ".join(f"$h_{t + 1} = \\tanh({num(z)}) = {num(hv)}$" for t, (z, hv) in enumerate(zip(w["zs"], hs, strict=True)))
        model = f"{lines}. The same W, U, b are reused at every step. Answer **{vec(ans) if ask == 'all' else num(ans)}**."
        fmt = "a vector like [0.4621, 0.3537]" if ask == "all" else "a number"
        return Instance(prompt, ans, *DP4, fmt, model, w.steps, [m for m in mistakes if m])
