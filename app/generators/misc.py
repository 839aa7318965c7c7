"""Shapes, TF1 snippets, transfer heads, diagnostics, statistics and small graphs."""

from __future__ import annotations

import math

import numpy as np

from engine import arithmetic

from .base import (
    DP3,
    DP4,
    EXACT,
    SIG4,
    Family,
    Instance,
    Mistake,
    Params,
    intc,
    num,
    pick,
    sig,
    tex_vec,
    vec,
)

# ------------------------------------------------------------------ C31 matmul shapes


class MatmulShape(Family):
    name = "matmul_shape"
    title = "Matrix-multiplication shapes"
    description = "Result shape of A @ B (with batch dims or a transpose), or the inner dimensions that clash."
    params_doc = {
        "variant": "'shape' (valid product: give its shape) or 'clash' (give the clashing inner dims)",
        "a_shape": "shape of A, e.g. [2, 3] or [4, 2, 3]",
        "b_shape": "shape of B, e.g. [3, 2]",
        "transpose_b": "true: the code computes A @ B.T",
    }

    def build(self, p: Params, words) -> Instance:
        variant = p.choice("variant", ["shape", "clash"], weights=[0.65, 0.35])
        shapes_fixed = p.has("a_shape") or p.has("b_shape")
        transpose_b = p.flag("transpose_b", 0.0 if shapes_fixed else 0.25)
        m, k, n = (int(v) for v in p.rng.integers(1, 7, size=3))
        batch = [int(p.rng.integers(2, 9))] if p.rng.random() < 0.3 else []
        if variant == "shape":
            a_def, b_def = [*batch, m, k], [n, k] if transpose_b else [k, n]
        else:
            k2 = int(p.rng.integers(1, 7))
            while k2 == k:
                k2 = int(p.rng.integers(1, 7))
            a_def, b_def = [m, k], [n, k2] if transpose_b else [k2, n]
        # a fixed operand: draw the other one to fit the variant
        if p.has("a_shape") and not p.has("b_shape") and isinstance(p.fixed["a_shape"], list) \
                and p.fixed["a_shape"] and isinstance(p.fixed["a_shape"][-1], int):
            ka = p.fixed["a_shape"][-1]
            inner = ka if variant == "shape" else (ka % 6) + 1
            b_def = [n, inner] if transpose_b else [inner, n]
        elif p.has("b_shape") and not p.has("a_shape") and isinstance(p.fixed["b_shape"], list) \
                and len(p.fixed["b_shape"]) >= 2 and isinstance(p.fixed["b_shape"][-2], int):
            fb = p.fixed["b_shape"]
            kb = fb[-1] if transpose_b else fb[-2]
            a_def = [m, kb if variant == "shape" else (kb % 6) + 1]
        a = self._shape(p, "a_shape", a_def)
        b = self._shape(p, "b_shape", b_def)
        b_used = [*b[:-2], b[-1], b[-2]] if transpose_b else b
        w = arithmetic.matmul_shape(a, b_used)
        valid = w["valid"]
        if variant == "shape" and not valid:
            raise ValueError(f"{self.name}: param 'b_shape' makes the product invalid; use variant 'clash'")
        if variant == "clash" and valid:
            raise ValueError(f"{self.name}: param 'b_shape' gives a valid product; use variant 'shape'")
        expr = "A @ B.T" if transpose_b else "A @ B"
        lib = pick(words, ["NumPy", "TensorFlow (`tf.matmul`)", "PyTorch"])
        intro = (f"In {lib}, `A` has shape `{tuple(a)}` and `B` has shape `{tuple(b)}`. "
                 f"The code computes `{expr}`.")
        if variant == "shape":
            ans = w["shape"]
            prompt = intro + " What is the shape of the result? Give it as a list, e.g. `[2, 3]`."
            mk, _ = w["inner"]
            mistakes = [
                Mistake("kept the inner dimension", [*ans[:-1], mk],
                        "The inner dimension is summed over and disappears: the result keeps "
                        "A's rows and B's columns."),
                Mistake("swapped rows and columns", [*ans[:-2], ans[-1], ans[-2]],
                        "The result has as many rows as A and as many columns as the right operand."),
                Mistake("dropped the batch dimension", ans[-2:],
                        "Leading (batch) dimensions are kept (broadcast) in the result.")
                if len(ans) > 2 else None,
                Mistake("ignored the transpose", [*ans[:-1], b[-1]],
                        "`B.T` swaps B's last two axes before the product.") if transpose_b else None,
            ]
            model = (f"The inner dimensions agree ({w['inner'][0]} = {w['inner'][1]}), so "
                     f"`{expr}` has shape **{ans}**: rows from A, columns from the right operand"
                     + (", batch dimensions kept." if len(ans) > 2 else "."))
            fmt = "a shape like [2, 3]"
        else:
            ans = w["inner"]
            prompt = (intro + " This raises a shape error. Which two inner dimensions clash? "
                      "Give them as `[k1, k2]`: first the size of A's last axis, then the size of "
                      "the right operand's first (row) axis.")
            mistakes = [
                Mistake("reported them in the wrong order", [ans[1], ans[0]],
                        "k1 is A's number of columns, k2 the right operand's number of rows."),
                Mistake("compared the outer dimensions", [a[-2], b_used[-1]],
                        "Only A's columns and the right operand's rows must agree."),
                Mistake("ignored the transpose", [a[-1], b[-2]],
                        "`B.T` swaps B's axes, so its rows are B's columns.") if transpose_b else None,
            ]
            model = (f"For `{expr}` A's columns ({ans[0]}) must equal the right operand's rows "
                     f"({ans[1]}); they differ, so the answer is **{ans}**. A fix: transpose or "
                     "reshape one operand so the inner sizes match.")
            fmt = "two numbers like [3, 2]"
        return Instance(prompt, ans, *EXACT, fmt, model, w.steps, [x for x in mistakes if x])

    @staticmethod
    def _shape(p: Params, key: str, default: list[int]) -> list[int]:
        if p.has(key):
            raw = p.fixed[key]
            if (not isinstance(raw, list) or not 2 <= len(raw) <= 4
                    or not all(isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 4096
                               for x in raw)):
                raise p._bad(key, "must be a list of 2 to 4 positive integers")
            return p.set(key, raw)
        return p.set(key, default)


