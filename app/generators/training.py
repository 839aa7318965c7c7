"""Training mechanics: losses, batch norm, dropout, iterations per epoch, weight decay."""

from __future__ import annotations

import math

import numpy as np

from engine import arithmetic, losses, regularization, schedules

from .base import (
    DP3,
    DP4,
    EXACT,
    Family,
    Instance,
    Mistake,
    Params,
    intc,
    mat,
    num,
    pick,
    tex_matrix,
    tex_vec,
    vec,
)

# ------------------------------------------------------------------ C22 loss values


class LossValue(Family):
    name = "loss_value"
    title = "Computing a loss"
    description = "MSE, binary cross-entropy (mean) or categorical cross-entropy (from probabilities or logits)."
    params_doc = {
        "loss": "'mse', 'bce', 'cce' or 'cce_logits'",
        "y_true": "targets (mse: numbers; bce: 0/1 labels)", "y_pred": "predictions (mse) or probabilities (bce/cce)",
        "label": "true class index (cce, cce_logits)", "logits": "logits (cce_logits)",
    }

    def build(self, p: Params, words) -> Instance:
        kind = p.choice("loss", ["mse", "bce", "cce", "cce_logits"],
                        implied={"cce_logits": ["logits", "label"], "cce": ["label", "y_pred"],
                                 "mse": ["y_true", "y_pred"], "bce": ["y_true", "y_pred"]})
        if kind == "mse":
            y = p.vector("y_true", (3, 5), -1000, 1000, decimals=1, draw=(-3, 8), ints=False)
            yh = p.vector("y_pred", len(y), -1000, 1000, decimals=1, draw=(-3, 8), ints=False)
            w = losses.mse(y, yh)
            ya, pa = np.asarray(y, float), np.asarray(yh, float)
            d = pa - ya
            prompt = (f"A regression model predicts $\\hat y = {tex_vec(yh)}$ for targets $y = {tex_vec(y)}$. "
                      "Compute the mean squared error $\\frac{1}{n}\\sum_i (\\hat y_i - y_i)^2$ to 4 decimal places.")
            mistakes = [
                Mistake("summed instead of averaging", float((d**2).sum()), f"Divide by n = {len(y)}."),
                Mistake("used absolute errors (MAE)", float(np.abs(d).mean()), "MSE squares the errors."),
                Mistake("took the square root (RMSE)", float(np.sqrt((d**2).mean())), "MSE is not square-rooted."),
                Mistake("halved it", float((d**2).mean() / 2), "The ½ factor belongs to ½·SSE, not to MSE."),
            ]
            intro = "Errors " + vec(d) + ", squared and averaged"
        elif kind == "bce":
            y = p.vector("y_true", (3, 5), 0, 1)
            if not all(v in (0, 1) for v in y):
                raise p._bad("y_true", "must contain only 0 and 1")
            pr = p.vector("y_pred", len(y), 0, 1, decimals=2, draw=(0.05, 0.95), ints=False)
            w = losses.binary_cross_entropy(y, pr)
            ya, pa = np.asarray(y, float), np.clip(np.asarray(pr, float), 1e-12, 1 - 1e-12)
            per = -(ya * np.log(pa) + (1 - ya) * np.log(1 - pa))
            prompt = (f"A binary classifier outputs probabilities $p = {tex_vec(pr)}$ for labels "
                      f"$y = {tex_vec(y)}$. Compute the mean binary cross-entropy "
                      "$-\\frac{1}{n}\\sum_i [y_i \\ln p_i + (1 - y_i)\\ln(1 - p_i)]$ to 4 decimal places.")
            mistakes = [
                Mistake("used log base 10", float((per / np.log(10)).mean()), "Cross-entropy uses the natural log."),
                Mistake("summed instead of averaging", float(per.sum()), f"Divide by n = {len(y)}."),
                Mistake("dropped the (1 − y) term", float((-(ya * np.log(pa))).mean()),
                        "Negative examples contribute −ln(1 − p)."),
                Mistake("used −ln p for every example", float((-np.log(pa)).mean()),
                        "For y = 0 the loss is −ln(1 − p), the log-probability of the true label."),
            ]
            intro = "Per-example losses " + vec(per)
        elif kind == "cce":
            probs = self._probs(p)
            label = p.integer("label", 0, len(probs) - 1)
            w = losses.categorical_cross_entropy(label, probs)
            pt = max(probs[label], 1e-12)
            prompt = (f"A softmax classifier outputs $p = {tex_vec(probs, 3)}$ over classes 0–{len(probs) - 1}; the "
                      f"true class is {label}. Compute the categorical cross-entropy loss (natural log) to 4 "
                      "decimal places.")
            mistakes = [
                Mistake("used log base 10", -math.log10(pt), "Cross-entropy uses the natural log."),
                Mistake("used the predicted class", -math.log(max(probs)), "Use the probability of the *true* class."),
                Mistake("summed −ln p over all classes", float(-np.log(np.clip(probs, 1e-12, 1)).sum()),
                        "With a one-hot target only the true class's term survives."),
                Mistake("gave 1 − p", 1 - pt, "The loss is −ln p of the true class."),
            ]
            intro = f"$-\\ln p_{{{label}}} = -\\ln {num(pt, 3)}$"
        else:
            z = p.vector("logits", (3, 5), -50, 50, draw=(-2, 4), ints=False)
            label = p.integer("label", 0, len(z) - 1)
            w = losses.categorical_cross_entropy_with_logits(label, z)
            za = np.asarray(z, float)
            sm = np.exp(za - za.max())
            sm /= sm.sum()
            prompt = (f"A network outputs logits $z = {tex_vec(z)}$ over classes 0–{len(z) - 1} (no softmax yet); the "
                      f"true class is {label}. Compute the cross-entropy loss (softmax, then natural log) to 4 "
                      "decimal places.")
            mistakes = [
                Mistake("skipped the softmax", float(-za[label]), "Turn logits into probabilities first."),
                Mistake("used log base 10", float(-np.log10(sm[label])), "Cross-entropy uses the natural log."),
                Mistake("normalised without exponentiating",
                        float(-np.log(za[label] / za.sum())) if za.sum() > 0 and za[label] > 0 else None,
                        "Softmax exponentiates before normalising."),
                Mistake("used the predicted class", float(-np.log(sm.max())), "Use the true class."),
            ]
            intro = (f"softmax gives $p_{{{label}}} = {num(sm[label])}$, so $-\\ln p_{{{label}}}$")
        ans = w["loss"]
        model = f"{intro}: **{num(ans)}**."
        return Instance(prompt, ans, *DP4, "a number", model, w.steps,
                        [m for m in mistakes if m.value is not None])

    @staticmethod
    def _probs(p: Params) -> list[float]:
        if p.has("y_pred"):
            probs = p.vector("y_pred", (2, 10), 0, 1, decimals=3, ints=False)
            if abs(sum(probs) - 1) > 0.01:
                raise p._bad("y_pred", "must sum to 1")
            return probs
        k = int(p.rng.integers(3, 6))
        while True:
            raw = p.rng.dirichlet(np.ones(k) * 1.5)
            probs = [round(float(v), 2) for v in raw[:-1]]
            last = round(1 - sum(probs), 2)
            if last >= 0.01 and min(probs) >= 0.01:
                probs.append(last)
                break
        return p.set("y_pred", probs)


