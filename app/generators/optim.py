"""Optimisers: gradient descent on a quadratic, SGD, momentum/Nesterov, Adam, LR schedules."""

from __future__ import annotations

import math

import numpy as np

from engine import optimizers, schedules

from .base import (
    EXACT,
    SIG4,
    Family,
    Instance,
    Mistake,
    Params,
    num,
    pick,
    prefixed,
    sig,
    tex_vec,
    vec,
)

# ------------------------------------------------------------------ C17 GD on a quadratic


class GDQuadratic(Family):
    name = "gd_quadratic"
    title = "Gradient descent on a 1-D quadratic"
    description = "Iterates x_k = c + (1 − 2aη)^k (x0 − c) on f(x) = a(x − c)²: the learning-rate regimes."
    params_doc = {"a": "curvature a > 0", "c": "minimiser c", "x0": "start", "lr": "learning rate η",
                  "steps": "number of steps (1-5)",
                  "regime": "'monotone', 'one_step', 'oscillating' or 'diverging' (picks lr; ignored when lr is given)"}

    def build(self, p: Params, words) -> Instance:
        a = p.choice("a", [0.5, 1.0, 2.0, 2.5]) if not p.has("a") else p.number("a", 0.01, 100)
        c = p.integer("c", -100, 100, draw=(-5, 5)) if not p.has("c") else p.number("c", -100, 100)
        x0 = p.integer("x0", -100, 100, draw=(-5, 5))
        while x0 == c and not p.has("x0"):
            x0 = p.integer("x0", -100, 100, draw=(-5, 5))
        if p.has("lr"):
            lr = p.number("lr", 1e-6, 100)
            if p.has("regime"):
                regime = p.choice("regime", ["monotone", "one_step", "oscillating", "diverging", "bouncing"])
                got = optimizers.quadratic_descent(a, c, x0, lr, 1)["regime"]
                if got != regime:
                    raise p._bad("regime", f"is {got!r} for this a and lr, not {regime!r}")
        else:
            regime = p.choice("regime", ["monotone", "one_step", "oscillating", "diverging"], weights=[4, 1, 3, 2])
            frac = {"monotone": [0.1, 0.2, 0.3, 0.4], "one_step": [0.5], "oscillating": [0.6, 0.7, 0.8, 0.9],
                    "diverging": [1.1, 1.2]}[regime]
            lr = p.set("lr", round(float(p.rng.choice(frac)) / a, 4))
        n = p.integer("steps", 1, 5, draw=(2, 4))
        w = optimizers.quadratic_descent(a, c, x0, lr, n, "gd")
        xs = w["iterates"]
        fx = f"{num(a)}(x - {num(c)})^2".replace("- -", "+ ") if c else f"{num(a)}x^2"
        prompt = (f"Run gradient descent $x \\leftarrow x - \\eta f'(x)$ on $f(x) = {fx}$ from $x_0 = {num(x0)}$ with "
                  f"$\\eta = {num(lr)}$. Give the iterates $[x_1, \\ldots, x_{{{n}}}]$ to 3 decimal places.")

        def run(gfn):
            x, out = float(x0), []
            for _ in range(n):
                x = x - lr * gfn(x)
                out.append(x)
            return out
        mistakes = [
            Mistake("forgot the factor 2 in the derivative", run(lambda x: a * (x - c)), "$f'(x) = 2a(x - c)$."),
            Mistake("moved up the gradient", run(lambda x: -2 * a * (x - c)), "Descent subtracts η f'(x)."),
            Mistake("ignored the shift c", run(lambda x: 2 * a * x), "Differentiate $(x - c)^2$: $2(x - c)$.")
            if c else None,
        ]
        r = 1 - 2 * a * lr
        regime_text = {"monotone": "converges monotonically ($0 < 1 - 2a\\eta < 1$)",
                       "one_step": "reaches the minimum in one step ($\\eta = 1/(2a)$)",
                       "oscillating": "oscillates around c but converges ($-1 < 1 - 2a\\eta < 0$)",
                       "bouncing": "bounces between two points forever ($\\eta = 1/a$)",
                       "diverging": "diverges ($|1 - 2a\\eta| > 1$, i.e. $\\eta > 1/a$)"}[w["regime"]]
        model = (f"$x_k - c = (1 - 2a\\eta)^k (x_0 - c)$ with $1 - 2a\\eta = {num(r)}$: **{vec(xs, 3)}**. The method "
                 f"{regime_text}.")
        return Instance(prompt, xs, 5.5e-4, 1e-6, "a vector like [0.6, 1.08, 1.464]", model, w.steps,
                        [m for m in mistakes if m])