# ------------------------------------------------------------------ C32 TF1 snippets


class TF1Snippet(Family):
    name = "tf1_snippet"
    title = "Tracing a TensorFlow 1 snippet"
    description = "What a TF1 graph/session snippet prints (constants, a Variable counter, a placeholder)."
    params_doc = {
        "kind": "'constant_op', 'counter', 'placeholder' or 'add_sub'",
        "a": "first constant (constant_op, add_sub)", "b": "second constant",
        "op": "'add', 'subtract' or 'multiply' (constant_op)",
        "start": "counter start", "updates": "number of counter updates (1-5)",
        "increment": "counter increment",
        "multiplier": "placeholder multiplier", "fed": "value fed to the placeholder",
    }

    def build(self, p: Params, words) -> Instance:
        kind = p.choice("kind", ["constant_op", "counter", "placeholder", "add_sub"],
                        implied={"constant_op": ["op", "a", "b"], "counter": ["start", "updates", "increment"],
                                 "placeholder": ["multiplier", "fed"], "add_sub": ["a", "b"]})
        if kind == "constant_op":
            a = p.integer("a", -100, 100, draw=(1, 9))
            b = p.integer("b", -100, 100, draw=(1, 9))
            op = p.choice("op", ["add", "subtract", "multiply"])
            w = arithmetic.tf1_constant_op(a, b, op)
            code = (f"import tensorflow as tf  # TensorFlow 1.x\n\na = tf.constant([{a}])\n"
                    f"b = tf.constant([{b}])\nc = tf.{op}(a, b)\nwith tf.Session() as sess:\n"
                    "    print(sess.run(c))")
            ans = w["output"]
            others = {"add": a + b, "subtract": a - b, "multiply": a * b}
            mistakes = [Mistake(f"computed {o} instead of {op}", [v],
                                f"`tf.{op}` is the operation in the graph, not `tf.{o}`.")
                        for o, v in others.items() if o != op]
            mistakes.append(Mistake("reversed the operands", [b - a],
                                    "`tf.subtract(a, b)` is a - b.") if op == "subtract" else None)
            fmt = "a list like [5]"
            model = (f"`sess.run(c)` evaluates the graph: {op} of the 1-element constants gives "
                     f"**{vec(ans)}** (printed as a one-element array).")
        elif kind == "counter":
            start = p.integer("start", -100, 100, draw=(0, 3))
            updates = p.integer("updates", 1, 5, draw=(2, 4))
            inc = p.integer("increment", -10, 10, draw=(1, 3))
            if inc == 0:
                raise p._bad("increment", "must not be zero")
            w = arithmetic.tf1_counter(start, updates, inc)
            code = (f"import tensorflow as tf  # TensorFlow 1.x\n\nstate = tf.Variable({start})\n"
                    f"new_value = tf.add(state, {inc})\nupdate = tf.assign(state, new_value)\n\n"
                    "with tf.Session() as sess:\n    sess.run(tf.global_variables_initializer())\n"
                    f"    print(sess.run(state))\n    for _ in range({updates}):\n"
                    "        sess.run(update)\n        print(sess.run(state))")
            ans = w["printed"]
            mistakes = [
                Mistake("missed the first print", ans[1:],
                        "The value is printed once before the loop, so the initial value appears too."),
                Mistake("printed before each update", ans[:-1],
                        "Each iteration prints after running the update."),
                Mistake("assumed the variable never changes", [start] * len(ans),
                        "`sess.run(update)` assigns the new value to the variable each time."),
            ]
            fmt = "a list of the printed values like [0, 1, 2]"
            model = (f"The initial value {start} is printed, then each of the {updates} updates "
                     f"adds {inc}: **{vec(ans)}**.")
        elif kind == "placeholder":
            m = p.number("multiplier", -100, 100, decimals=0, draw=(2, 5))
            fed = p.number("fed", -1000, 1000, decimals=1, draw=(0.5, 9.5))
            w = arithmetic.tf1_placeholder(m, fed)
            code = (f"import tensorflow as tf  # TensorFlow 1.x\n\nx = tf.placeholder(tf.float32)\n"
                    f"y = x * {num(m)}\nwith tf.Session() as sess:\n"
                    f"    print(sess.run(y, feed_dict={{x: {num(fed)}}}))")
            ans = w["output"]
            mistakes = [
                Mistake("took the placeholder's value as the answer", fed,
                        "`y` is the placeholder times the multiplier."),
                Mistake("added instead of multiplying", fed + m, "The graph multiplies."),
            ]
            fmt = "a number"
            model = f"The fed value {num(fed)} flows into `x`, so `y` = {num(fed)} × {num(m)} = **{num(ans)}**."
        else:
            a = p.integer("a", -100, 100, draw=(3, 12))
            b = p.integer("b", -100, 100, draw=(1, 9))
            wa = arithmetic.tf1_constant_op(a, b, "add")
            ws = arithmetic.tf1_constant_op(a, b, "subtract")
            code = (f"import tensorflow as tf  # TensorFlow 1.x\n\na = tf.constant({a})\n"
                    f"b = tf.constant({b})\nc = a + b\nd = a - b\nwith tf.Session() as sess:\n"
                    "    print(sess.run(c))\n    print(sess.run(d))")
            ans = [wa["output"][0], ws["output"][0]]
            w = type(wa)({"output": ans}, wa.steps + ws.steps)
            mistakes = [
                Mistake("printed them in the wrong order", [ans[1], ans[0]], "c is printed first."),
                Mistake("computed b - a", [ans[0], b - a], "`d = a - b`."),
            ]
            fmt = "the two printed values as [c, d]"
            model = f"c = {a} + {b} = {num(ans[0])} and d = {a} − {b} = {num(ans[1])}: **{vec(ans)}**."
        ask = pick(words, ["What does this TensorFlow 1.x program print?",
                           "Trace this TensorFlow 1.x snippet: what is printed?",
                           "What output does this TF1 code produce?"])
        prompt = f"{ask}\n\n```python\n{code}\n```"
        return Instance(prompt, ans, *EXACT if kind != "placeholder" else DP4, fmt, model, w.steps,
                        [x for x in mistakes if x])


