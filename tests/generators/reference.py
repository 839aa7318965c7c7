"""Independent answers for every generator family, from an instance's params (plain NumPy/math).

Nothing here imports engine or the generators' helpers: if a family's answer and this file
disagree, one of them has a bug.
"""

from __future__ import annotations

import math

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, float)))


def softmax(z):
    z = np.asarray(z, float)
    e = np.exp(z - z.max())
    return e / e.sum()


def softmax_ref(p):
    t = p.get("temperature", 1.0)
    shift = p.get("shift", 0)
    return softmax((np.asarray(p["logits"], float) + shift) / t)


def _act_pair(fn, x, slope=0.01):
    s = float(sigmoid(x))
    return {
        "sigmoid": (s, s * (1 - s)),
        "tanh": (math.tanh(x), 1 - math.tanh(x) ** 2),
        "relu": (max(x, 0.0), 1.0 if x > 0 else 0.0),
        "leaky_relu": (x if x > 0 else slope * x, 1.0 if x > 0 else slope),
        "step": (1.0 if x >= 0 else 0.0, 0.0),
        "identity": (x, 1.0),
        "swish": (x * s, s + x * s * (1 - s)),
    }[fn]


def _pick(ask, v, d):
    return {"both": [v, d], "value": v, "derivative": d}[ask]


def activation_ref(p):
    v, d = _act_pair(p["function"], p["x"], p.get("slope", 0.01))
    return _pick(p["ask"], v, d)


def swish_ref(p):
    v, d = _act_pair("swish", p["x"])
    # the seed's identity f' = f + sigma (1 - f) must agree
    s = float(sigmoid(p["x"]))
    assert abs(d - (v + s * (1 - v))) < 1e-12
    return _pick(p["ask"], v, d)


def conv_output_size_ref(p):
    o = (p["I"] + 2 * p["P"] - p["F"]) // p["S"] + 1
    return o if p["ask"] == "size" else [o, o, p["K"]]


def conv_padding_tf_ref(p):
    i, f, s = p["I"], p["F"], p["S"]
    if p["mode"] == "valid":
        return math.ceil((i - f + 1) / s)
    o = math.ceil(i / s)
    if p["ask"] == "output":
        return o
    total = max((o - 1) * s + f - i, 0)
    return [total // 2, total - total // 2]


def pooling_ref(p):
    x = np.asarray(p["x"], float)
    k, s = p["size"], p["stride"]
    fn = np.max if p["mode"] == "max" else np.mean
    n0, n1 = (x.shape[0] - k) // s + 1, (x.shape[1] - k) // s + 1
    return [[float(fn(x[r * s:r * s + k, c * s:c * s + k])) for c in range(n1)] for r in range(n0)]


def conv2d_ref(p):
    x, k = np.asarray(p["x"], float), np.asarray(p["kernel"], float)
    kh, kw = k.shape
    return [[float((x[r:r + kh, c:c + kw] * k).sum() + p["bias"]) for c in range(x.shape[1] - kw + 1)]
            for r in range(x.shape[0] - kh + 1)]


def conv1d_shared_ref(p):
    x, w = np.asarray(p["x"], float), np.asarray(p["w"], float)
    xp = np.concatenate([np.zeros(p["padding"]), x, np.zeros(p["padding"])])
    n_out = (len(xp) - len(w)) // p["stride"] + 1
    out = [float(xp[t * p["stride"]:t * p["stride"] + len(w)] @ w) for t in range(n_out)]
    return out if p["ask"] == "output" else [len(w), len(x) * n_out]


def conv_vs_dense_params_ref(p):
    conv = p["K"] * (p["F"] ** 2 * p["C"] + 1)
    dense = p["U"] * (p["H"] ** 2 * p["C"] + 1)
    return {"conv": conv, "dense": dense, "both": [conv, dense]}[p["ask"]]


def flatten_dense_ref(p):
    n = p["H"] * p["H"] * p["C"]
    return n if p["ask"] == "flat" else n * p["U"] + p["U"]


INPUTS = [(0, 0), (0, 1), (1, 0), (1, 1)]
TRUTH = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "NOR": [1, 0, 0, 0], "XOR": [0, 1, 1, 0]}


def perceptron_gate_ref(p):
    zs = [p["w1"] * a + p["w2"] * b + p["b"] for a, b in INPUTS]
    return [int(z >= 0) for z in zs] if p["ask"] == "outputs" else zs


def perceptron_training_ref(p):
    w, b, lr = list(map(float, p["w0"])), float(p["b0"]), p["lr"]
    epochs = 1 if p["ask"] == "first_epoch" else p["max_epochs"]
    for ep in range(1, epochs + 1):
        errors = 0
        for (x1, x2), d in zip(INPUTS, TRUTH[p["gate"]], strict=True):
            y = 1 if w[0] * x1 + w[1] * x2 + b >= 0 else 0
            e = d - y
            w = [w[0] + lr * e * x1, w[1] + lr * e * x2]
            b += lr * e
            errors += e != 0
        if errors == 0:
            return ep if p["ask"] == "epoch" else [*w, b]
    assert p["ask"] != "epoch"
    return [*w, b]


