"""Every backward pass agrees with central finite differences (float64)."""

from __future__ import annotations

import numpy as np
import pytest

import engine as e
from engine.activations import ACTIVATIONS

RNG = np.random.default_rng(1234)
TOL = dict(rtol=1e-6, atol=1e-8)


def rand(*shape):
    return RNG.normal(size=shape)


# ---------------------------------------------------------------- activations


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n != "step"])
def test_activation_derivative(name, numgrad):
    kw = {"leaky_relu": {"slope": 0.2}, "elu": {"alpha": 0.7}, "swish": {"beta": 1.5}, "linear": {"k": 3}}.get(name, {})
    x = RNG.uniform(-4, 4, size=12)
    x = x[np.abs(x) > 1e-3]  # keep off the kinks of relu-like functions
    got = np.array(e.activation(name, x, **kw)["derivative"])
    want = np.array([numgrad(lambda v: e.activation(name, v[0], **kw)["value"], np.array([xi]))[0] for xi in x])
    np.testing.assert_allclose(got, want, **TOL)


# ---------------------------------------------------------------- losses


def test_mse_gradient(numgrad):
    y, p = rand(3, 4), rand(3, 4)
    got = e.mse(y, p)["gradient"]
    np.testing.assert_allclose(got, numgrad(lambda v: e.mse(y, v)["loss"], p), **TOL)


def test_bce_gradient(numgrad):
    y = RNG.integers(0, 2, size=6).astype(float)
    p = RNG.uniform(0.05, 0.95, size=6)
    got = e.binary_cross_entropy(y, p)["gradient"]
    np.testing.assert_allclose(got, numgrad(lambda v: e.binary_cross_entropy(y, v)["loss"], p), **TOL)


def test_bce_logits_gradient(numgrad):
    y = RNG.uniform(0, 1, size=(2, 3))
    z = rand(2, 3) * 3
    got = e.binary_cross_entropy_with_logits(y, z)["gradient"]
    np.testing.assert_allclose(got, numgrad(lambda v: e.binary_cross_entropy_with_logits(y, v)["loss"], z), **TOL)


@pytest.mark.parametrize("target", [[0, 0, 1, 0], 2, [[0, 1, 0, 0], [1, 0, 0, 0]], [3, 1]])
def test_cce_gradients(target, numgrad):
    batch = np.ndim(target) == 2 or (np.ndim(target) == 1 and len(target) == 2)
    z = rand(2, 4) if batch else rand(4)
    got = e.categorical_cross_entropy_with_logits(target, z)["gradient"]
    np.testing.assert_allclose(got, numgrad(lambda v: e.categorical_cross_entropy_with_logits(target, v)["loss"], z), **TOL)
    p = np.array(e.softmax(z)["probabilities"]) if not batch else np.exp(z) / np.exp(z).sum(1, keepdims=True)
    got = e.categorical_cross_entropy(target, p)["gradient"]
    np.testing.assert_allclose(got, numgrad(lambda v: e.categorical_cross_entropy(target, v)["loss"], p), **TOL)


# ---------------------------------------------------------------- conv and pooling


def conv_loss(x, k, g, **kw):
    return float((np.array(e.conv2d(x, k, **kw)["output"]) * g).sum())


@pytest.mark.parametrize(
    ("xs", "ks", "kw"),
    [
        ((5, 5), (3, 3), {}),
        ((6, 7), (3, 2), {"stride": 2, "padding": 1}),
        ((2, 6, 6), (3, 2, 3, 3), {"stride": (2, 1), "padding": (1, 0)}),
        ((3, 7, 5), (3, 2, 2), {"padding": "same", "stride": 2}),
        ((1, 5, 5), (2, 1, 3, 3), {"padding": "valid"}),
    ],
)
def test_conv2d_backward(xs, ks, kw, numgrad):
    x, k = rand(*xs), rand(*ks)
    out = np.array(e.conv2d(x, k, bias=None, **kw)["output"])
    g = rand(*out.shape)
    back = e.conv2d_backward(x, k, g, **kw)
    np.testing.assert_allclose(back["grad_input"], numgrad(lambda v: conv_loss(v, k, g, **kw), x), **TOL)
    np.testing.assert_allclose(back["grad_kernel"], numgrad(lambda v: conv_loss(x, v, g, **kw), k), **TOL)
    cout = ks[0] if len(ks) == 4 else 1
    b0 = np.zeros(cout) if len(ks) == 4 else np.zeros(())
    gb = numgrad(lambda b: float((np.array(e.conv2d(x, k, bias=b, **kw)["output"]) * g).sum()), b0)
    np.testing.assert_allclose(back["grad_bias"], gb, **TOL)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize(("shape", "size", "stride"), [((4, 4), 2, None), ((7, 7), 3, 2), ((2, 6, 5), (2, 3), 1)])