# ------------------------------------------------------------------ C36 transfer-learning head

BACKBONES = {
    # name: (feature dim, total parameters with the 1000-way ImageNet head)
    "VGG-16": (4096, 138_357_544),
    "ResNet-50": (2048, 25_557_032),
    "ResNet-18": (512, 11_689_512),
    "DenseNet-121": (1024, 7_978_856),
}


class TransferHead(Family):
    name = "transfer_head"
    title = "Transfer learning: size of the new head"
    description = "Parameters of a replaced classification head and its share of the network."
    params_doc = {
        "backbone": f"one of {list(BACKBONES)}",
        "num_classes": "classes of the new task (2-1000)",
        "ask": "'head' (parameters of the new head) or 'fraction' (trainable share, frozen backbone)",
    }

    def build(self, p: Params, words) -> Instance:
        bb = p.choice("backbone", list(BACKBONES))
        k = p.integer("num_classes", 2, 1000, draw=(2, 20))
        ask = p.choice("ask", ["head", "fraction"], weights=[0.6, 0.4])
        d, total = BACKBONES[bb]
        old = d * 1000 + 1000
        backbone = total - old
        w = arithmetic.transfer_head(d, k, 1000, backbone)
        head = w["head_params"]
        task = pick(words, [f"a {k}-class medical-imaging task", f"a {k}-class product classifier",
                            f"{k} classes of plant disease", f"a {k}-way classification of defects"])
        base = (f"You fine-tune an ImageNet-trained {bb} for {task}. Its final layer maps the "
                f"{d}-dimensional feature vector to 1000 ImageNet classes with a dense layer (weights and "
                f"biases). You replace that layer by a new dense layer with {k} outputs.")
        if ask == "head":
            prompt = base + " How many trainable parameters does the new layer have?"
            ans, tol, fmt = head, EXACT, "an integer"
            mistakes = [
                Mistake("forgot the biases", d * k, f"Each of the {k} outputs also has a bias: + {k}."),
                Mistake("counted the old 1000-way head", old,
                        "The question is about the new head with the new number of classes."),
                Mistake("counted one bias too many per input", (d + 1) * (k + 1) - 1,
                        "A dense layer has d·K weights and K biases."),
            ]
            model = f"{d} × {k} weights + {k} biases = **{intc(head)}** parameters."
        else:
            prompt = (base + f" The rest of the network ({intc(backbone)} parameters, everything "
                      "except the old head) is frozen. What fraction of the model's parameters is "
                      "trainable? Give it to 4 significant figures.")
            ans, tol, fmt = w["trainable_fraction"], SIG4, "a number like 6.103e-05"
            mistakes = [
                Mistake("divided by the frozen part only", head / backbone,
                        "The whole model is backbone plus new head."),
                Mistake("forgot the biases", d * k / (backbone + d * k),
                        "The head's biases are trainable too."),
                Mistake("divided by the original model size", head / total,
                        "The old 1000-way head is gone; the model is backbone + new head."),
            ]
            model = (f"New head: {d}·{k} + {k} = {intc(head)}. Total: {intc(backbone)} + "
                     f"{intc(head)} = {intc(w['total_params'])}. Trainable share "
                     f"{intc(head)} / {intc(w['total_params'])} ≈ **{sig(ans)}**.")
        return Instance(prompt, ans, *tol, fmt, model, w.steps, mistakes)