# ------------------------------------------------------------------ C23 batch norm


class BatchNormForward(Family):
    name = "batchnorm_forward"
    title = "Batch-norm forward pass"
    description = "Batch mean, biased variance, normalised values and y = γ·x̂ + β for a small batch."
    params_doc = {"x": "batch (m rows of d features, m 3-6, d 1-2)", "gamma": "scale per feature",
                  "beta": "shift per feature", "ask": "'output' (y) or 'stats' ([mean, variance] of one feature)"}

    def build(self, p: Params, words) -> Instance:
        m = int(p.rng.integers(3, 6))
        d = p.length_of("gamma", "beta", default=int(p.rng.integers(1, 3)))
        x = p.matrix("x", None, -1000, 1000, draw=(0, 9), draw_shape=(m, d), max_shape=(8, 3))
        m, d = len(x), len(x[0])
        if m < 2:
            raise p._bad("x", "needs at least 2 rows")
        xa = np.asarray(x, float)
        if np.any(xa.std(axis=0) == 0) and not p.has("x"):
            xa[0, :] += 1
            x = p.set("x", xa.astype(int).tolist())
        gamma = p.vector("gamma", d, -10, 10, decimals=1, draw=(0.5, 2), ints=False)
        beta = p.vector("beta", d, -10, 10, decimals=1, draw=(-1, 1), ints=False)
        ask = p.choice("ask", ["output", "stats"], weights=[0.7, 0.3])
        w = regularization.batchnorm(x if d > 1 else [r[0] for r in x], gamma, beta)
        eps = 1e-5
        mu = xa.mean(axis=0)
        var = xa.var(axis=0)
        g, b = np.asarray(gamma), np.asarray(beta)
        xs = tex_matrix(x) if d > 1 else tex_vec([r[0] for r in x])
        feat = "feature" if d == 1 else f"each of the {d} features (columns)"
        prompt = ("A batch-norm layer in training mode receives the mini-batch "
                  + (f"$X = {xs}$ ({m} examples × {d} features)" if d > 1 else f"$x = {xs}$ ({m} examples, one feature)")
                  + f" with $\\gamma = {tex_vec(gamma)}$, $\\beta = {tex_vec(beta)}$ and $\\epsilon = 10^{{-5}}$. ")
        if ask == "output":
            y = w["y"]
            ans = y
            prompt += (f"Normalise {feat} with the batch mean and the biased variance (divide by m), then "
                       "scale and shift. Give the outputs $y$ to 3 decimal places"
                       + (" as a matrix (one row per example)." if d > 1 else "."))

            def out(arr):
                return arr if d > 1 else arr[:, 0]
            unb = xa.var(axis=0, ddof=1)
            mistakes = [
                Mistake("used the unbiased variance", out(g * (xa - mu) / np.sqrt(unb + eps) + b).tolist(),
                        "Batch norm's training statistics use the biased variance (divide by m)."),
                Mistake("forgot γ and β", out((xa - mu) / np.sqrt(var + eps)).tolist(),
                        "After normalising, scale by γ and shift by β."),
                Mistake("divided by the variance", out(g * (xa - mu) / (var + eps) + b).tolist(),
                        "Divide by the standard deviation $\\sqrt{\\sigma^2 + \\epsilon}$."),
                Mistake("normalised each example across features",
                        (g * (xa - xa.mean(axis=1, keepdims=True)) / np.sqrt(xa.var(axis=1, keepdims=True) + eps)
                         + b).tolist() if d > 1 else None,
                        "Batch norm normalises each feature over the batch (columns), not each row."),
            ]
            model = (f"$\\mu_B = {tex_vec(mu)}$, $\\sigma_B^2 = {tex_vec(var)}$ (biased); "
                     f"$\\hat x = (x - \\mu_B)/\\sqrt{{\\sigma_B^2 + \\epsilon}}$; $y = \\gamma \\hat x + \\beta$ = "
                     f"**{mat(y, 3) if d > 1 else vec(y, 3)}**. Each column of y has mean β and std ≈ γ.")
            fmt = "a matrix like [[-1.2, 0.5], [0.3, 0.1], [0.9, -0.6]]" if d > 1 else "a vector like [-1.225, 0, 1.225]"
        else:
            j = 0
            ans = [float(mu[j]), float(var[j])]
            prompt += ("What are the batch mean and the (biased) batch variance of the "
                       + ("first feature" if d > 1 else "feature") + " used for normalisation? Give `[mean, variance]` "
                       "to 3 decimal places.")
            mistakes = [
                Mistake("used the unbiased variance", [float(mu[j]), float(xa[:, j].var(ddof=1))],
                        "Training-mode batch norm divides by m."),
                Mistake("gave the standard deviation", [float(mu[j]), float(xa[:, j].std())],
                        "The variance is the square of the standard deviation."),
            ]
            model = f"Mean {num(mu[j])}, biased variance {num(var[j])}: **{vec(ans, 3)}**."
            fmt = "two numbers [mean, variance]"
        return Instance(prompt, ans, *DP3, fmt, model, w.steps, [x for x in mistakes if x.value is not None])


