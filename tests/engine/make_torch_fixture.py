"""PyTorch as an independent reference for the engine.

``python tests/engine/make_torch_fixture.py`` (with torch installed) writes
``fixtures/torch_reference.json``: randomised cases of every operation, computed by PyTorch
in float64 (autograd for every gradient, torch.optim for the optimisers). The tests compare
the engine with that file at 1e-9 without needing torch; ``test_torch_live.py`` runs the same
comparison against a live torch install when there is one.

``build_cases(seed)`` makes the cases; ``check_case(kind, case)`` runs the engine on one and
compares. torch is imported only inside ``build_cases``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

FIXTURE = Path(__file__).parent / "fixtures" / "torch_reference.json"
TOL = 1e-9

ACTIVATION_CASES = [
    ("linear", {"k": 2.5}),
    ("sigmoid", {}),
    ("tanh", {}),
    ("relu", {}),
    ("leaky_relu", {"slope": 0.1}),
    ("elu", {"alpha": 0.7}),
    ("swish", {"beta": 1.0}),
    ("swish", {"beta": 1.7}),
]


def _l(a: Any) -> Any:
    """Tensor or array to nested lists of floats."""
    if hasattr(a, "detach"):
        a = a.detach().numpy()
    return np.asarray(a, dtype=np.float64).tolist()


def build_cases(seed: int = 20240) -> dict[str, list[dict[str, Any]]]:
    """Randomised cases of every operation with PyTorch's float64 answers."""
    import torch
    import torch.nn.functional as F

    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(seed)

    def t(a: Any, grad: bool = False) -> torch.Tensor:
        return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)

    cases: dict[str, list[dict[str, Any]]] = {}

    # activations: value and derivative (autograd of the sum gives the elementwise derivative)
    torch_act = {
        "linear": lambda x, k: k * x,
        "sigmoid": lambda x: torch.sigmoid(x),
        "tanh": lambda x: torch.tanh(x),
        "relu": lambda x: F.relu(x),
        "leaky_relu": lambda x, slope: F.leaky_relu(x, slope),
        "elu": lambda x, alpha: F.elu(x, alpha),
        "swish": lambda x, beta: x * torch.sigmoid(beta * x),
    }
    out = []
    for name, kw in ACTIVATION_CASES:
        x = np.concatenate([rng.uniform(-5, 5, 7), [0.0]])  # include 0: conventions at the kink
        xt = t(x, True)
        y = torch_act[name](xt, *kw.values())
        y.sum().backward()
        out.append({"name": name, "kw": kw, "x": x.tolist(), "value": _l(y), "derivative": _l(xt.grad)})
    cases["activation"] = out

    out = []
    for n, scale, temp in [(5, 3, 1.0), (8, 1, 0.5), (4, 1000, 1.0), (6, 2, 3.0)]:
        z = rng.normal(size=n) * scale + (1000 if scale == 1000 else 0)
        out.append({"logits": z.tolist(), "temperature": temp, "probabilities": _l(torch.softmax(t(z) / temp, -1))})
    cases["softmax"] = out

    # losses and their gradients
    out = []
    for shape in [(5,), (3, 4)]:
        y, p = rng.normal(size=shape), rng.normal(size=shape)
        pt = t(p, True)
        loss = F.mse_loss(pt, t(y))
        loss.backward()
        out.append({"fn": "mse", "a": y.tolist(), "b": p.tolist(), "loss": loss.item(), "gradient": _l(pt.grad)})
        yb = rng.integers(0, 2, size=shape).astype(float)
        pb = rng.uniform(0.02, 0.98, size=shape)
        pt = t(pb, True)
        loss = F.binary_cross_entropy(pt, t(yb))
        loss.backward()
        out.append({"fn": "binary_cross_entropy", "a": yb.tolist(), "b": pb.tolist(), "loss": loss.item(), "gradient": _l(pt.grad)})
        ys = rng.uniform(0, 1, size=shape)  # soft targets too
        z = rng.normal(size=shape) * 4
        zt = t(z, True)
        loss = F.binary_cross_entropy_with_logits(zt, t(ys))
        loss.backward()
        out.append({"fn": "binary_cross_entropy_with_logits", "a": ys.tolist(), "b": z.tolist(), "loss": loss.item(),
                    "gradient": _l(zt.grad)})
    for m, k in [(1, 4), (3, 5)]:
        z = rng.normal(size=(m, k)) * 2
        labels = rng.integers(0, k, size=m)
        onehot = np.eye(k)[labels]
        for target, shaped in [(labels, "labels"), (onehot, "onehot")]:
            zt = t(z, True)
            loss = F.cross_entropy(zt, torch.tensor(labels) if shaped == "labels" else t(onehot))
            loss.backward()
            a = target.tolist() if m > 1 else (int(labels[0]) if shaped == "labels" else onehot[0].tolist())
            b = z.tolist() if m > 1 else z[0].tolist()
            g = _l(zt.grad) if m > 1 else _l(zt.grad[0])
            out.append({"fn": "categorical_cross_entropy_with_logits", "a": a, "b": b, "loss": loss.item(), "gradient": g})
            p = torch.softmax(t(z), -1).numpy()
            pt = t(p, True)
            loss = -(t(onehot) * torch.log(pt)).sum(-1).mean()
            loss.backward()
            b = p.tolist() if m > 1 else p[0].tolist()
            g = _l(pt.grad) if m > 1 else _l(pt.grad[0])
            out.append({"fn": "categorical_cross_entropy", "a": a, "b": b, "loss": loss.item(), "gradient": g})
    cases["loss"] = out

    # conv2d forward and backward
    out = []
    conv_specs = [
        ((5, 5), (3, 3), 1, 0, False),
        ((6, 7), (2, 3), 2, 1, True),
        ((2, 6, 6), (3, 2, 3, 3), 1, 1, True),
        ((3, 7, 8), (2, 3, 3, 2), (2, 1), (1, 0), True),
        ((2, 5, 5), (2, 3, 3), 2, 0, True),  # one filter over two channels
        ((4, 6), (2, 2), 1, "same", False),  # even kernel: the extra pixel goes bottom/right
        ((4, 9, 9), (4, 4, 5, 5), 3, 2, True),
    ]
    for xs, ks, stride, padding, with_bias in conv_specs:
        x, k = rng.normal(size=xs), rng.normal(size=ks)
        x4 = x.reshape((1, 1) + xs) if len(xs) == 2 else x[None]
        k4 = k.reshape((1, 1) + ks) if len(ks) == 2 else (k[None] if len(ks) == 3 else k)
        cout = k4.shape[0]
        b = rng.normal(size=cout) if with_bias else None
        xt, kt = t(x4, True), t(k4, True)
        bt = t(b, True) if with_bias else None
        y = F.conv2d(xt, kt, bt, stride=stride, padding=padding)
        g = rng.normal(size=tuple(y.shape))
        y.backward(t(g))
        squeeze_out = len(ks) in (2, 3)
        yv = y.detach().numpy()[0]
        gv = g[0]
        if squeeze_out:
            yv, gv = yv[0], gv[0]
        bias_arg = None if not with_bias else (float(b[0]) if squeeze_out else b.tolist())
        grad_b = None if not with_bias else (float(bt.grad[0]) if squeeze_out else _l(bt.grad))
        out.append({
            "x": x.tolist(), "kernel": k.tolist(), "bias": bias_arg, "stride": stride, "padding": padding,
            "output": yv.tolist(), "grad_output": gv.tolist(),
            "grad_input": _l(xt.grad.reshape(xs)), "grad_kernel": _l(kt.grad.reshape(ks)), "grad_bias": grad_b,
        })
    cases["conv2d"] = out

    # pooling forward and backward (distinct values, so max has no ties)
    out = []
    for shape, size, stride in [((4, 4), 2, 2), ((7, 7), 3, 2), ((2, 6, 5), (2, 3), 1), ((3, 8, 8), 3, 3)]:
        x = rng.normal(size=shape)
        for mode in ("max", "avg"):
            xt = t(x[None], True)
            fn = F.max_pool2d if mode == "max" else F.avg_pool2d
            y = fn(xt, size, stride)
            g = rng.normal(size=tuple(y.shape))
            y.backward(t(g))
            out.append({"x": x.tolist(), "size": size, "stride": stride, "mode": mode, "output": _l(y[0]),
                        "grad_output": g[0].tolist(), "grad_input": _l(xt.grad[0])})
    cases["pool2d"] = out

    # dense layer
    out = []
    for xs in [(3,), (4, 3)]:
        x, w, b = rng.normal(size=xs), rng.normal(size=(2, 3)), rng.normal(size=2)
        xt, wt, bt = t(x, True), t(w, True), t(b, True)
        z = F.linear(xt, wt, bt)
        g = rng.normal(size=tuple(z.shape))
        z.backward(t(g))
        out.append({"x": x.tolist(), "weights": w.tolist(), "bias": b.tolist(), "z": _l(z), "grad_z": g.tolist(),
                    "grad_input": _l(xt.grad), "grad_weights": _l(wt.grad), "grad_bias": _l(bt.grad)})
    cases["dense"] = out

    # batch norm, training mode
    out = []
    for m, d in [(4, 2), (6, 3), (5, 1)]:
        x = rng.normal(size=(m, d)) * 3 + 1
        gamma, beta = rng.normal(size=d), rng.normal(size=d)
        xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
        y = F.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)
        g = rng.normal(size=(m, d))
        y.backward(t(g))
        out.append({"x": x.tolist(), "gamma": gamma.tolist(), "beta": beta.tolist(), "y": _l(y), "grad_output": g.tolist(),
                    "grad_input": _l(xt.grad), "grad_gamma": _l(gt.grad), "grad_beta": _l(bt.grad)})
    cases["batchnorm"] = out

    # one MLP backprop step
    torch_f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu, "linear": lambda z: z,
               "elu": F.elu, "swish": F.silu, "leaky_relu": lambda z: F.leaky_relu(z, 0.01)}
    out = []
    mlp_specs = [
        ([2, 2, 1], ["sigmoid", "sigmoid"], "half_sse", False),
        ([3, 4, 2], ["tanh", "linear"], "mse", True),
        ([3, 5, 4, 1], ["relu", "elu", "sigmoid"], "bce", True),
        ([4, 3, 3], ["swish", "softmax"], "cce", False),
        ([2, 4, 3, 3], ["leaky_relu", "tanh", "softmax"], "cce", True),
    ]
    for sizes, acts, loss_name, batch in mlp_specs:
        ws = [rng.normal(size=(sizes[i + 1], sizes[i])) for i in range(len(sizes) - 1)]
        bs = [rng.normal(size=sizes[i + 1]) for i in range(len(sizes) - 1)]
        m = 3 if batch else 1
        x = rng.normal(size=(m, sizes[0]))
        if loss_name == "cce":
            labels = rng.integers(0, sizes[-1], size=m)
            target = np.eye(sizes[-1])[labels]
        elif loss_name == "bce":
            target = rng.integers(0, 2, size=(m, sizes[-1])).astype(float)
        else:
            target = rng.normal(size=(m, sizes[-1]))
        lr = 0.3

        def run(ws_t, bs_t, x=x, acts=acts, loss_name=loss_name, target=target, m=m):
            a = t(x)
            for k, (w, b) in enumerate(zip(ws_t, bs_t, strict=True)):
                z = a @ w.T + b
                if acts[k] == "softmax":
                    return F.cross_entropy(z, t(target))
                a = torch_f[acts[k]](z)
            if loss_name == "mse":
                return F.mse_loss(a, t(target))
            if loss_name == "half_sse":
                return 0.5 * ((a - t(target)) ** 2).sum() / m
            return F.binary_cross_entropy(a, t(target))

        ws_t = [t(w, True) for w in ws]
        bs_t = [t(b, True) for b in bs]
        loss = run(ws_t, bs_t)
        loss.backward()
        new_ws = [w - lr * wt.grad.numpy() for w, wt in zip(ws, ws_t, strict=True)]
        new_bs = [b - lr * bt.grad.numpy() for b, bt in zip(bs, bs_t, strict=True)]
        new_loss = run([t(w) for w in new_ws], [t(b) for b in new_bs]).item()
        tgt = target if batch else target[0]
        out.append({
            "x": (x if batch else x[0]).tolist(), "target": tgt.tolist(), "weights": [w.tolist() for w in ws],
            "biases": [b.tolist() for b in bs], "activations": acts, "loss_name": loss_name, "lr": lr,
            "loss": loss.item(), "grad_weights": [_l(w.grad) for w in ws_t], "grad_biases": [_l(b.grad) for b in bs_t],
            "new_weights": [w.tolist() for w in new_ws], "new_biases": [b.tolist() for b in new_bs], "new_loss": new_loss,
        })
    cases["backprop_step"] = out

    # optimisers: three steps each with torch.optim, gradients set by hand
    opt_specs = [
        ("sgd", {"lr": 0.1}, lambda p: torch.optim.SGD(p, lr=0.1)),
        ("sgd", {"lr": 0.1, "weight_decay": 0.01}, lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.01)),
        ("momentum", {"lr": 0.1, "mu": 0.9, "formulation": "pytorch"}, lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
        ("momentum", {"lr": 0.1, "mu": 0.9, "formulation": "classical"}, lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
        ("nesterov", {"lr": 0.05, "mu": 0.8, "formulation": "pytorch"},
         lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True)),
        ("adagrad", {"lr": 0.1}, lambda p: torch.optim.Adagrad(p, lr=0.1)),
        ("rmsprop", {"lr": 0.01, "alpha": 0.9}, lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9)),
        ("adam", {"lr": 0.01}, lambda p: torch.optim.Adam(p, lr=0.01)),
        ("adam", {"lr": 0.001, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6},
         lambda p: torch.optim.Adam(p, lr=0.001, betas=(0.8, 0.99), eps=1e-6)),
    ]
    out = []
    for name, hyper, make in opt_specs:
        p0 = rng.normal(size=3)
        grads = rng.normal(size=(3, 3))
        pt = t(p0, True)
        opt = make([pt])
        params = []
        for g in grads:
            pt.grad = t(g)
            opt.step()
            params.append(_l(pt))
        out.append({"name": name, "hyper": hyper, "params0": p0.tolist(), "grads": grads.tolist(), "params": params})
    cases["optimizer"] = out
    return cases