# ------------------------------------------------------------------ C33 update/weight ratio


class UpdateRatio(Family):
    name = "update_ratio"
    title = "Update-to-weight ratio"
    description = "The ratio ||lr·g|| / ||W|| used to judge the learning rate (about 1e-3 is healthy)."
    params_doc = {
        "variant": "'norms' (given norms) or 'matrix' (given 2x2 W and gradient)",
        "weight_norm": "||W|| (norms variant)", "grad_norm": "||g|| (norms variant)",
        "lr": "learning rate", "W": "2x2 weights (matrix variant)", "G": "2x2 gradient (matrix variant)",
    }

    def build(self, p: Params, words) -> Instance:
        variant = p.choice("variant", ["norms", "matrix"], weights=[0.6, 0.4],
                           implied={"norms": ["weight_norm", "grad_norm"], "matrix": ["W", "G"]})
        lr = p.choice("lr", [1e-4, 1e-3, 1e-2, 0.05, 0.1, 0.5, 1.0]) if not p.has("lr") else \
            p.number("lr", 1e-8, 10)
        if variant == "norms":
            wn = p.number("weight_norm", 1e-6, 1e6, decimals=1, draw=(1, 40))
            gn = p.number("grad_norm", 1e-9, 1e6, decimals=2, draw=(0.01, 5))
            W, G = [[wn]], [[gn]]
            given = (f"the weight matrix has Frobenius norm $\\lVert W \\rVert = {num(wn)}$, its "
                     f"gradient has norm $\\lVert g \\rVert = {num(gn)}$")
        else:
            W = p.matrix("W", (2, 2), -100, 100, decimals=1, draw=(-2, 2))
            G = p.matrix("G", (2, 2), -100, 100, decimals=1, draw=(-1, 1))
            if not np.any(W):
                raise p._bad("W", "must not be all zero")
            given = (f"$W = {_tm(W)}$, its gradient is $g = {_tm(G)}$")
        w = arithmetic.update_ratio(W, G, lr)
        ans = w["ratio"]
        if ans == 0:
            raise p._bad("G" if variant == "matrix" else "grad_norm", "must not be zero")
        prompt = (f"During training, {given} and the learning rate is $\\eta = {num(lr, 6)}$. "
                  "Compute the update-to-weight ratio $\\lVert \\eta g \\rVert / \\lVert W \\rVert$ "
                  "(Frobenius norms) to 3 significant figures.")
        mistakes = [
            Mistake("forgot the learning rate", ans / lr,
                    "The update is η·g, not g: multiply the gradient norm by η."),
            Mistake("inverted the ratio", 1 / ans, "Divide the update norm by the weight norm."),
        ]
        if variant == "matrix":
            Wa, Ga = np.asarray(W, float), np.asarray(G, float)
            mistakes.append(Mistake("used squared norms", lr**2 * (Ga**2).sum() / (Wa**2).sum(),
                                    "The Frobenius norm is the square root of the sum of squares."))
            mistakes.append(Mistake("averaged element-wise ratios",
                                    float(np.mean(np.abs(lr * Ga) / np.where(Wa == 0, np.nan, np.abs(Wa))))
                                    if np.all(Wa != 0) else float("nan"),
                                    "Take the ratio of the norms, not the mean of per-element ratios."))
        model = (f"$\\lVert W \\rVert = {num(w.result['weight_norm'])}$ and "
                 f"$\\lVert \\eta g \\rVert = {num(w.result['update_norm'], 6)}$, so the ratio is "
                 f"**{sig(ans, 3)}**: the learning rate looks {w['verdict']} "
                 "(a ratio around $10^{-3}$ is the usual rule of thumb).")
        return Instance(prompt, ans, 1e-12, 5e-3, "a number like 0.00123", model, w.steps, mistakes)


def _tm(rows) -> str:
    from .base import tex_matrix
    return tex_matrix(rows)


# ------------------------------------------------------------------ C38 bootstrap coverage