# ------------------------------------------------------------------ C18 SGD update


class SGDUpdate(Family):
    name = "sgd_update"
    title = "A plain SGD update"
    description = "p ← p − lr·g for a parameter vector."
    params_doc = {"params": "parameters (1-4 values)", "grads": "gradients", "lr": "learning rate"}

    def build(self, p: Params, words) -> Instance:
        pv = p.vector("params", p.length_of("grads", default=(1, 4)), -1000, 1000, decimals=2, draw=(-1, 1), ints=False, max_len=6)
        g = p.vector("grads", len(pv), -1000, 1000, decimals=2, draw=(-1, 1), ints=False)
        lr = p.choice("lr", [0.001, 0.01, 0.05, 0.1, 0.2, 0.5]) if not p.has("lr") else p.number("lr", 1e-6, 10)
        w = optimizers.sgd(pv, g, lr)
        scalar = len(pv) == 1
        ans = w["params"]
        if scalar and isinstance(ans, list):
            ans = ans[0]
        P, G = np.asarray(pv, float), np.asarray(g, float)
        code = pick(words, ["`p = p - lr * g`", "`param.data -= lr * param.grad`", "`w -= learning_rate * dw`"])
        if scalar:
            prompt = (f"A parameter has value ${num(pv[0])}$ and gradient ${num(g[0])}$. With learning rate "
                      f"${num(lr)}$, what is its value after one SGD step ({code})? Give all decimals.")
        else:
            prompt = (f"Parameters $p = {tex_vec(pv)}$ have gradients $g = {tex_vec(g)}$. With learning rate "
                      f"${num(lr)}$, what are they after one SGD step ({code})? Give all decimals.")

        def out(v):
            return float(v[0]) if scalar else v.tolist()
        mistakes = [
            Mistake("added the gradient", out(P + lr * G), "Descent moves against the gradient: subtract."),
            Mistake("forgot the learning rate", out(P - G), "Scale the gradient by the learning rate."),
            Mistake("divided by the learning rate", out(P - G / lr), "Multiply by the learning rate."),
        ]
        shown = num(ans, 6) if scalar else vec(ans, 6)
        model = f"$p - \\eta g$ = **{shown}**."
        return Instance(prompt, ans, 1e-6, 0.0, "a number" if scalar else "a vector",
                        model, w.steps, mistakes)


# ------------------------------------------------------------------ C19 momentum vs Nesterov