# ------------------------------------------------------------------ C24 dropout


class Dropout(Family):
    name = "dropout"
    title = "Inverted dropout"
    description = "Training output a·mask/(1 − p), the keep/drop convention and the expected number dropped."
    params_doc = {"a": "activations (4-8 values)", "p": "drop probability (0.1, 0.2, 0.25, 0.5)",
                  "mask": "0/1 keep mask", "convention": "'rate' (Keras Dropout(rate)) or 'keep_prob' (TF1)",
                  "ask": "'output' (training output), 'expected_dropped' or 'inference'",
                  "units": "layer size (expected_dropped)"}

    def build(self, p: Params, words) -> Instance:
        a = p.vector("a", p.length_of("mask", default=(4, 6)), -1000, 1000, draw=(1, 9), max_len=8)
        rate = p.choice("p", [0.1, 0.2, 0.25, 0.5]) if not p.has("p") else p.number("p", 0, 0.95)
        conv = p.choice("convention", ["rate", "keep_prob"], weights=[0.6, 0.4])
        ask = p.choice("ask", ["output", "expected_dropped", "inference"], weights=[0.7, 0.2, 0.1],
                       implied={"output": ["mask"], "expected_dropped": ["units"]})
        if p.has("mask"):
            mask = p.vector("mask", len(a), 0, 1)
        else:
            mask = [int(v) for v in (p.rng.random(len(a)) >= rate)]
            if all(mask) and rate > 0:
                mask[int(p.rng.integers(len(a)))] = 0
            p.set("mask", mask)
        w = regularization.dropout(a, rate, mask=mask)
        keep = 1 - rate
        layer = (f"`keras.layers.Dropout({num(rate)})`" if conv == "rate"
                 else f"`tf.nn.dropout(x, keep_prob={num(keep)})` (TensorFlow 1)")
        prompt = f"A layer's activations are $a = {tex_vec(a)}$ and the next layer is {layer}, which uses inverted dropout. "
        aa, ma = np.asarray(a, float), np.asarray(mask, float)
        if ask == "output":
            ans = w["output"]
            prompt += (f"During training the sampled mask is ${tex_vec(mask)}$ (1 = kept). What does the dropout "
                       "layer output? Give it to 3 decimal places.")
            mistakes = [
                Mistake("forgot to rescale", (aa * ma).tolist(),
                        "Inverted dropout divides the kept activations by the keep probability during training."),
                Mistake("took the keep probability for the drop rate", (aa * ma / rate).tolist(),
                        f"The drop probability is {num(rate)}; scale by 1/(1 − p) = 1/{num(keep)}."),
                Mistake("multiplied by the keep probability", (aa * ma * keep).tolist(),
                        "Multiplying by 1 − p is the old (non-inverted) rule at *test* time; inverted dropout "
                        "divides during training."),
            ]
            model = (f"Kept units are scaled by $1/(1 - p) = 1/{num(keep)} = {num(1 / keep)}$, dropped ones become 0: "
                     f"**{vec(ans, 3)}**.")
            fmt = "a vector like [1.25, 0, 3.75]"
            tol = DP3
        elif ask == "expected_dropped":
            n = p.choice("units", [100, 200, 500, 1000]) if not p.has("units") else p.integer("units", 1, 10**6)
            ans = rate * n
            prompt = (f"{layer} is applied to a layer of {n} units (inverted dropout). On average, how many of "
                      "those units are dropped in one training step?")
            mistakes = [Mistake("took the keep probability for the drop rate", keep * n,
                                f"{layer} drops a fraction {num(rate)}.")]
            model = f"Each unit is dropped with probability {num(rate)}: {num(rate)} × {n} = **{num(ans)}**."
            fmt = "a number"
            tol = EXACT
        else:
            ans = list(map(float, a))
            when = ("(Keras: `training=False`, as in `model.predict`)" if conv == "rate"
                    else "(in TensorFlow 1 you build the inference graph without the dropout op, or feed keep_prob = 1)")
            prompt += f"What does the dropout layer output at inference time {when}?"
            mistakes = [
                Mistake("scaled at inference", (aa / keep).tolist(),
                        "With inverted dropout the scaling happens during training; inference is the identity."),
                Mistake("multiplied by the keep probability", (aa * keep).tolist(),
                        "That is the non-inverted convention; inverted dropout leaves inference unchanged."),
            ]
            model = f"Inverted dropout is the identity at inference: **{vec(ans)}**."
            fmt = "a vector"
            tol = DP3
        return Instance(prompt, ans, *tol, fmt, model, w.steps, mistakes)