def _close(got: Any, want: Any, what: str) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64),
                               rtol=TOL, atol=TOL, err_msg=what)


def check_case(kind: str, c: dict[str, Any]) -> None:
    """Run the engine on one reference case and compare every number at 1e-9."""
    import engine as e

    if kind == "activation":
        w = e.activation(c["name"], c["x"], **c["kw"])
        _close(w["value"], c["value"], "value")
        _close(w["derivative"], c["derivative"], "derivative")
    elif kind == "softmax":
        _close(e.softmax(c["logits"], c["temperature"])["probabilities"], c["probabilities"], "probabilities")
    elif kind == "loss":
        w = getattr(e, c["fn"])(c["a"], c["b"])
        _close(w["loss"], c["loss"], "loss")
        _close(w["gradient"], c["gradient"], "gradient")
    elif kind == "conv2d":
        w = e.conv2d(c["x"], c["kernel"], c["bias"], c["stride"], c["padding"])
        _close(w["output"], c["output"], "output")
        b = e.conv2d_backward(c["x"], c["kernel"], c["grad_output"], c["stride"], c["padding"])
        _close(b["grad_input"], c["grad_input"], "grad_input")
        _close(b["grad_kernel"], c["grad_kernel"], "grad_kernel")
        if c["grad_bias"] is not None:
            _close(b["grad_bias"], c["grad_bias"], "grad_bias")
    elif kind == "pool2d":
        _close(e.pool2d(c["x"], c["size"], c["stride"], c["mode"])["output"], c["output"], "output")
        b = e.pool2d_backward(c["x"], c["grad_output"], c["size"], c["stride"], c["mode"])
        _close(b["grad_input"], c["grad_input"], "grad_input")
    elif kind == "dense":
        _close(e.dense(c["x"], c["weights"], c["bias"])["z"], c["z"], "z")
        b = e.dense_backward(c["x"], c["weights"], c["grad_z"], c["bias"])
        for key in ("grad_input", "grad_weights", "grad_bias"):
            _close(b[key], c[key], key)
    elif kind == "batchnorm":
        _close(e.batchnorm(c["x"], c["gamma"], c["beta"])["y"], c["y"], "y")
        b = e.batchnorm_backward(c["x"], c["grad_output"], c["gamma"])
        for key in ("grad_input", "grad_gamma", "grad_beta"):
            _close(b[key], c[key], key)
    elif kind == "backprop_step":
        acts = [{"name": "leaky_relu", "slope": 0.01} if a == "leaky_relu" else a for a in c["activations"]]
        w = e.backprop_step(c["x"], c["target"], c["weights"], c["biases"], acts, c["loss_name"], c["lr"])
        _close(w["loss"], c["loss"], "loss")
        _close(w["new_loss"], c["new_loss"], "new_loss")
        for k in range(len(c["weights"])):
            _close(w["grad_weights"][k], c["grad_weights"][k], f"grad_weights[{k}]")
            _close(w["grad_biases"][k], c["grad_biases"][k], f"grad_biases[{k}]")
            _close(w["weights"][k], c["new_weights"][k], f"weights[{k}]")
            _close(w["biases"][k], c["new_biases"][k], f"biases[{k}]")
    elif kind == "optimizer":
        params, state = c["params0"], None
        for step_no, (g, want) in enumerate(zip(c["grads"], c["params"], strict=True), 1):
            w = e.optimizer_step(c["name"], params, g, state, **c["hyper"])
            params, state = w["params"], w["state"]
            _close(params, want, f"params after step {step_no}")
    else:  # pragma: no cover
        raise KeyError(kind)


def iter_cases(cases: dict[str, list[dict[str, Any]]]):
    """(id, kind, case) for every case, for pytest parametrisation."""
    for kind, items in cases.items():
        for i, c in enumerate(items):
            yield f"{kind}-{i}", kind, c


def main() -> None:
    """Write fixtures/torch_reference.json."""
    import torch

    cases = build_cases()
    doc = {"generator": "tests/engine/make_torch_fixture.py", "torch": torch.__version__, "dtype": "float64",
           "tolerance": TOL, "cases": cases}
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    n = sum(len(v) for v in cases.values())
    print(f"wrote {n} cases, {FIXTURE.stat().st_size / 1024:.0f} KB to {FIXTURE}", file=sys.stderr)


if __name__ == "__main__":
    main()