class MomentumNesterov(Family):
    name = "momentum_nesterov"
    title = "Momentum and Nesterov updates"
    description = "Classical momentum v ← μv − η∇f(x), x ← x + v, and Nesterov (gradient at x + μv) on a quadratic."
    params_doc = {"a": "f(x) = a(x - c)^2", "c": "minimiser", "x0": "start", "lr": "learning rate η",
                  "mu": "momentum μ", "steps": "1-3", "method": "'momentum', 'nesterov' or 'both'"}

    def build(self, p: Params, words) -> Instance:
        a = p.choice("a", [0.5, 1.0, 2.0]) if not p.has("a") else p.number("a", 0.01, 100)
        c = p.integer("c", -100, 100, draw=(0, 0) if p.rng.random() < 0.6 else (-3, 3)) \
            if not p.has("c") else p.number("c", -100, 100)
        x0 = p.integer("x0", -100, 100, draw=(-4, 4))
        while x0 == c and not p.has("x0"):
            x0 = p.integer("x0", -100, 100, draw=(-4, 4))
        lr = p.choice("lr", [0.05, 0.1, 0.2]) if not p.has("lr") else p.number("lr", 1e-6, 10)
        mu = p.choice("mu", [0.5, 0.9]) if not p.has("mu") else p.number("mu", 0, 0.999)
        n = p.integer("steps", 1, 3, draw=(2, 3))
        method = p.choice("method", ["momentum", "nesterov", "both"])
        wm = optimizers.quadratic_descent(a, c, x0, lr, n, "momentum", mu)
        wn = optimizers.quadratic_descent(a, c, x0, lr, n, "nesterov", mu)
        xm, xn = wm["iterates"][-1], wn["iterates"][-1]
        fx = f"{num(a)}(x - {num(c)})^2".replace("- -", "+ ") if c else f"{num(a)}x^2"
        rules = ("classical momentum $v \\leftarrow \\mu v - \\eta f'(x),\\ x \\leftarrow x + v$"
                 if method == "momentum" else
                 "Nesterov momentum $v \\leftarrow \\mu v - \\eta f'(x + \\mu v),\\ x \\leftarrow x + v$"
                 if method == "nesterov" else
                 "(a) classical momentum $v \\leftarrow \\mu v - \\eta f'(x),\\ x \\leftarrow x + v$ and (b) Nesterov "
                 "$v \\leftarrow \\mu v - \\eta f'(x + \\mu v),\\ x \\leftarrow x + v$")
        prompt = (f"Minimise $f(x) = {fx}$ from $x_0 = {num(x0)}$, $v_0 = 0$ with {rules}, $\\eta = {num(lr)}$, "
                  f"$\\mu = {num(mu)}$. ")

        def g(x):
            return 2 * a * (x - c)

        def run(kind, mu_=mu, look=False, sign=1.0):
            x, v = float(x0), 0.0
            for _ in range(n):
                grad = g(x + mu_ * v) if look else g(x)
                v = mu_ * v - sign * lr * grad
                x = x + v
            return x

        def gd():
            x = float(x0)
            for _ in range(n):
                x -= lr * g(x)
            return x
        if method == "both":
            prompt += f"Give $[x_{{{n}}}^{{\\text{{momentum}}}},\\ x_{{{n}}}^{{\\text{{Nesterov}}}}]$ to 4 decimal places."
            ans = [xm, xn]
            mistakes = [Mistake("swapped the two methods", [xn, xm], "Nesterov takes the gradient at the look-ahead point."),
                        Mistake("used plain gradient descent", [gd(), gd()], "Momentum accumulates a velocity.")]
        else:
            prompt += f"What is $x_{{{n}}}$? Give 4 decimal places."
            ans = xm if method == "momentum" else xn
            other = xn if method == "momentum" else xm
            mistakes = [
                Mistake("used Nesterov's look-ahead" if method == "momentum" else "took the gradient at x, not at x + μv",
                        other, "Classical momentum evaluates the gradient at x." if method == "momentum"
                        else "Nesterov evaluates the gradient at the look-ahead point $x + \\mu v$."),
                Mistake("ignored the momentum", gd(), "Plain GD drops the velocity term μv."),
                Mistake("added the gradient step", run(method, look=method == "nesterov", sign=-1.0),
                        "The velocity moves against the gradient: $-\\eta f'$."),
            ]
        model = (f"Momentum iterates {vec(wm['iterates'])}; Nesterov iterates {vec(wn['iterates'])}. Answer "
                 f"**{vec(ans) if isinstance(ans, list) else num(ans)}**. Nesterov corrects the velocity using the "
                 "gradient where it is about to land, which usually overshoots less.")
        return Instance(prompt, ans, 6e-5, 0.0, "a number" if method != "both" else "two numbers",
                        model, prefixed(wm.steps, "Momentum, ") + prefixed(wn.steps, "Nesterov, "), mistakes)


# ------------------------------------------------------------------ C20 Adam