# ------------------------------------------------------------------ C25 iterations per epoch


class IterationsPerEpoch(Family):
    name = "iterations_per_epoch"
    title = "Iterations per epoch"
    description = "ceil(N/B) updates per epoch (floor with drop_last), the last batch and total updates."
    params_doc = {"n_samples": "dataset size N", "batch_size": "batch size B", "epochs": "number of epochs E",
                  "drop_last": "drop the incomplete last batch", "ask": "'iterations', 'total' or 'last_batch'"}

    def build(self, p: Params, words) -> Instance:
        if p.has("n_samples"):
            n = p.integer("n_samples", 1, 10**9)
        elif p.rng.random() < 0.4:
            n = p.set("n_samples", int(p.rng.integers(1, 101)) * 1000)
        else:
            n = p.integer("n_samples", 1000, 100000)
        b = p.choice("batch_size", [16, 32, 64, 100, 128, 200, 256, 300]) if not p.has("batch_size") \
            else p.integer("batch_size", 1, 10**9)
        asks = ["iterations", "total"] if p.fixed.get("drop_last") is True else ["iterations", "total", "last_batch"]
        ask = p.choice("ask", asks, weights=[0.5, 0.3, 0.2][:len(asks)],
                       implied={"total": ["epochs"]})
        drop = p.flag("drop_last", 0.25) if ask != "last_batch" else p.flag("drop_last", 0.0)
        if ask == "last_batch" and drop:
            raise p._bad("drop_last", "must be false when asking for the last batch")
        e = p.integer("epochs", 1, 10**6, draw=(2, 30)) if ask == "total" else p.integer("epochs", 1, 10**6, draw=(1, 1))
        w = schedules.iterations_per_epoch(n, b, e, drop)
        it = w["iterations"]
        full, rest = divmod(n, b)
        loader = ("The data loader drops the last incomplete batch (`drop_last=True`)." if drop
                  else "The last, smaller batch is kept.")
        ds = pick(words, ["images", "sentences", "audio clips", "examples"])
        prompt = f"You train on {intc(n)} {ds} with mini-batches of {b}. {loader} "
        ceil_, floor_ = math.ceil(n / b), n // b
        if ask == "iterations":
            ans = it
            prompt += "How many iterations (parameter updates) make up one epoch?"
            mistakes = [
                Mistake("rounded down" if not drop else "rounded up", floor_ if not drop else ceil_,
                        "The last partial batch still makes an update." if not drop
                        else "With drop_last the incomplete batch is skipped."),
                Mistake("did not round", n / b, "An iteration processes a whole batch: round to an integer."),
                Mistake("divided the wrong way", b / n, "Iterations = N / B."),
            ]
            model = f"${intc(n)} / {b} = {num(n / b)}$, " + (
                f"rounded down (drop_last): **{intc(it)}**." if drop else f"rounded up: **{intc(it)}**.")
            if rest and not drop:
                model += f" ({full} full batches and one of {rest}.)"
        elif ask == "total":
            ans = w["total_updates"]
            prompt += f"How many parameter updates happen in {e} epochs?"
            mistakes = [
                Mistake("forgot the epochs", it, f"Multiply the iterations per epoch by E = {e}."),
                Mistake("rounded down" if not drop else "rounded up", (floor_ if not drop else ceil_) * e,
                        "Round per epoch: " + ("the partial batch is an update." if not drop else "drop_last skips it.")),
                Mistake("rounded the total instead of each epoch", math.ceil(n * e / b) if not drop else (n * e) // b,
                        "Batches do not span epochs: round N/B first, then multiply by E."),
            ]
            model = f"{intc(it)} iterations per epoch × {e} epochs = **{intc(ans)}** updates."
        else:
            ans = w["last_batch_size"]
            prompt += "How many examples are in the last batch of each epoch?"
            mistakes = [Mistake("gave the number of missing examples", b - rest if rest else None,
                                "The last batch holds the remainder N mod B."),
                        Mistake("assumed all batches are full", b, f"{intc(n)} is not a multiple of {b}.") if rest else
                        Mistake("gave the remainder 0", 0, "When B divides N every batch is full.")]
            model = f"${intc(n)} = {full} \\times {b} + {rest}$, so the last batch has **{ans}** examples."
        return Instance(prompt, ans, *EXACT, "an integer", model, w.steps,
                        [m for m in mistakes if m.value is not None])


