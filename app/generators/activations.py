"""Softmax, activation values/derivatives and Swish."""

from __future__ import annotations

import numpy as np

from engine import activations as act

from .base import DP3, DP4, Family, Instance, Mistake, Params, num, pick, tex_vec, vec


def _softmax(z) -> np.ndarray:
    e = np.exp(np.asarray(z, float) - np.max(z))
    return e / e.sum()


class Softmax(Family):
    name = "softmax"
    title = "Softmax of a logit vector"
    description = "Softmax probabilities (3 dp), optionally at a temperature or after a shift of the logits."
    params_doc = {
        "logits": "logit vector (2-8 values)",
        "style": "'int' (integers in [-3, 5]) or 'decimal' (1-dp values in [-1, 1])",
        "temperature": "temperature T > 0 (softmax of z / T)",
        "shift": "constant added to every logit (the answer does not change)",
    }

    def build(self, p: Params, words) -> Instance:
        style = p.choice("style", ["int", "decimal"], weights=[0.6, 0.4])
        if style == "int":
            z = p.vector("logits", (3, 6), -50, 50, decimals=0, draw=(-3, 5), ints=False, min_len=2, max_len=8)
        else:
            z = p.vector("logits", (3, 6), -50, 50, decimals=1, draw=(-1, 1), ints=False, min_len=2, max_len=8)
        z = [int(v) if float(v).is_integer() and style == "int" else v for v in z]
        variant = "plain"
        t = 1.0
        shift = 0
        if p.has("temperature"):
            t = p.number("temperature", 0.05, 100)
            variant = "temperature"
        if p.has("shift"):
            shift = p.number("shift", -1000, 1000, decimals=0)
            variant = "shift" if variant == "plain" else variant
        if variant == "plain" and not p.has("logits"):
            r = p.rng.random()
            if r < 0.2:
                t = p.choice("temperature", [0.5, 2.0, 5.0])
                variant = "temperature"
            elif r < 0.3:
                shift = p.choice("shift", [10, 100, -5])
                variant = "shift"
        shown = [v + shift for v in z]
        w = act.softmax(shown, temperature=t)
        ans = w["probabilities"]
        zt = tex_vec(shown)
        lead = pick(words, ["A classifier outputs the logits", "The last layer of a network produces the scores",
                            "Given the logit vector"])
        if variant == "temperature":
            prompt = (f"{lead} $z = {zt}$. Compute the softmax at temperature $T = {num(t)}$, i.e. "
                      "$p_i = e^{z_i/T} / \\sum_j e^{z_j/T}$, to 3 decimal places.")
        else:
            prompt = (f"{lead} $z = {zt}$. Compute the softmax probabilities "
                      "$p_i = e^{z_i} / \\sum_j e^{z_j}$ to 3 decimal places.")
        za = np.asarray(shown, float)
        mistakes = [
            Mistake("normalised the logits without exponentiating", (za / za.sum()).tolist()
                    if za.sum() != 0 else None,
                    "Softmax exponentiates first: $e^{z_i}$, then divides by the sum of exponentials."),
            Mistake("forgot to normalise", np.exp(za / t).tolist(),
                    "Divide each exponential by their sum so the probabilities add up to 1."),
            Mistake("ignored the temperature", _softmax(za).tolist(),
                    f"Divide the logits by T = {num(t)} before exponentiating.") if t != 1 else None,
            Mistake("multiplied by the temperature", _softmax(za * t).tolist(),
                    "Temperature divides the logits: large T flattens the distribution.") if t != 1 else None,
            Mistake("used a sigmoid per logit", (1 / (1 + np.exp(-za / t))).tolist(),
                    "Softmax couples the logits through the shared denominator; sigmoids do not sum to 1."),
        ]
        note = ""
        if shift:
            note = (f" Adding {num(shift)} to every logit does not change the softmax (it cancels in the "
                    f"ratio), so this equals the softmax of ${tex_vec(z)}$.")
        model = (f"Subtract the maximum for stability, exponentiate, divide by the sum: "
                 f"**{vec(ans, 3)}** (they sum to 1; the largest logit, index {w['argmax']}, gets the largest "
                 f"probability).{note}")
        return Instance(prompt, ans, *DP3, "a vector like [0.659, 0.242, 0.099]", model, w.steps,
                        [m for m in mistakes if m and m.value is not None])