def neuron_output_ref(p):
    z = float(np.dot(p["x"], p["w"]) + p["b"])
    return {"linear": p.get("k", 1) * z, "step": float(z >= 0), "sigmoid": float(sigmoid(z)),
            "relu": max(z, 0.0), "tanh": math.tanh(z)}[p["activation"]]


def _f(name, z):
    return {"sigmoid": sigmoid, "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0)}[name](np.asarray(z, float))


def mlp_forward_ref(p):
    h = _f(p["activation"], np.asarray(p["W1"]) @ np.asarray(p["x"]) + np.asarray(p["b1"]))
    y = float(_f(p["activation"], np.dot(p["W2"], h) + p["b2"]))
    return y if p["ask"] == "output" else h.tolist()


def backprop_step_ref(p):
    x, W1, b1, w2 = (np.asarray(p[k], float) for k in ("x", "W1", "b1", "W2"))
    h = sigmoid(W1 @ x + b1)
    y = float(sigmoid(w2 @ h + p["b2"]))
    d_out = (y - p["target"]) * y * (1 - y)
    d_h = d_out * w2 * h * (1 - h)
    return {"delta_out": d_out, "grad_w2": (d_out * h).tolist(), "w2_new": (w2 - p["lr"] * d_out * h).tolist(),
            "b2_new": p["b2"] - p["lr"] * d_out, "grad_w1": np.outer(d_h, x).tolist()}[p["ask"]]


def xor_two_layer_ref(p):
    out = []
    for x in INPUTS:
        h = [int(np.dot(p["hidden_weights"][i], x) + p["hidden_bias"][i] >= 0) for i in range(2)]
        out.append(int(np.dot(p["output_weights"], h) + p["output_bias"] >= 0))
    return out


def gd_quadratic_ref(p):
    a, c, x0, lr = p["a"], p["c"], p["x0"], p["lr"]
    return [c + (1 - 2 * a * lr) ** k * (x0 - c) for k in range(1, p["steps"] + 1)]


def sgd_update_ref(p):
    out = (np.asarray(p["params"], float) - p["lr"] * np.asarray(p["grads"], float)).tolist()
    return out[0] if len(out) == 1 else out


def momentum_nesterov_ref(p):
    a, c, lr, mu = p["a"], p["c"], p["lr"], p["mu"]

    def run(look):
        x, v = float(p["x0"]), 0.0
        for _ in range(p["steps"]):
            g = 2 * a * ((x + mu * v if look else x) - c)
            v = mu * v - lr * g
            x += v
        return x
    return {"momentum": run(False), "nesterov": run(True), "both": [run(False), run(True)]}[p["method"]]


def adam_step_ref(p):
    th = np.asarray(p["theta"], float)
    m = np.zeros_like(th)
    v = np.zeros_like(th)
    for t, g in enumerate(np.asarray(p["grads"], float), start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        mh, vh = m / (1 - 0.9**t), v / (1 - 0.999**t)
        th = th - p["lr"] * mh / (np.sqrt(vh) + 1e-8)
    out = {"theta": th, "m_hat": mh, "v": v}[p["ask"]].tolist()
    return out[0] if len(out) == 1 else out


def _rate(p, t):
    if p["kind"] == "step":
        return p["lr0"] * p["gamma"] ** (t // p["step_size"])
    if p["kind"] == "exponential":
        return p["lr0"] * math.exp(-p["k"] * t)
    return p["lr0"] / (1 + p["k"] * t)


def lr_schedule_ref(p):
    if p["ask"] == "rate":
        return _rate(p, p["t"])
    t = 0
    while _rate(p, t) >= p["threshold"]:
        t += 1
    return t


def loss_value_ref(p):
    kind = p["loss"]
    if kind == "mse":
        return float(np.mean((np.asarray(p["y_pred"]) - np.asarray(p["y_true"])) ** 2))
    if kind == "bce":
        y, q = np.asarray(p["y_true"], float), np.asarray(p["y_pred"], float)
        return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))
    if kind == "cce":
        return -math.log(p["y_pred"][p["label"]])
    return float(-np.log(softmax(p["logits"])[p["label"]]))


def batchnorm_forward_ref(p):
    x = np.asarray(p["x"], float)
    mu, var = x.mean(axis=0), ((x - x.mean(axis=0)) ** 2).mean(axis=0)
    if p["ask"] == "stats":
        return [float(mu[0]), float(var[0])]
    y = np.asarray(p["gamma"]) * (x - mu) / np.sqrt(var + 1e-5) + np.asarray(p["beta"])
    return y.tolist() if x.shape[1] > 1 else y[:, 0].tolist()


def dropout_ref(p):
    a, m = np.asarray(p["a"], float), np.asarray(p["mask"], float)
    return {"output": (a * m / (1 - p["p"])).tolist(), "inference": a.tolist(),
            "expected_dropped": p["p"] * p.get("units", 0)}[p["ask"]]


def iterations_per_epoch_ref(p):
    n, b = p["n_samples"], p["batch_size"]
    it = n // b if p["drop_last"] else -(-n // b)
    return {"iterations": it, "total": it * p["epochs"], "last_batch": n - (it - 1) * b}[p["ask"]]


def feature_normalization_ref(p):
    x = np.asarray(p["train"], float)
    v = np.asarray([p["test"]], float) if p["ask"] == "test" else x
    if p["method"] == "zscore":
        out = (v - x.mean()) / x.std()
    else:
        out = (v - x.min()) / (x.max() - x.min())
        if p["method"] == "minmax_sym":
            out = 2 * out - 1
    return float(out[0]) if p["ask"] == "test" else out.tolist()


def one_hot_ref(p):
    if p["mode"] == "encode":
        return [int(i == p["label"]) for i in range(p["num_classes"])]
    return int(np.argmax(p["probs"]))


def l2_weight_decay_ref(p):
    w, g = np.asarray(p["w"], float), np.asarray(p["g"], float)
    out = (w - p["lr"] * (g + p["lam"] * w)).tolist()
    return out[0] if len(out) == 1 else out


def init_scale_ref(p):
    fi, fo = p["fan_in"], p["fan_out"]
    return {"xavier_uniform": math.sqrt(6 / (fi + fo)), "xavier_normal": math.sqrt(2 / (fi + fo)),
            "he_normal": math.sqrt(2 / fi), "he_uniform": math.sqrt(6 / fi)}[p["scheme"]]


def gradient_factor_ref(p):
    return ({"sigmoid": 0.25, "tanh": 1.0}[p["activation"]] * p["weight_scale"]) ** p["depth"]


def matmul_shape_ref(p):
    a, b = list(p["a_shape"]), list(p["b_shape"])
    if p["transpose_b"]:
        b = b[:-2] + [b[-1], b[-2]]
    if p["variant"] == "clash":
        return [a[-1], b[-2]]
    return list(np.matmul(np.zeros(a), np.zeros(b)).shape)


def tf1_snippet_ref(p):
    kind = p["kind"]
    if kind == "constant_op":
        return [{"add": p["a"] + p["b"], "subtract": p["a"] - p["b"], "multiply": p["a"] * p["b"]}[p["op"]]]
    if kind == "counter":
        return [p["start"] + i * p["increment"] for i in range(p["updates"] + 1)]
    if kind == "placeholder":
        return float(np.float32(p["fed"]) * np.float32(p["multiplier"]))
    return [p["a"] + p["b"], p["a"] - p["b"]]


def update_ratio_ref(p):
    if p["variant"] == "norms":
        return p["lr"] * p["grad_norm"] / p["weight_norm"]
    return p["lr"] * np.linalg.norm(p["G"]) / np.linalg.norm(p["W"])


def rnn_params_ref(p):
    m, n = p["input_dim"], p["hidden"]
    blocks = {"simple": 1, "lstm": 4, "gru": 3}[p["cell"]]
    return blocks * n * (n + m + (2 if p["reset_after"] else 1))


def rnn_forward_ref(p):
    h, hs = p["h0"], []
    for x in p["xs"]:
        h = math.tanh(p["W"] * x + p["U"] * h + p["b"])
        hs.append(h)
    return hs if p["ask"] == "all" else hs[-1]


# feature dim and total parameters with the ImageNet head (torchvision / Keras applications)
BACKBONES = {"VGG-16": (4096, 138_357_544), "ResNet-50": (2048, 25_557_032),
             "ResNet-18": (512, 11_689_512), "DenseNet-121": (1024, 7_978_856)}


def transfer_head_ref(p):
    d, total = BACKBONES[p["backbone"]]
    k = p["num_classes"]
    head = d * k + k
    if p["ask"] == "head":
        return head
    frozen = total - (d * 1000 + 1000)
    return head / (frozen + head)


def receptive_field_ref(p):
    rf, jump = 1, 1
    for s in p["strides"]:
        rf += (p["kernel"] - 1) * jump
        jump *= s
    return rf if p["ask"] == "rf" else [p["layers"] * p["kernel"] ** 2, rf * rf]


def bootstrap_coverage_ref(p):
    n = p["n"]
    q = 1 - (1 - 1 / n) ** n
    return q if p["ask"] == "probability" else n * q


def chain_rule_ref(p):
    x, y, z = p["x"], p["y"], p["z"]
    h = 1e-6
    f = {"add_mul": lambda a, b, c: (a + b) * c, "sub_mul": lambda a, b, c: (a - b) * c,
         "mul_add": lambda a, b, c: a * b + c, "mul3": lambda a, b, c: a * b * c,
         "add_sq": lambda a, b, c: (a + b) ** 2 * c}[p["graph"]]
    # central differences are exact for these polynomials up to rounding
    grads = [(f(x + h, y, z) - f(x - h, y, z)) / (2 * h), (f(x, y + h, z) - f(x, y - h, z)) / (2 * h),
             (f(x, y, z + h) - f(x, y, z - h)) / (2 * h)]
    return [f(x, y, z), *[round(g, 4) for g in grads]]


REFERENCE = {name[:-4]: fn for name, fn in dict(globals()).items() if name.endswith("_ref") and callable(fn)}