class AdamStep(Family):
    name = "adam_step"
    title = "Adam updates with bias correction"
    description = "m, v, bias-corrected m̂, v̂ and θ after 1-2 Adam steps."
    params_doc = {"theta": "parameters (1-3 values)", "grads": "list of gradient vectors, one per step (1-3)",
                  "lr": "learning rate", "ask": "'theta', 'm_hat' or 'v'"}

    def build(self, p: Params, words) -> Instance:
        g_fixed = p.fixed.get("grads")
        first = g_fixed[0] if isinstance(g_fixed, list) and g_fixed else None
        n_theta = (len(first) or 1) if isinstance(first, list) else (1 if first is not None else (1, 3))
        theta = p.vector("theta", n_theta, -100, 100, decimals=1, draw=(-2, 2), ints=False)
        if p.has("grads"):
            raw = p.fixed["grads"]
            if not isinstance(raw, list) or not 1 <= len(raw) <= 3:
                raise p._bad("grads", "must be a list of 1 to 3 gradient vectors")
            grads = []
            for gv in raw:
                gv = gv if isinstance(gv, list) else [gv]
                if len(gv) != len(theta) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in gv):
                    raise p._bad("grads", f"each gradient needs {len(theta)} numbers")
                grads.append([float(v) for v in gv])
            p.set("grads", grads)
        else:
            k = int(p.rng.integers(1, 3))
            grads = [[round(float(v), 1) or 0.5 for v in p.rng.uniform(-1, 1, size=len(theta))] for _ in range(k)]
            p.set("grads", grads)
        lr = p.choice("lr", [0.001, 0.01, 0.1]) if not p.has("lr") else p.number("lr", 1e-6, 1)
        ask = p.choice("ask", ["theta", "m_hat", "v"], weights=[0.6, 0.2, 0.2])
        state, w = None, None
        steps = []
        for t_, gv in enumerate(grads, start=1):
            w = optimizers.adam(theta if state is None else w["params"], gv, lr=lr, state=state)
            state = w["state"]
            steps += prefixed(w.steps, f"Step {t_}: ") if len(grads) > 1 else w.steps
        T = len(grads)
        res = {"theta": w["params"], "m_hat": w["m_hat"], "v": state["v"]}
        ans = res[ask]
        ans = ans if isinstance(ans, list) else [ans]
        def tv(v):
            return num(v[0]) if len(v) == 1 else tex_vec(v)
        gtxt = ", ".join(f"$g_{i + 1} = {tv(gv)}$" for i, gv in enumerate(grads))
        what = {"theta": f"the parameters $\\theta_{{{T}}}$ to 6 decimal places",
                "m_hat": f"the bias-corrected first moment $\\hat m_{{{T}}}$ to 4 significant figures",
                "v": f"the (uncorrected) second moment $v_{{{T}}}$ to 4 significant figures"}[ask]
        prompt = (f"Adam ($\\beta_1 = 0.9$, $\\beta_2 = 0.999$, $\\epsilon = 10^{{-8}}$, $\\eta = {num(lr)}$, "
                  f"$m_0 = v_0 = 0$) starts from $\\theta_0 = {tv(theta)}$ and receives the gradient"
                  f"{'s' if T > 1 else ''} {gtxt}. Give {what}.")
        G = np.asarray(grads, float)
        th0 = np.asarray(theta, float)

        def run(correct=True, sqrt=True, sign=1.0):
            th, m, v = th0.copy(), np.zeros_like(th0), np.zeros_like(th0)
            for t, gv in enumerate(G, start=1):
                m = 0.9 * m + 0.1 * gv
                v = 0.999 * v + 0.001 * gv * gv
                mh = m / (1 - 0.9**t) if correct else m
                vh = v / (1 - 0.999**t) if correct else v
                th = th - sign * lr * mh / ((np.sqrt(vh) if sqrt else vh) + 1e-8)
            return {"theta": th.tolist(), "m_hat": mh.tolist(), "v": v.tolist()}[ask]
        mistakes = [
            Mistake("forgot the bias correction", run(correct=False),
                    "Divide m by $1 - \\beta_1^t$ and v by $1 - \\beta_2^t$; without it early steps are far off."),
            Mistake("forgot the square root of v̂", run(sqrt=False), "The step divides by $\\sqrt{\\hat v} + \\epsilon$.")
            if ask == "theta" else None,
            Mistake("moved along the gradient", run(sign=-1.0), "Adam subtracts the step.") if ask == "theta" else None,
            Mistake("used the raw gradient for m", G[-1].tolist(), "m is a moving average: 0.9·m + 0.1·g.")
            if ask == "m_hat" and T > 1 else None,
            Mistake("bias-corrected v", (np.asarray(res["v"]) / (1 - 0.999**T)).tolist(),
                    "The question asks for the uncorrected v.") if ask == "v" else None,
        ]
        if len(theta) == 1:
            ans = ans[0]
            mistakes = [Mistake(m.name, m.value[0] if isinstance(m.value, list) else m.value, m.explanation)
                        for m in mistakes if m]
        tol = (6e-7, 0.0) if ask == "theta" else SIG4
        shown = vec(ans, 6) if isinstance(ans, list) else num(ans, 6)
        def tv6(v, d=6):
            v = v if isinstance(v, list) else [v]
            return num(v[0], d) if len(v) == 1 else tex_vec(v, d)
        model = (f"After {T} step(s): $m = {tv6(state['m'])}$, $v = {tv6(state['v'], 8)}$, bias-corrected "
                 f"$\\hat m = {tv6(res['m_hat'])}$; $\\theta \\leftarrow \\theta - \\eta\\,\\hat m/(\\sqrt{{\\hat v}} + \\epsilon)$. "
                 f"Answer **{shown}**." + (" On the first step each parameter moves by about η·sign(g)." if T == 1 else ""))
        return Instance(prompt, ans, *tol, "a number" if len(theta) == 1 else "a vector", model, steps,
                        [m for m in mistakes if m])