ACT_NAMES = {
    "sigmoid": "the sigmoid $\\sigma(x) = 1/(1 + e^{-x})$",
    "tanh": "$\\tanh$",
    "relu": "ReLU, $\\max(0, x)$ (take ReLU'(0) = 0)",
    "leaky_relu": "leaky ReLU with slope $a = {a}$ for $x \\le 0$",
    "step": "the step function, $1$ if $x \\ge 0$ else $0$ (derivative 0)",
    "identity": "the identity $f(x) = x$",
    "swish": "Swish, $x\\,\\sigma(x)$",
}


class Activation(Family):
    name = "activation"
    title = "Activation value and derivative"
    description = "f(x) and f'(x) for sigmoid, tanh, ReLU, leaky ReLU, step, identity or Swish."
    params_doc = {"function": f"one of {list(ACT_NAMES)}", "x": "the input (-10..10)",
                  "slope": "leaky ReLU slope a (0.01, 0.1, 0.2)", "ask": "'both' ([f, f']), 'value' or 'derivative'"}

    def build(self, p: Params, words) -> Instance:
        fn = p.choice("function", list(ACT_NAMES), weights=[3, 3, 2, 2, 1, 1, 1], implied={"leaky_relu": ["slope"]})
        x = p.number("x", -10, 10, decimals=1, draw=(-5, 5))
        ask = p.choice("ask", ["both", "value", "derivative"], weights=[0.5, 0.25, 0.25])
        kw = {}
        a = 0.01
        if fn == "leaky_relu":
            a = p.choice("slope", [0.01, 0.1, 0.2]) if not p.has("slope") else p.number("slope", 0, 1)
            kw["slope"] = a
        elif fn == "step":
            kw["fire_at_zero"] = True
        name = "linear" if fn == "identity" else fn
        w = act.activation(name, x, **kw)
        val, der = w["value"], w["derivative"]
        ans = {"both": [val, der], "value": val, "derivative": der}[ask]
        what = {"both": "$[f(x),\\ f'(x)]$", "value": "$f(x)$", "derivative": "$f'(x)$"}[ask]
        fname = ACT_NAMES[fn].replace("{a}", num(a))
        prompt = (f"Let $f$ be {fname}. At $x = {num(x)}$, compute {what}"
                  + (" to 4 decimal places." if fn in ("sigmoid", "tanh", "swish") else "."))
        s = 1 / (1 + np.exp(-x))
        wrong = []
        if fn == "sigmoid":
            wrong = [("used σ(x) as the derivative", val, s, "σ'(x) = σ(x)(1 − σ(x))."),
                     ("forgot the minus sign in the exponent", 1 / (1 + np.exp(x)), s * (1 - s),
                      "σ(x) = 1/(1 + e^{−x})."),
                     ("wrote σ'(x) = 1 − σ(x)", val, 1 - s, "The derivative is σ(x)(1 − σ(x)).")]
        elif fn == "tanh":
            t = np.tanh(x)
            wrong = [("wrote tanh'(x) = 1 − tanh(x)", t, 1 - t, "tanh'(x) = 1 − tanh²(x)."),
                     ("used the sigmoid", s, s * (1 - s), "tanh ranges over (−1, 1); it is 2σ(2x) − 1.")]
        elif fn == "relu":
            wrong = [("took the derivative as 1 everywhere", val, 1.0, "ReLU' is 0 for x ≤ 0."),
                     ("returned x for negative inputs", x, 1.0, "ReLU clips negatives to 0.")]
        elif fn == "leaky_relu":
            wrong = [("used plain ReLU", max(x, 0.0), 1.0 if x > 0 else 0.0,
                      f"Leaky ReLU keeps a slope a = {num(a)} for x ≤ 0."),
                     ("took the slope as the value", a if x <= 0 else x, der,
                      "For x ≤ 0 the value is a·x, not a.")]
        elif fn == "step":
            wrong = [("used the z > 0 convention", 1.0 if x > 0 else 0.0, 0.0,
                      "Here step(0) = 1 (fires when x ≥ 0)."),
                     ("gave the derivative as 1", val, 1.0, "The step function is flat: derivative 0.")]
        elif fn == "swish":
            wrong = [("used σ(x) as the derivative", val, s, "f'(x) = σ(x) + xσ(x)(1 − σ(x))."),
                     ("forgot the product rule", val, x * s * (1 - s), "Differentiate both factors of x·σ(x).")]
        elif fn == "identity":
            wrong = [("gave the derivative as 0", val, 0.0, "f(x) = x has slope 1 everywhere.")]
        mistakes = []
        for mname, v, d, e in wrong:
            alt = {"both": [v, d], "value": v, "derivative": d}[ask]
            mistakes.append(Mistake(mname, alt, e))
        model = (f"$f({num(x)}) = {num(val)}$ and $f'({num(x)}) = {num(der)}$. Answer **"
                 + (vec(ans) if ask == "both" else num(ans)) + "**.")
        fmt = "two numbers [f(x), f'(x)]" if ask == "both" else "a number"
        return Instance(prompt, ans, *DP4, fmt, model, w.steps, mistakes)