class BootstrapCoverage(Family):
    name = "bootstrap_coverage"
    title = "Bootstrap sample coverage"
    description = "Chance that an example appears in a bootstrap sample: 1 - (1 - 1/n)^n."
    params_doc = {"n": "dataset size (2-1000000)",
                  "ask": "'probability' or 'distinct' (expected number of distinct examples)"}

    def build(self, p: Params, words) -> Instance:
        n = p.integer("n", 2, 1_000_000, draw=(2, 40))
        ask = p.choice("ask", ["probability", "distinct"], weights=[0.7, 0.3])
        w = arithmetic.bootstrap_coverage(n)
        prob = w["probability"]
        setting = pick(words, ["Bagging draws each model's training set", "A random forest draws each tree's sample",
                               "You build a bootstrap sample"])
        intro = (f"{setting} by sampling $n = {n}$ examples **with replacement** from a dataset of "
                 f"{n} examples.")
        miss = w["missing"]
        if ask == "probability":
            ans, tol = prob, DP4
            prompt = intro + (" What is the probability that one particular example appears in the "
                              "sample at least once? Give it to 4 decimal places.")
            mistakes = [
                Mistake("gave the probability of missing it", miss,
                        "$(1 - 1/n)^n$ is the chance it is never drawn; subtract it from 1."),
                Mistake("used the large-n limit", 1 - math.exp(-1),
                        "$1 - 1/e ≈ 0.6321$ is only the limit as $n \\to \\infty$."),
                Mistake("assumed one draw", 1 / n, "There are n draws, not one."),
            ]
            model = (f"Each draw misses the example with probability $1 - 1/{n}$; all {n} draws miss it "
                     f"with probability $(1 - 1/{n})^{{{n}}} = {num(miss)}$. So it appears with probability "
                     f"**{num(prob)}** (the limit for large n is $1 - 1/e ≈ 0.6321$).")
            fmt = "a probability like 0.6513"
        else:
            ans, tol = n * prob, (1e-9, 1e-3)
            prompt = intro + (" What is the expected number of **distinct** examples in the sample? "
                              "Give it to 4 significant figures.")
            mistakes = [
                Mistake("counted every draw as distinct", n, "Sampling with replacement repeats examples."),
                Mistake("gave the expected number missing", n * miss,
                        "$n(1 - 1/n)^n$ is the expected number of examples left out (out-of-bag)."),
                Mistake("used the large-n limit", n * (1 - math.exp(-1)),
                        "$1 - 1/e$ is only the limit for large n."),
            ]
            model = (f"By linearity of expectation, the expected number of distinct examples is "
                     f"$n(1 - (1 - 1/n)^n) = {n} × {num(prob)} = $ **{sig(ans)}**.")
            fmt = "a number"
        return Instance(prompt, ans, *tol, fmt, model, w.steps, mistakes)


# ------------------------------------------------------------------ C39 chain rule


class ChainRule(Family):
    name = "chain_rule"
    title = "Chain rule on a computational graph"
    description = "Forward value and the three partial derivatives of a small graph f(x, y, z)."
    params_doc = {"graph": f"one of {list(arithmetic.CHAIN_GRAPHS)}", "x": "integer", "y": "integer",
                  "z": "integer"}

    def build(self, p: Params, words) -> Instance:
        graph = p.choice("graph", list(arithmetic.CHAIN_GRAPHS))
        vals = []
        for key in ("x", "y", "z"):
            v = p.integer(key, -100, 100, draw=(-5, 5))
            while not p.has(key) and v == 0:
                v = p.integer(key, -100, 100, draw=(-5, 5))
            vals.append(v)
        x, y, z = vals
        w = arithmetic.chain_rule(x, y, z, graph)
        f, (gx, gy, gz) = w["f"], w["grads"]
        expr = w["expression"]
        ans = [f, gx, gy, gz]
        prompt = (f"Consider the computational graph $f(x, y, z) = {expr}$ with $x = {x}$, $y = {y}$, "
                  f"$z = {z}$. Do a forward pass and then backpropagate. Give "
                  "$[f,\\ \\partial f/\\partial x,\\ \\partial f/\\partial y,\\ \\partial f/\\partial z]$.")
        q = {"add_mul": x + y, "sub_mul": x - y, "mul_add": x * y, "mul3": x * y, "add_sq": x + y}[graph]
        local = {"add_mul": [f, 1, 1, q], "sub_mul": [f, 1, -1, q], "mul_add": [f, y, x, 1],
                 "mul3": [f, y, x, q], "add_sq": [f, 2 * q, 2 * q, q * q]}[graph]
        mistakes = [
            Mistake("stopped at the local gradient", local,
                    "Multiply each local gradient by the upstream gradient ∂f/∂q (chain rule)."),
            Mistake("flipped a sign", [f, gx, -gy, gz] if graph == "sub_mul" else [f, -gx, -gy, -gz],
                    "Track signs: ∂(x − y)/∂y = −1." if graph == "sub_mul" else
                    "Check the signs of the inputs when multiplying local gradients."),
            Mistake("mixed up which input gets which gradient", [f, gy, gx, gz] if gx != gy
                    else [f, gz, gy, gx],
                    "In a product node, each input's gradient is the *other* factor."),
        ]
        model = (f"Forward: $q = {num(q)}$, $f = {num(f)}$. Backward: "
                 f"$\\partial f/\\partial x = {num(gx)}$, $\\partial f/\\partial y = {num(gy)}$, "
                 f"$\\partial f/\\partial z = {num(gz)}$. Answer **{vec(ans)}**.")
        return Instance(prompt, ans, *EXACT, "a list [f, df/dx, df/dy, df/dz]", model, w.steps, mistakes)