# ------------------------------------------------------------------ C21 LR schedules


class LRSchedule(Family):
    name = "lr_schedule"
    title = "Learning-rate schedules"
    description = "Step, exponential and 1/t decay: the rate at epoch t, or the first epoch below a threshold."
    params_doc = {"kind": "'step', 'exponential' or 'inverse_time'", "lr0": "initial rate",
                  "gamma": "step factor", "step_size": "epochs per step", "k": "decay constant",
                  "t": "epoch", "ask": "'rate' or 'first_below'", "threshold": "threshold (first_below)"}

    def build(self, p: Params, words) -> Instance:
        kind = p.choice("kind", ["step", "exponential", "inverse_time"],
                        implied={"step": ["gamma", "step_size"], "exponential": ["k"], "inverse_time": ["k"]})
        lr0 = p.choice("lr0", [0.1, 0.01, 0.001]) if not p.has("lr0") else p.number("lr0", 1e-8, 10)
        ask = p.choice("ask", ["rate", "first_below"], weights=[0.7, 0.3],
                       implied={"rate": ["t"], "first_below": ["threshold"]})
        h: dict = {}
        if kind == "step":
            h["gamma"] = p.choice("gamma", [0.5, 0.1]) if not p.has("gamma") else p.number("gamma", 0.01, 0.99)
            h["step_size"] = p.choice("step_size", [5, 10, 20]) if not p.has("step_size") else p.integer("step_size", 1, 10**6)
            desc = (f"step decay: multiply by $\\gamma = {num(h['gamma'])}$ every {h['step_size']} epochs, "
                    "$\\alpha_t = \\alpha_0 \\gamma^{\\lfloor t/s \\rfloor}$")
        else:
            h["k"] = p.choice("k", [0.01, 0.05, 0.1, 0.5]) if not p.has("k") else p.number("k", 1e-6, 10)
            desc = ("exponential decay $\\alpha_t = \\alpha_0 e^{-kt}$" if kind == "exponential"
                    else "1/t decay $\\alpha_t = \\alpha_0 / (1 + kt)$") + f" with $k = {num(h['k'])}$"
        intro = f"A learning rate starts at $\\alpha_0 = {num(lr0)}$ and follows {desc}, with t counting epochs from 0. "

        def rate(t, kind_=kind, **over):
            hh = {**h, **over}
            if kind_ == "step":
                return lr0 * hh["gamma"] ** (t // hh["step_size"])
            if kind_ == "exponential":
                return lr0 * math.exp(-hh["k"] * t)
            return lr0 / (1 + hh["k"] * t)
        if ask == "rate":
            if kind == "step":
                t = p.integer("t", 0, 10**6, draw=(1, 4 * h["step_size"] + h["step_size"] - 1))
            else:
                t = p.integer("t", 0, 10**6, draw=(1, 30))
            w = schedules.lr_schedule(kind, lr0, t, **h)
            ans = w["lr"]
            prompt = intro + f"What is the learning rate at epoch $t = {t}$? Give 4 significant figures."
            mistakes = []
            if kind == "step":
                mistakes += [
                    Mistake("did not floor t/s", lr0 * h["gamma"] ** (t / h["step_size"]),
                            "The rate drops in steps: use $\\lfloor t/s \\rfloor$."),
                    Mistake("counted one step too many", lr0 * h["gamma"] ** (t // h["step_size"] + 1),
                            "At t = 0 no decay has happened yet."),
                    Mistake("decayed every epoch", lr0 * h["gamma"] ** t, f"The rate changes every {h['step_size']} epochs."),
                ]
            else:
                other = "inverse_time" if kind == "exponential" else "exponential"
                mistakes += [
                    Mistake(f"used the {'1/t' if other == 'inverse_time' else 'exponential'} formula", rate(t, other),
                            "Check which schedule the question uses."),
                    Mistake("dropped the 1 in the denominator" if kind == "inverse_time" else "used e^{+kt}",
                            lr0 / (h["k"] * t) if kind == "inverse_time" else lr0 * math.exp(h["k"] * t),
                            "$\\alpha_t = \\alpha_0 / (1 + kt)$." if kind == "inverse_time" else "The rate decays: $e^{-kt}$."),
                    Mistake("used epoch t − 1", rate(t - 1), "t counts from 0, so epoch t uses t itself."),
                ]
            if kind == "step":
                calc = (f"{num(lr0)} \\cdot {num(h['gamma'])}^{{\\lfloor {t}/{h['step_size']} \\rfloor}} = "
                        f"{num(lr0)} \\cdot {num(h['gamma'])}^{{{t // h['step_size']}}}")
            elif kind == "exponential":
                calc = f"{num(lr0)}\\, e^{{-{num(h['k'])} \\cdot {t}}}"
            else:
                calc = f"{num(lr0)} / (1 + {num(h['k'])} \\cdot {t})"
            model = f"$\\alpha_{{{t}}} = {calc} = $ **{sig(ans)}**."
            tol, fmt = SIG4, "a number like 0.00625"
        else:
            thr = p.choice("threshold", [lr0 / 10, lr0 / 100]) if not p.has("threshold") else p.number("threshold", 1e-12, 10)
            w = schedules.first_below(kind, lr0, thr, **h)
            ans = w["t"]
            prompt = intro + f"At which epoch t does the learning rate first drop **below** ${sig(thr)}$?"
            mistakes = [Mistake("gave the last epoch above the threshold", ans - 1,
                                "The question asks for the first epoch strictly below.")]
            if kind == "step":
                # "<=" instead of "<": reaching the threshold exactly is not below it
                t_eq = next((t for t in range(0, 10**5) if rate(t) <= thr * (1 + 1e-12)), None)
                mistakes.append(Mistake("counted reaching the threshold as below", t_eq,
                                        "Equal to the threshold is not below it."))
            else:
                exact = (math.log(lr0 / thr) / h["k"] if kind == "exponential" else (lr0 / thr - 1) / h["k"])
                mistakes.append(Mistake("did not round to a whole epoch", exact, "t counts whole epochs."))
            model = f"$\\alpha_{{{ans}}} = {sig(w['lr'])} < {sig(thr)}$ while $\\alpha_{{{ans - 1}}} \\ge {sig(thr)}$: **{ans}**."
            tol, fmt = EXACT, "an integer"
        return Instance(prompt, ans, *tol, fmt, model, w.steps, [m for m in mistakes if m.value is not None])

