"""Convolution and pooling families: sizes, padding, feature maps, parameter counts."""

from __future__ import annotations

import math

import numpy as np

from engine import arithmetic, conv, pooling
from engine.dense import flatten

from .base import (
    DP3,
    EXACT,
    Family,
    Instance,
    Mistake,
    Params,
    intc,
    mat,
    pick,
    tex_matrix,
    tex_vec,
    vec,
)

KERNELS = [1, 3, 5, 7, 11]


# ------------------------------------------------------------------ C04 output size


class ConvOutputSize(Family):
    name = "conv_output_size"
    title = "Convolution output size"
    description = "O = floor((I - F + 2P) / S) + 1, optionally the full output volume with K filters."
    params_doc = {"I": "input height = width (1-4096)", "F": "kernel size", "P": "zero padding per side",
                  "S": "stride", "K": "number of filters (asks for the full output shape)",
                  "C": "input channels (shown with K)", "ask": "'size' or 'shape'"}

    def build(self, p: Params, words) -> Instance:
        ask = p.choice("ask", ["size", "shape"], weights=[0.7, 0.3], implied={"shape": ["K", "C"]})
        classic = [(224, 7, 3, 2), (224, 3, 1, 1), (227, 11, 0, 4), (32, 5, 0, 1), (28, 5, 2, 1),
                   (64, 3, 1, 2)]
        if not any(p.has(k) for k in "IFPS") and p.rng.random() < 0.2:
            d = classic[int(p.rng.integers(len(classic)))]
            fixed = dict(zip("IFPS", d, strict=True))
        else:
            fixed = {}
        if "F" in fixed:
            f = p.set("F", fixed["F"])
        elif p.has("F"):
            f = p.integer("F", 1, 64)
        else:
            f = p.choice("F", KERNELS)
        i = p.integer("I", 1, 4096, draw=(max(f, 5), 64)) if "I" not in fixed else p.set("I", fixed["I"])
        pad = p.integer("P", 0, 64, draw=(0, min(3, f // 2 + 1))) if "P" not in fixed else p.set("P", fixed["P"])
        s = p.integer("S", 1, 16, draw=(1, 4)) if "S" not in fixed else p.set("S", fixed["S"])
        if i + 2 * pad < f:
            raise p._bad("F", f"({f}) is larger than the padded input ({i + 2 * pad})")
        k = c = None
        if ask == "shape":
            k = p.choice("K", [8, 16, 32, 64, 96, 128]) if not p.has("K") else p.integer("K", 1, 4096)
            c = p.choice("C", [1, 3]) if not p.has("C") else p.integer("C", 1, 4096)
        w = conv.conv_output_size(i, f, pad, s, filters=k)
        o = w["output_size"]
        layer = pick(words, ["A convolutional layer", "A conv layer", "A 2-D convolution"])
        if ask == "size":
            prompt = (f"{layer} is applied to a ${i} \\times {i}$ input with a ${f} \\times {f}$ kernel, "
                      f"padding $P = {pad}$ and stride $S = {s}$. What is the output height (= width)?")
            ans = o

            def alt(v):
                return v
        else:
            prompt = (f"{layer} with {k} filters of size ${f} \\times {f}$, padding {pad} and stride {s} "
                      f"takes a ${i} \\times {i} \\times {c}$ input. What is the output shape "
                      "(height, width, channels)?")
            ans = w["output_shape"]

            def alt(v):
                return [v, v, k]
        span = i + 2 * pad - f
        mistakes = [
            Mistake("forgot the padding", alt((i - f) // s + 1) if i >= f else None,
                    f"Padding adds {pad} on *each* side: use $I + 2P$."),
            Mistake("counted the padding once", alt((i + pad - f) // s + 1) if i + pad >= f else None,
                    "Padding is added on both sides: $2P$."),
            Mistake("ignored the stride", alt(span + 1), "Divide by the stride before adding 1."),
            Mistake("rounded up instead of down", alt(math.ceil(span / s) + 1),
                    "A window that does not fit is dropped: floor, not ceil."),
            Mistake("did not round", alt(span / s + 1), "The output size is an integer: floor the division."),
            Mistake("forgot the +1", alt(span // s), "Count the first window too: $+1$."),
        ]
        if ask == "shape":
            mistakes.append(Mistake("kept the input channels", [o, o, c],
                                    "Each filter makes one output channel: the depth is K."))
        note = "" if w["exact"] else (f" Here $({i} + 2\\cdot{pad} - {f})/{s}$ is not whole, so it is "
                                     "rounded down: the last rows/columns are never covered.")
        model = (f"$O = \\lfloor ({i} - {f} + 2\\cdot{pad}) / {s} \\rfloor + 1 = {o}$.{note} "
                 + (f"Answer: **{o}**." if ask == "size" else
                    f"With {k} filters the output is **{o} × {o} × {k}**."))
        fmt = "an integer" if ask == "size" else "a shape like [10, 10, 32]"
        return Instance(prompt, ans, *EXACT, fmt, model, w.steps,
                        [m for m in mistakes if m.value is not None])


# ------------------------------------------------------------------ C05 TF padding


class ConvPaddingTF(Family):
    name = "conv_padding_tf"
    title = "TensorFlow SAME vs VALID padding"
    description = "Output size under SAME/VALID padding and how SAME splits its padding."
    params_doc = {"I": "input size", "F": "kernel size", "S": "stride", "mode": "'same' or 'valid'",
                  "ask": "'output' or 'pad' (pad_before and pad_after, SAME only)"}

    def build(self, p: Params, words) -> Instance:
        mode = p.choice("mode", ["same"] if p.fixed.get("ask") == "pad" else ["same", "valid"])
        ask = p.choice("ask", ["output", "pad"], weights=[0.6, 0.4]) if mode == "same" else \
            p.choice("ask", ["output"])
        f = p.choice("F", [1, 2, 3, 4, 5, 7]) if not p.has("F") else p.integer("F", 1, 64)
        i = p.integer("I", 1, 4096, draw=(max(f, 5), 40))
        s = p.integer("S", 1, 16, draw=(1, 3))
        if mode == "valid" and f > i:
            raise p._bad("F", "is larger than the input for VALID padding")
        w = conv.conv_output_size(i, f, mode, s)
        o = w["output_size"]
        api = pick(words, [f"`tf.keras.layers.Conv2D(filters, {f}, strides={s}, padding=\"{mode}\")`",
                           f"`tf.nn.conv2d(..., strides={s}, padding=\"{mode.upper()}\")` with a {f}×{f} filter"])
        prompt = (f"In TensorFlow, {api} is applied to a ${i} \\times {i}$ input"
                  + (f" (kernel {f}×{f})" if "Conv2D" in api else "") + ". ")
        same_o = math.ceil(i / s)
        valid_o = math.ceil((i - f + 1) / s) if i >= f else None
        if ask == "output":
            prompt += "What is the output height (= width)?"
            ans = o
            mistakes = [
                Mistake("used the VALID rule", valid_o, "SAME keeps ceil(I/S); only VALID shrinks by F − 1.")
                if mode == "same" else
                Mistake("used the SAME rule", same_o, "VALID adds no padding: ceil((I − F + 1)/S)."),
                Mistake("ignored the stride", i if mode == "same" else i - f + 1, "Divide by the stride."),
                Mistake("rounded down", i // s if mode == "same" else (i - f + 1) // s,
                        "TensorFlow rounds the division up (ceil)."),
            ]
            formula = (f"\\lceil {i}/{s} \\rceil = {o}" if mode == "same"
                       else f"\\lceil ({i} - {f} + 1)/{s} \\rceil = {o}")
            model = f"{mode.upper()}: $O = {formula}$. Answer **{o}**."
            fmt = "an integer"
        else:
            before, after = w["pad_before"], w["pad_after"]
            total = before + after
            prompt += ("How many rows of zero padding are added before (top) and after (bottom)? "
                       "Give `[pad_before, pad_after]`.")
            ans = [before, after]
            half = (f - 1) / 2
            mistakes = [
                Mistake("put the odd row first", [after, before],
                        "TensorFlow puts the extra row after (bottom/right)."),
                Mistake("used (F − 1)/2 on each side", [half, half],
                        "That is only right for stride 1 and odd F; compute the total from the output size."),
                Mistake("split the padding evenly", [total / 2, total / 2],
                        "Padding is whole rows: floor(total/2) before, the rest after."),
            ]
            model = (f"$O = \\lceil {i}/{s} \\rceil = {o}$; total padding "
                     f"$\\max(({o} - 1)\\cdot{s} + {f} - {i}, 0) = {total}$, split as "
                     f"**{before} before and {after} after**.")
            fmt = "two integers like [1, 1]"
        return Instance(prompt, ans, *EXACT, fmt, model, w.steps, [m for m in mistakes if m.value is not None])


# ------------------------------------------------------------------ C06 pooling

POOL_SETUPS = [(4, 2, 2), (5, 3, 2), (6, 2, 2), (7, 3, 2), (4, 2, 1), (4, 3, 1), (5, 3, 1), (6, 3, 3)]


class Pooling(Family):
    name = "pooling"
    title = "2-D max and average pooling"
    description = "Pool a small integer matrix with a k×k window and stride s."
    params_doc = {"x": "square input matrix (up to 8x8)", "size": "window k (2 or 3)", "stride": "stride s",
                  "mode": "'max' or 'avg'"}

    def build(self, p: Params, words) -> Instance:
        mode = p.choice("mode", ["max", "avg"], weights=[0.65, 0.35])
        if p.has("x") or p.has("size") or p.has("stride"):
            k = p.integer("size", 1, 8, draw=(2, 3))
            s = p.integer("stride", 1, 8, draw=(1, 2))
            x = p.matrix("x", None, -1000, 1000, draw=(0, 9), draw_shape=(k + s, k + s))
            if len(x) < k or len(x[0]) < k:
                raise p._bad("size", "is larger than the input")
        else:
            n, k, s = POOL_SETUPS[int(p.rng.integers(len(POOL_SETUPS)))]
            p.set("size", k)
            p.set("stride", s)
            x = p.matrix("x", (n, n), 0, 9, draw=(0, 9))
        w = pooling.pool2d(x, k, s, mode)
        ans = w["output"]
        xa = np.asarray(x, float)
        word = "max" if mode == "max" else "average"
        prompt = (f"Apply {word} pooling with a ${k} \\times {k}$ window and stride {s} (no padding) to\n\n"
                  f"$$X = {tex_matrix(x)}$$\n\n"
                  + ("Give the pooled matrix." if mode == "max" else
                     "Give the pooled matrix to 3 decimal places."))

        def pool(a, kk, ss, fn):
            n0 = (a.shape[0] - kk) // ss + 1
            n1 = (a.shape[1] - kk) // ss + 1
            return [[float(fn(a[r * ss:r * ss + kk, c * ss:c * ss + kk])) for c in range(n1)] for r in range(n0)]
        mistakes = [
            Mistake("used average pooling" if mode == "max" else "used max pooling",
                    pool(xa, k, s, np.mean if mode == "max" else np.max),
                    f"The question asks for {word} pooling."),
            Mistake("used non-overlapping windows", pool(xa, k, k, np.max if mode == "max" else np.mean),
                    f"The stride is {s}, smaller than the window: windows overlap.") if s < k else None,
            Mistake("summed instead of averaging", pool(xa, k, s, np.sum),
                    f"Average pooling divides the window sum by {k * k}.") if mode == "avg" else None,
            Mistake("took the minimum", pool(xa, k, s, np.min), "Max pooling keeps the largest value.")
            if mode == "max" else None,
        ]
        o = w["output_shape"]
        model = (f"Output size $\\lfloor ({len(x)} - {k})/{s} \\rfloor + 1 = {o[0]}$, so a {o[0]}×{o[1]} "
                 f"result; each entry is the {word} of its window: **{mat(ans, 3)}**.")
        tol = EXACT if mode == "max" else DP3
        return Instance(prompt, ans, *tol, "a matrix like [[1, 2], [3, 4]]", model, w.steps,
                        [m for m in mistakes if m])


# ------------------------------------------------------------------ C07 conv2d

NAMED_KERNELS = {
    "vertical edge": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
    "horizontal edge": [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
    "Sobel x": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "Laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "diagonal": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
}


class Conv2D(Family):
    name = "conv2d"
    title = "2-D convolution by hand"
    description = "Valid cross-correlation of a 5×5 input with a 3×3 kernel (stride 1, optional bias)."
    params_doc = {"x": "input matrix (up to 6x6)", "kernel": "kernel (2x2 or 3x3)", "bias": "bias (int)",
                  "kernel_name": f"one of {list(NAMED_KERNELS)} or 'random'"}

    def build(self, p: Params, words) -> Instance:
        x = p.matrix("x", None, -100, 100, draw=(0, 3), draw_shape=(5, 5), max_shape=(6, 6))
        if p.has("kernel"):
            kern = p.matrix("kernel", None, -100, 100, max_shape=(3, 3))
            kname = "given"
            if p.has("kernel_name"):
                kname = p.choice("kernel_name", [*NAMED_KERNELS, "random"])
        else:
            kname = p.choice("kernel_name", [*NAMED_KERNELS, "random"], weights=[1, 1, 1, 1, 1, 3])
            if kname == "random":
                kern = [[int(v) for v in row] for row in p.rng.integers(-1, 2, size=(3, 3))]
                if not np.any(kern):
                    kern[1][1] = 1
            else:
                kern = NAMED_KERNELS[kname]
            p.set("kernel", kern)
        if len(kern) > len(x) or len(kern[0]) > len(x[0]):
            raise p._bad("kernel", "is larger than the input")
        bias = p.integer("bias", -100, 100, draw=(-2, 2)) if p.has("bias") or p.rng.random() < 0.3 else 0
        p.set("bias", bias)
        w = conv.conv2d(x, kern, bias=bias)
        ans = w["output"]
        xa, ka = np.asarray(x, float), np.asarray(kern, float)

        def xcorr(a, kk, b):
            kh, kw = kk.shape
            return [[float((a[r:r + kh, c:c + kw] * kk).sum() + b) for c in range(a.shape[1] - kw + 1)]
                    for r in range(a.shape[0] - kh + 1)]
        desc = f"the {kname} kernel" if kname in NAMED_KERNELS else "the kernel"
        prompt = ("Compute the feature map of a 2-D convolution layer (cross-correlation, as in PyTorch and "
                  "TensorFlow: the kernel is **not** flipped), stride 1, no padding"
                  + (f", bias $b = {bias}$" if bias else ", no bias") + f", for the input\n\n"
                  f"$$X = {tex_matrix(x)}$$\n\nand {desc}\n\n$$K = {tex_matrix(kern)}$$")
        mistakes = [
            Mistake("flipped the kernel", xcorr(xa, ka[::-1, ::-1], bias),
                    "Deep-learning libraries compute cross-correlation: slide K as given, without rotating it."),
            Mistake("forgot the bias", xcorr(xa, ka, 0), f"Add $b = {bias}$ to every output.") if bias else None,
            Mistake("transposed the kernel", xcorr(xa, ka.T, bias), "Row i of K multiplies row i of the window."),
        ]
        first = w.steps[-2]["outputs"].get("value")
        model = (f"The output is {len(ans)}×{len(ans[0])}. The top-left entry is the sum of the element-wise "
                 f"products of the top-left window with K" + (f" plus {bias}" if bias else "")
                 + f" = {first:g}; sliding one column/row at a time gives **{mat(ans)}**.")
        return Instance(prompt, ans, *EXACT, "a matrix like [[1, 2, 3], [4, 5, 6], [7, 8, 9]]", model,
                        w.steps, [m for m in mistakes if m])


# ------------------------------------------------------------------ C08 conv1d


class Conv1DShared(Family):
    name = "conv1d_shared"
    title = "1-D convolution with shared weights"
    description = "Outputs of a 1-D convolution with stride and padding; shared vs dense weight counts."
    params_doc = {"x": "input vector (3-12 values)", "w": "kernel (2-4 values)", "stride": "1-3",
                  "padding": "zero padding per side (0-2)", "ask": "'output' or 'weights' ([shared, dense])"}

    def build(self, p: Params, words) -> Instance:
        ask = p.choice("ask", ["output", "weights"], weights=[0.75, 0.25])
        x = p.vector("x", (5, 8), -100, 100, draw=(-3, 3), min_len=3, max_len=12)
        while True:
            kern = p.vector("w", (2, 3), -100, 100, draw=(-1, 1), max_len=4)
            if any(kern) or p.has("w"):
                break
        pad = p.integer("padding", 0, 2, draw=(0, 1))
        s = p.integer("stride", 1, 3, draw=(1, 2))
        if len(kern) > len(x) + 2 * pad:
            raise p._bad("w", "is longer than the padded input")
        w = conv.conv1d(x, kern, stride=s, padding=pad)
        xa, ka = np.asarray(x, float), np.asarray(kern, float)

        def c1(xv, kv, ss, pp):
            xp = np.pad(xv, pp)
            n = (len(xp) - len(kv)) // ss + 1
            return [float(xp[t * ss:t * ss + len(kv)] @ kv) for t in range(n)]
        setup = (f"A 1-D convolution with the shared kernel $w = {tex_vec(kern)}$ (cross-correlation, no "
                 f"flip, no bias), stride {s} and zero padding {pad} on each side is applied to "
                 f"$x = {tex_vec(x)}$.")
        if ask == "output":
            ans = w["output"]
            prompt = setup + " Give the output vector."
            mistakes = [
                Mistake("ignored the stride", c1(xa, ka, 1, pad), f"Move the kernel {s} positions at a time.")
                if s > 1 else None,
                Mistake("forgot the padding", c1(xa, ka, s, 0) if len(ka) <= len(xa) else None,
                        f"Pad {pad} zero(s) at each end first.") if pad else None,
                Mistake("flipped the kernel", c1(xa, ka[::-1], s, pad), "The kernel is used as given."),
            ]
            model = (f"Padded input ${tex_vec(np.pad(xa, pad))}$; $n_{{out}} = \\lfloor ({len(x)} + 2\\cdot{pad} - "
                     f"{len(kern)})/{s} \\rfloor + 1 = {w['n_out']}$; outputs **{vec(ans)}**.")
            fmt = "a vector like [-2, 1, 1]"
        else:
            ans = [w["shared_weights"], w["dense_weights"]]
            prompt = setup + (" How many weights does this layer have, and how many would a fully connected "
                              "layer from the (unpadded) input to the same number of outputs need, without "
                              "biases? Give `[conv, dense]`.")
            n_out = w["n_out"]
            mistakes = [
                Mistake("counted one kernel per output", [len(kern) * n_out, len(x) * n_out],
                        "The kernel is shared: one set of weights for every position."),
                Mistake("counted the padded input", [len(kern), (len(x) + 2 * pad) * n_out],
                        "Padding zeros are not inputs of a dense layer.") if pad else None,
            ]
            model = (f"The conv layer reuses its {len(kern)} weights everywhere; a dense layer needs "
                     f"{len(x)} × {n_out} = {len(x) * n_out}: **{vec(ans)}**.")
            fmt = "two integers like [3, 21]"
        return Instance(prompt, ans, *EXACT, fmt, model, w.steps,
                        [m for m in mistakes if m and m.value is not None])


# ------------------------------------------------------------------ C09 conv vs dense


class ConvVsDenseParams(Family):
    name = "conv_vs_dense_params"
    title = "Parameters: convolutional vs dense layer"
    description = "K(F²·C + 1) for a conv layer vs U(H·W·C + 1) for a dense layer on the same image."
    params_doc = {"H": "image height = width", "C": "input channels", "K": "filters", "F": "kernel size",
                  "U": "dense units", "ask": "'conv', 'dense' or 'both'"}

    def build(self, p: Params, words) -> Instance:
        h = p.choice("H", [28, 32, 64, 224]) if not p.has("H") else p.integer("H", 1, 4096)
        c = p.choice("C", [1, 3]) if not p.has("C") else p.integer("C", 1, 4096)
        k = p.choice("K", [16, 32, 64]) if not p.has("K") else p.integer("K", 1, 4096)
        f = p.choice("F", [3, 5]) if not p.has("F") else p.integer("F", 1, 64)
        u = p.choice("U", [16, 32, 64, 128]) if not p.has("U") else p.integer("U", 1, 100000)
        ask = p.choice("ask", ["conv", "dense", "both"])
        w = conv.conv_vs_dense_params(h, h, c, k, f, units=u)
        cp, dp = w["conv_params"], w["dense_params"]
        kind = "RGB" if c == 3 else ("grayscale" if c == 1 else f"{c}-channel")
        prompt = (f"The input is a ${h} \\times {h} \\times {c}$ ({kind}) image. Layer A is a convolution with "
                  f"{k} filters of size ${f} \\times {f}$; layer B is a dense layer with {u} units on the "
                  "flattened image. Both have biases. ")
        conv_alts = [("forgot the biases", k * f * f * c, "Each filter has one bias."),
                     ("forgot the input channels", k * (f * f + 1), f"A filter spans all {c} input channels."),
                     ("counted weights per output position", None, "")]
        dense_alts = [("forgot the biases", u * h * h * c, "Each unit has one bias."),
                      ("forgot the channels", u * (h * h + 1), "The flattened input has H·W·C values.")]
        if ask == "conv":
            prompt += "How many parameters does layer A have?"
            ans = cp
            mistakes = [Mistake(n, v, e) for n, v, e in conv_alts if v is not None]
        elif ask == "dense":
            prompt += "How many parameters does layer B have?"
            ans = dp
            mistakes = [Mistake(n, v, e) for n, v, e in dense_alts]
        else:
            prompt += "Give the parameter counts `[A, B]`."
            ans = [cp, dp]
            mistakes = [Mistake("forgot the biases", [k * f * f * c, u * h * h * c], "Count one bias per filter/unit."),
                        Mistake("forgot the input channels", [k * (f * f + 1), u * (h * h + 1)],
                                "Both layers see all channels.")]
        model = (f"Conv: ${k}\\,({f}^2 \\cdot {c} + 1) = {intc(cp)}$. Dense: ${u}\\,({h}\\cdot{h}\\cdot{c} + 1) = "
                 f"{intc(dp)}$ — about {w['ratio']:.0f}× more, because the conv layer shares its weights "
                 "across positions.")
        fmt = "an integer" if ask != "both" else "two integers like [1792, 9633856]"
        return Instance(prompt, ans, *EXACT, fmt, model, w.steps, mistakes)


# ------------------------------------------------------------------ C10 flatten + dense


class FlattenDense(Family):
    name = "flatten_dense"
    title = "Flatten size and the next dense layer"
    description = "Length of a flattened H×W×C volume and the parameters of Dense(U) after it."
    params_doc = {"H": "height = width", "C": "channels", "U": "dense units", "ask": "'flat' or 'params'"}

    def build(self, p: Params, words) -> Instance:
        h = p.integer("H", 1, 4096, draw=(2, 14))
        c = p.choice("C", [16, 32, 64, 128, 256, 512]) if not p.has("C") else p.integer("C", 1, 100000)
        u = p.choice("U", [10, 64, 128, 256, 512, 1024, 4096]) if not p.has("U") else p.integer("U", 1, 100000)
        ask = p.choice("ask", ["flat", "params"], weights=[0.4, 0.6])
        w = flatten([h, h, c], u)
        flat, params = w["length"], w["dense_params"]
        net = pick(words, ["A CNN's last pooling layer", "The final conv block", "The feature extractor"])
        prompt = (f"{net} outputs a ${h} \\times {h} \\times {c}$ volume, followed by `Flatten()` and "
                  f"`Dense({u})` (with bias). ")
        if ask == "flat":
            prompt += "How long is the flattened vector?"
            ans = flat
            mistakes = [Mistake("forgot the channels", h * h, f"Each of the {c} channels is flattened too."),
                        Mistake("added instead of multiplying", h + h + c, "Flatten multiplies the dimensions.")]
        else:
            prompt += "How many parameters does the dense layer have?"
            ans = params
            mistakes = [Mistake("forgot the biases", flat * u, f"Add one bias per unit: + {u}."),
                        Mistake("forgot the channels", h * h * u + u, "The input length is H·W·C."),
                        Mistake("one bias per input", flat * u + flat, "Biases belong to the units.")]
        model = (f"Flatten: ${h}\\cdot{h}\\cdot{c} = {intc(flat)}$. Dense: ${intc(flat)}\\cdot{u} + {u} = "
                 f"{intc(params)}$. Answer **{intc(ans)}**.")
        return Instance(prompt, ans, *EXACT, "an integer", model, w.steps, mistakes)


# ------------------------------------------------------------------ C37 receptive field


class ReceptiveField(Family):
    name = "receptive_field"
    title = "Receptive field of stacked convolutions"
    description = "RF = 1 + Σ (k − 1)·(product of earlier strides); weights of the stack vs one big kernel."
    params_doc = {"layers": "number of conv layers (1-8)", "kernel": "kernel size k", "strides": "list of strides",
                  "ask": "'rf' or 'weights' ([stack, single] per channel pair)"}

    def build(self, p: Params, words) -> Instance:
        n = p.integer("layers", 1, 8, draw=(2, 5)) if not p.length_of("strides") else \
            p.integer("layers", 1, 8, draw=(p.length_of("strides"),) * 2)
        k = p.choice("kernel", [3, 5]) if not p.has("kernel") else p.integer("kernel", 1, 15)
        ask = p.choice("ask", ["rf", "weights"], weights=[0.7, 0.3])
        if p.has("strides"):
            strides = p.vector("strides", n, 1, 4)
        elif ask == "rf" and p.rng.random() < 0.35:
            strides = [int(v) for v in p.rng.choice([1, 2], size=n)]
            p.set("strides", strides)
        else:
            strides = p.set("strides", [1] * n)
        w = arithmetic.receptive_field(n, k, strides)
        rf = w["rf"]
        strided = any(s != 1 for s in strides)
        desc = (f"{n} stacked ${k} \\times {k}$ convolutions"
                + (f" with strides {vec(strides)} (in order)" if strided else " (stride 1, no pooling)"))
        naive = 1 + n * (k - 1)
        if ask == "rf":
            prompt = (f"A network has {desc}. What is the receptive field (side length, in input pixels) of "
                      "one unit in the last layer?")
            ans = rf
            mistakes = [
                Mistake("ignored the strides", naive, "A stride s multiplies the step of every later layer.")
                if strided else None,
                Mistake("added the kernel sizes", n * k, "Neighbouring layers overlap: each adds k − 1."),
                Mistake("forgot the centre pixel", rf - 1, "Start from 1 pixel and add k − 1 per layer."),
                Mistake("multiplied the kernel sizes", k**n, "The field grows additively, by k − 1 per layer."),
            ]
            model = (f"Each layer adds $(k - 1)$ times the product of the earlier strides: RF = **{rf}**"
                     + ("" if strided else f" $= 1 + {n}({k} - 1)$") + ".")
            fmt = "an integer"
        else:
            prompt = (f"A network has {desc}. Per input/output channel pair, how many weights does the stack "
                      f"have, and how many would a single kernel with the same receptive field have? "
                      "Give `[stack, single]` (no biases).")
            ans = [w["stacked_weights"], w["single_weights"]]
            mistakes = [Mistake("counted one layer", [k * k, rf * rf], f"The stack has {n} layers."),
                        Mistake("used n·k for the field", [n * k * k, (n * k) ** 2],
                                "The receptive field is 1 + n(k − 1).")]
            model = (f"Stack: ${n}\\cdot{k}^2 = {ans[0]}$; receptive field {rf}, so a single kernel needs "
                     f"${rf}^2 = {ans[1]}$: **{vec(ans)}** — fewer weights and more non-linearities.")
            fmt = "two integers like [18, 25]"
        return Instance(prompt, ans, *EXACT, fmt, model, w.steps, [m for m in mistakes if m])