class Swish(Family):
    name = "swish"
    title = "Swish and its derivative"
    description = "f(x) = x·σ(x) and f'(x) = σ(x) + xσ(x)(1 − σ(x)) = f(x) + σ(x)(1 − f(x))."
    params_doc = {"x": "the input (-10..10)", "ask": "'both', 'value' or 'derivative'"}

    def build(self, p: Params, words) -> Instance:
        x = p.number("x", -10, 10, decimals=1, draw=(-5, 5))
        ask = p.choice("ask", ["both", "value", "derivative"], weights=[0.5, 0.2, 0.3])
        w = act.activation("swish", x)
        val, der = w["value"], w["derivative"]
        s = 1 / (1 + np.exp(-x))
        ans = {"both": [val, der], "value": val, "derivative": der}[ask]
        what = {"both": "$[f(x),\\ f'(x)]$", "value": "$f(x)$", "derivative": "$f'(x)$"}[ask]
        hint = pick(words, ["", " (Hint: $f' = f + \\sigma(x)(1 - f)$.)", ""])
        prompt = (f"Swish is $f(x) = x\\,\\sigma(x)$ with $\\sigma$ the logistic sigmoid. At $x = {num(x)}$, "
                  f"compute {what} to 4 decimal places.{hint}")
        wrong = [
            ("used σ(x) as the derivative", val, s, "By the product rule f' = σ + xσ(1 − σ)."),
            ("dropped the σ term of the product rule", val, x * s * (1 - s), "f' = σ(x) + xσ'(x)."),
            ("used σ(1 − σ) as the derivative", val, s * (1 - s), "That is σ', not the derivative of x·σ(x)."),
            ("computed σ(x) for the value", s, der, "Swish multiplies by x: f = x·σ(x)."),
        ]
        mistakes = [Mistake(n, {"both": [v, d], "value": v, "derivative": d}[ask], e) for n, v, d, e in wrong]
        model = (f"$\\sigma({num(x)}) = {num(s)}$, so $f = {num(x)} \\cdot {num(s)} = {num(val)}$ and "
                 f"$f' = \\sigma + x\\sigma(1 - \\sigma) = {num(der)}$ (the same as $f + \\sigma(1 - f)$). "
                 f"Answer **{vec(ans) if ask == 'both' else num(ans)}**.")
        fmt = "two numbers [f(x), f'(x)]" if ask == "both" else "a number"
        return Instance(prompt, ans, *DP4, fmt, model, w.steps, mistakes)