# ------------------------------------------------------------------ C28 L2 weight decay


class L2WeightDecay(Family):
    name = "l2_weight_decay"
    title = "An SGD step with L2 weight decay"
    description = "w ← w − η(g + λw) on loss + (λ/2)||w||²."
    params_doc = {"w": "weights (1-3 values)", "g": "data gradient", "lr": "learning rate η", "lam": "λ"}

    def build(self, p: Params, words) -> Instance:
        wv = p.vector("w", p.length_of("g", default=(1, 3)), -100, 100, decimals=2, draw=(-1, 1), ints=False, max_len=6)
        g = p.vector("g", len(wv), -100, 100, decimals=2, draw=(-0.5, 0.5), ints=False)
        lr = p.choice("lr", [0.01, 0.05, 0.1, 0.2, 0.5]) if not p.has("lr") else p.number("lr", 1e-6, 10)
        lam = p.choice("lam", [0.001, 0.01, 0.05, 0.1, 0.5]) if not p.has("lam") else p.number("lam", 0, 10)
        w = arithmetic.l2_weight_decay(wv, g, lr, lam)
        ans = w["w_new"]
        W, G = np.asarray(wv, float), np.asarray(g, float)
        scalar = len(wv) == 1
        sym = "w" if scalar else "\\mathbf{w}"
        shown = (lambda v: num(v[0], 6)) if scalar else (lambda v: vec(v, 6))
        prompt = (f"The loss is $L(w) + \\frac{{\\lambda}}{{2}}\\lVert w \\rVert^2$ with $\\lambda = {num(lam)}$. "
                  f"The current weight{'s are' if not scalar else ' is'} ${sym} = {tex_vec(wv) if not scalar else num(wv[0])}$, "
                  f"the data gradient is $\\nabla L = {tex_vec(g) if not scalar else num(g[0])}$ and the learning rate is "
                  f"$\\eta = {num(lr)}$. What {'are the weights' if not scalar else 'is the weight'} after one plain "
                  "SGD step? Give 5 decimal places.")
        alts = [
            ("forgot the weight decay", W - lr * G, "The penalty adds λw to the gradient."),
            ("used λ instead of λ/2 in the penalty's gradient", W - lr * (G + 2 * lam * W),
             "The gradient of (λ/2)‖w‖² is λw."),
            ("added the decay with the wrong sign", W - lr * (G - lam * W), "The penalty shrinks w: subtract ηλw."),
            ("forgot η on the decay term", W - lr * G - lam * W, "Both terms are multiplied by the learning rate."),
        ]
        mistakes = [Mistake(n, v.tolist() if not scalar else float(v[0]), e) for n, v, e in alts]
        ans_out = ans if not scalar else ans[0]
        model = (f"$w - \\eta(g + \\lambda w) = w(1 - \\eta\\lambda) - \\eta g$ with $1 - \\eta\\lambda = "
                 f"{num(1 - lr * lam, 6)}$: **{shown(ans)}**. For plain SGD this equals decoupled weight decay.")
        return Instance(prompt, ans_out, 6e-6, 0.0, "a number" if scalar else "a vector", model, w.steps, mistakes)