# ------------------------------------------------------------------ C27 one-hot


class OneHot(Family):
    name = "one_hot"
    title = "One-hot encoding and argmax decoding"
    description = "Encode a class index as a one-hot vector, or decode a probability vector to a class."
    params_doc = {"mode": "'encode' or 'decode'", "label": "0-based class index (encode)",
                  "num_classes": "number of classes K (encode)", "probs": "probability vector (decode)",
                  "names": "optional list of class names (encode)"}

    def build(self, p: Params, words) -> Instance:
        mode = p.choice("mode", ["encode", "decode"],
                        implied={"encode": ["label", "num_classes", "names"], "decode": ["probs"]})
        if mode == "encode":
            lab = p.fixed.get("label")
            lo = lab + 1 if isinstance(lab, int) and not isinstance(lab, bool) and 0 <= lab < 20 else 3
            k = p.integer("num_classes", 2, 20, draw=(max(3, lo), max(7, lo)))
            label = p.integer("label", 0, k - 1)
            if p.has("names"):
                names = p.fixed["names"]
                if not isinstance(names, list) or len(names) != k or not all(isinstance(s, str) for s in names):
                    raise p._bad("names", f"must be a list of {k} strings")
                p.set("names", names)
            else:
                pool = pick(words, ["animals", "weather", "fruit"])
                base = {"animals": ["cat", "dog", "horse", "bird", "fish", "frog", "deer"],
                        "weather": ["sunny", "cloudy", "rain", "snow", "fog", "storm", "wind"],
                        "fruit": ["apple", "banana", "cherry", "grape", "kiwi", "lemon", "mango"]}[pool]
                names = base[:k] if k <= len(base) else [f"class {i}" for i in range(k)]
            w = arithmetic.one_hot(label, k)
            ans = w["one_hot"]
            listing = ", ".join(f"{i}: `{s}`" for i, s in enumerate(names))
            prompt = (f"A classifier has {k} classes indexed from 0 ({listing}). Write the one-hot "
                      f"target vector for an example of class `{names[label]}`.")
            shifted_r = [1 if i == label + 1 else 0 for i in range(k)] if label + 1 < k else None
            shifted_l = [1 if i == label - 1 else 0 for i in range(k)] if label >= 1 else None
            mistakes = [
                Mistake("counted classes from 1", shifted_l or shifted_r,
                        "Indices start at 0, so class index i puts the 1 at position i."),
                Mistake("wrote the label as a number", [label], "A one-hot target is a vector of length K."),
                Mistake("inverted the encoding", [0 if i == label else 1 for i in range(k)],
                        "The true class gets 1, all others 0."),
            ]
            model = f"A 1 at index {label}, zeros elsewhere: **{vec(ans)}**."
            fmt = "a vector like [0, 1, 0]"
        else:
            if p.has("probs"):
                probs = p.vector("probs", (2, 10), 0, 1, decimals=3, ints=False)
                if abs(sum(probs) - 1) > 0.01:
                    raise p._bad("probs", "must sum to 1")
            else:
                k = int(p.rng.integers(3, 7))
                raw = p.rng.dirichlet(np.ones(k))
                probs = [round(float(v), 3) for v in raw]
                probs[-1] = round(1 - sum(probs[:-1]), 3)
                if probs[-1] < 0:
                    probs = [round(float(v), 3) for v in np.full(k, 1 / k)]
                    probs[int(p.rng.integers(k))] += 0.05
                    probs = [round(v / sum(probs), 3) for v in probs]
                p.set("probs", probs)
            w = arithmetic.argmax_class(probs)
            ans = w["class"]
            prompt = (f"A softmax output layer gives the probabilities ${tex_vec(probs, 3)}$ for classes "
                      "0, 1, … (0-based). Which class index does the model predict?")
            mistakes = [
                Mistake("counted classes from 1", ans + 1, "Class indices start at 0."),
                Mistake("took the smallest probability", int(np.argmin(probs)),
                        "The prediction is the argmax, the most probable class."),
            ]
            model = f"The largest probability is {num(probs[ans], 3)} at index **{ans}** (argmax)."
            fmt = "an integer class index"
        return Instance(prompt, ans, *EXACT, fmt, model, w.steps, [m for m in mistakes if m.value is not None])


# ------------------------------------------------------------------ C26 feature normalisation

METHOD_TEXT = {
    "zscore": "z-score standardisation (subtract the mean, divide by the population standard deviation)",
    "minmax": "min-max scaling to $[0, 1]$",
    "minmax_sym": "min-max scaling to $[-1, 1]$",
}