def test_pool_backward(mode, shape, size, stride, numgrad):
    x = RNG.permutation(np.prod(shape)).reshape(shape) * 0.1  # distinct values: no ties in a window
    out = np.array(e.pool2d(x, size, stride, mode)["output"])
    g = rand(*out.shape)
    got = e.pool2d_backward(x, g, size, stride, mode)["grad_input"]
    want = numgrad(lambda v: float((np.array(e.pool2d(v, size, stride, mode)["output"]) * g).sum()), x, h=1e-4)
    np.testing.assert_allclose(got, want, **TOL)


# ---------------------------------------------------------------- dense, batch norm, MLP


@pytest.mark.parametrize("x_shape", [(3,), (4, 3)])
def test_dense_backward(x_shape, numgrad):
    x, w, b = rand(*x_shape), rand(2, 3), rand(2)
    g = rand(*(x_shape[:-1] + (2,)))

    def f(xv, wv, bv):
        return float((np.array(e.dense(xv, wv, bv)["z"]) * g).sum())

    back = e.dense_backward(x, w, g, b)
    np.testing.assert_allclose(back["grad_input"], numgrad(lambda v: f(v, w, b), x), **TOL)
    np.testing.assert_allclose(back["grad_weights"], numgrad(lambda v: f(x, v, b), w), **TOL)
    np.testing.assert_allclose(back["grad_bias"], numgrad(lambda v: f(x, w, v), b), **TOL)


@pytest.mark.parametrize("shape", [(5,), (4, 3)])
def test_batchnorm_backward(shape, numgrad):
    x = rand(*shape)
    d = 1 if len(shape) == 1 else shape[1]
    gamma, beta, g = rand(d) + 1.5, rand(d), rand(*shape)

    def f(xv, gv, bv):
        return float((np.array(e.batchnorm(xv, gv, bv)["y"]) * g).sum())

    back = e.batchnorm_backward(x, g, gamma)
    np.testing.assert_allclose(back["grad_input"], numgrad(lambda v: f(v, gamma, beta), x), **TOL)
    np.testing.assert_allclose(back["grad_gamma"], numgrad(lambda v: f(x, v, beta), gamma), **TOL)
    np.testing.assert_allclose(back["grad_beta"], numgrad(lambda v: f(x, gamma, v), beta), **TOL)


CASES = [
    ("mse", ["tanh", "linear"], [0.3, -0.2]),
    ("half_sse", "sigmoid", [0.01, 0.99]),
    ("bce", ["relu", {"name": "leaky_relu", "slope": 0.1}, "sigmoid"], [1.0, 0.0]),
    ("bce", ["elu", "swish", "sigmoid"], [0.2, 0.7]),  # soft targets
    ("cce", ["tanh", "softmax"], [0.0, 1.0]),
    ("cce", ["sigmoid", "softmax"], 1),
]


@pytest.mark.parametrize(("loss", "acts", "target"), CASES)
@pytest.mark.parametrize("batch", [False, True])
def test_backprop_matches_finite_differences(loss, acts, target, batch, numgrad):
    n_layers = len(acts) if isinstance(acts, list) else 2
    sizes = [3, 4, 3, 2][: n_layers] + [2]
    sizes = [3] + sizes[1:n_layers] + [2]
    ws = [rand(sizes[i + 1], sizes[i]) for i in range(n_layers)]
    bs = [rand(sizes[i + 1]) for i in range(n_layers)]
    x = rand(4, 3) if batch else rand(3)
    t = [target] * 4 if batch and not isinstance(target, int) else ([target] * 4 if batch else target)
    w = e.backprop_step(x, t, ws, bs, acts, loss=loss, lr=0.1)
    for k in range(n_layers):
        def f_w(v, k=k):
            ws2 = [*ws[:k], v, *ws[k + 1:]]
            return e.backprop_step(x, t, ws2, bs, acts, loss=loss, lr=0.0)["loss"]

        def f_b(v, k=k):
            bs2 = [*bs[:k], v, *bs[k + 1:]]
            return e.backprop_step(x, t, ws, bs2, acts, loss=loss, lr=0.0)["loss"]

        np.testing.assert_allclose(w["grad_weights"][k], numgrad(f_w, ws[k]), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(w["grad_biases"][k], numgrad(f_b, bs[k]), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(w["weights"][k], ws[k] - 0.1 * np.array(w["grad_weights"][k]), atol=1e-15)


def test_backprop_mattmazur_gradients_to_1e9(numgrad):
    ws = [np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([[0.40, 0.45]])]
    bs = [np.array([0.35, 0.35]), np.array([0.60])]
    x, t = [0.05, 0.10], [0.01]
    w = e.backprop_step(x, t, ws, bs, "sigmoid", loss="half_sse", lr=0.5)
    for k in range(2):
        num = numgrad(lambda v, k=k: e.backprop_step(x, t, [*ws[:k], v, *ws[k + 1:]], bs, "sigmoid",
                                                     loss="half_sse", lr=0)["loss"], ws[k])
        assert np.abs(np.array(w["grad_weights"][k]) - num).max() < 1e-9