class FeatureNormalization(Family):
    name = "feature_normalization"
    title = "Normalising a feature with training statistics"
    description = "z-score or min-max normalisation of a test value with statistics of the training column."
    params_doc = {"method": "'zscore', 'minmax' or 'minmax_sym'", "train": "training column (4-8 values)",
                  "test": "one test value", "ask": "'test' (normalised test value) or 'train' (normalised column)"}

    def build(self, p: Params, words) -> Instance:
        method = p.choice("method", list(METHOD_TEXT))
        while True:
            train = p.vector("train", (4, 6), -1e6, 1e6, draw=(0, 20))
            if len(set(train)) > 1 or p.has("train"):
                break
        if len(set(train)) == 1:
            raise p._bad("train", "must not be constant")
        test = p.number("test", -1e6, 1e6, decimals=0, draw=(min(train) - 5, max(train) + 5))
        ask = p.choice("ask", ["test", "train"], weights=[0.7, 0.3])
        w = arithmetic.feature_normalization(train, [test], method)
        x = np.asarray(train, float)
        if min(train) < 0 or test < 0:
            feature = pick(words, ["temperature in °C", "a sensor reading", "profit in k€"])
        else:
            feature = pick(words, ["age in years", "house size in tens of m²", "number of visits",
                                   "temperature in °C"])
        prompt = (f"A feature ({feature}) has training values ${tex_vec(train)}$. You normalise it with "
                  f"{METHOD_TEXT[method]}, using statistics of the training data only. ")
        # Mistake variants computed independently of the engine
        allx = np.append(x, test)
        if method == "zscore":
            def f(v, data=x, ddof=0):
                return (np.asarray(v, float) - data.mean()) / data.std(ddof=ddof)
            alts = [("used the sample standard deviation", lambda v: f(v, ddof=1),
                     "The convention here is the population σ (divide by n), not n − 1."),
                    ("included the test value in the statistics", lambda v: f(v, data=allx),
                     "Statistics come from the training data only; using test data leaks information."),
                    ("divided by the variance", lambda v: (np.asarray(v, float) - x.mean()) / x.var(),
                     "Divide by the standard deviation, the square root of the variance.")]
        else:
            lo, hi = x.min(), x.max()
            sym = method == "minmax_sym"

            def g(v, lo=lo, hi=hi):
                u = (np.asarray(v, float) - lo) / (hi - lo)
                return 2 * u - 1 if sym else u
            alts = [("included the test value in the range", lambda v: g(v, allx.min(), allx.max()),
                     "The minimum and maximum come from the training data only."),
                    ("forgot to subtract the minimum", lambda v: (np.asarray(v, float)) / (hi - lo) * (2 if sym else 1) - (1 if sym else 0),
                     "Shift by the training minimum before dividing by the range."),
                    ("divided by the maximum instead of the range",
                     lambda v: (np.asarray(v, float) - lo) / hi * (2 if sym else 1) - (1 if sym else 0)
                     if hi != 0 else np.full(np.shape(v), np.nan),
                     "Divide by $x_{max} - x_{min}$.")]
            if sym:
                alts.append(("scaled to [0, 1] instead", lambda v: g(v) / 2 + 0.5,
                             "For $[-1, 1]$, map $u \\in [0, 1]$ to $2u - 1$."))
        if ask == "test":
            ans = w["test"][0]
            prompt += f"What is the normalised value of a test example with value {num(test)}? Give it to 3 decimal places."
            mistakes = [Mistake(n, float(fn([test])[0]), e) for n, fn, e in alts]
            fmt = "a number"
            shown = num(ans, 3)
        else:
            ans = w["train"]
            prompt += "Give the normalised training column to 3 decimal places."
            mistakes = [Mistake(n, fn(x).tolist(), e) for n, fn, e in alts if "test" not in n]
            fmt = "a vector like [-1.2, 0.3, 0.9]"
            shown = vec(ans, 3)
        stats = (f"$\\mu = {num(w['mean'])}$, $\\sigma = {num(w['std'])}$" if method == "zscore"
                 else f"$x_{{min}} = {num(w['min'])}$, $x_{{max}} = {num(w['max'])}$")
        model = f"From the training values: {stats}. Applying the same transform gives **{shown}**."
        return Instance(prompt, ans, *DP3, fmt, model, w.steps, mistakes)


# ------------------------------------------------------------------ C29 init scale

SCHEME_TEXT = {
    "xavier_uniform": ("Xavier/Glorot uniform", "the limit $a$ of $U(-a, a)$"),
    "xavier_normal": ("Xavier/Glorot normal", "the standard deviation"),
    "he_normal": ("He/Kaiming normal (for ReLU)", "the standard deviation"),
    "he_uniform": ("He/Kaiming uniform (for ReLU)", "the limit $a$ of $U(-a, a)$"),
}


class InitScale(Family):
    name = "init_scale"
    title = "Weight-initialisation scale"
    description = "Xavier/Glorot and He/Kaiming standard deviations and uniform limits from fan-in/fan-out."
    params_doc = {"fan_in": "inputs to the layer", "fan_out": "outputs of the layer",
                  "scheme": f"one of {list(SCHEME_TEXT)}"}

    def build(self, p: Params, words) -> Instance:
        sizes = [64, 100, 128, 200, 256, 300, 512, 784, 1024]
        fi = p.choice("fan_in", sizes) if not p.has("fan_in") else p.integer("fan_in", 1, 10**6)
        fo = p.choice("fan_out", sizes) if not p.has("fan_out") else p.integer("fan_out", 1, 10**6)
        scheme = p.choice("scheme", list(SCHEME_TEXT))
        w = arithmetic.init_scale(fi, fo, scheme)
        ans = w["value"]
        label, what = SCHEME_TEXT[scheme]
        layer = pick(words, [f"A dense layer maps {fi} inputs to {fo} outputs.",
                             f"A fully connected layer has fan-in {fi} and fan-out {fo}.",
                             f"You initialise a {fi} → {fo} linear layer."])
        prompt = (f"{layer} With {label} initialisation, what is {what} of the weight distribution? "
                  "Give it to 4 significant figures.")
        others = {
            "xavier_uniform": math.sqrt(6 / (fi + fo)), "xavier_normal": math.sqrt(2 / (fi + fo)),
            "he_normal": math.sqrt(2 / fi), "he_uniform": math.sqrt(6 / fi),
        }
        mistakes = [Mistake(f"used the {SCHEME_TEXT[s][0]} formula", v,
                            f"{label} uses a different formula from {SCHEME_TEXT[s][0]}.")
                    for s, v in others.items() if s != scheme]
        mistakes.append(Mistake("gave the variance instead", ans**2,
                                "The formula gives a standard deviation / limit: take the square root."))
        if scheme.startswith("he"):
            mistakes.append(Mistake("used fan-out instead of fan-in", math.sqrt((2 if "normal" in scheme else 6) / fo),
                                    "He initialisation scales by the fan-in."))
        numbers = {"xavier_uniform": f"\\sqrt{{6/({fi} + {fo})}}", "xavier_normal": f"\\sqrt{{2/({fi} + {fo})}}",
                   "he_normal": f"\\sqrt{{2/{fi}}}", "he_uniform": f"\\sqrt{{6/{fi}}}"}[scheme]
        model = (f"{label}: ${w.steps[0]['formula']} = {numbers} = $ **{sig(ans)}**"
                 + (" (weights drawn from $U(-a, a)$)." if "uniform" in scheme else " (normal, mean 0)."))
        return Instance(prompt, ans, *SIG4, "a number like 0.0884", model, w.steps, mistakes)


# ------------------------------------------------------------------ C30 gradient factor


class GradientFactor(Family):
    name = "gradient_factor"
    title = "Vanishing and exploding gradients through depth"
    description = "Upper bound (max slope · w)^L on the gradient scale after L layers."
    params_doc = {"depth": "number of layers L (1-60)", "activation": "'sigmoid' or 'tanh'",
                  "weight_scale": "weight magnitude w (0.1-10)"}

    def build(self, p: Params, words) -> Instance:
        act = p.choice("activation", ["sigmoid", "tanh"], weights=[0.7, 0.3])
        depth = p.integer("depth", 1, 60, draw=(2, 20))
        if p.has("weight_scale"):
            ws = p.number("weight_scale", 0.1, 10)
        else:
            ws = p.choice("weight_scale", [0.5, 1.0, 2.0, 4.0, 5.0] if act == "sigmoid" else [0.5, 0.8, 1.2, 1.5])
        w = arithmetic.gradient_factor(depth, act, ws)
        ans = w["factor"]
        slope = arithmetic.ACTIVATION_MAX_SLOPE[act]
        prompt = (f"A deep network has {depth} layers with {act} activations, and every weight on the "
                  f"backward path has magnitude $w = {num(ws)}$. Using the maximum slope of {act} "
                  f"(${'0.25' if act == 'sigmoid' else '1'}$), what is the upper bound "
                  f"$(\\max|f'| \\cdot w)^L$ on the factor by which the gradient is scaled through the "
                  f"{depth} layers? Give it to 4 significant figures (scientific notation is fine).")
        mistakes = [
            Mistake("forgot the weights", slope**depth, "Each layer multiplies by the weight as well as f'."),
            Mistake("multiplied instead of raising to a power", slope * ws * depth,
                    "The factors compound: L layers give the L-th power."),
            Mistake("one layer too few", (slope * ws) ** (depth - 1), f"There are {depth} factors."),
            Mistake("used the sigmoid's value at 0 (0.5) as its slope", (0.5 * ws) ** depth,
                    "σ(0) = 0.5, but the slope there, σ'(0) = 0.25, is the sigmoid's largest derivative.") if act == "sigmoid" else None,
        ]
        model = (f"Per layer at most ${num(slope)} \\times {num(ws)} = {num(slope * ws)}$; over {depth} layers "
                 f"$({num(slope * ws)})^{{{depth}}} = $ **{sig(ans)}**, so the gradient {w['verdict']}.")
        return Instance(prompt, ans, 1e-300, 1e-3, "a number like 9.537e-07", model, w.steps,
                        [m for m in mistakes if m])
