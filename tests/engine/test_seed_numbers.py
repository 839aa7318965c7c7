"""The seeds' own numbers (seed-inventory sections 3 and 4), recomputed by the engine."""

from __future__ import annotations

import numpy as np
import pytest

import engine as e


def r(values, dp):
    return np.round(np.asarray(values, dtype=float), dp).tolist()


# ---------------------------------------------------------------- softmax (section 3 #1-4, C01)


def test_softmax_seed_vector():
    p = e.softmax([1, 2, 3, 4, 1, 2, 3])["probabilities"]
    assert r(p, 3) == [0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175]
    assert r(p, 4) == [0.0236, 0.0643, 0.1747, 0.4748, 0.0236, 0.0643, 0.1747]
    assert sum(p) == pytest.approx(1.0, abs=1e-15)


def test_softmax_small_logits_and_scale_vs_shift():
    z = [0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3]
    assert r(e.softmax(z)["probabilities"], 3) == [0.125, 0.138, 0.153, 0.169, 0.125, 0.138, 0.153]
    base = e.softmax([1, 2, 3, 4, 1, 2, 3])["probabilities"]
    scaled = e.softmax((10 * np.array(z)).tolist())["probabilities"]
    shifted = e.softmax([11, 12, 13, 14, 11, 12, 13])["probabilities"]
    np.testing.assert_allclose(scaled, base, atol=1e-15)
    np.testing.assert_allclose(shifted, base, atol=1e-15)
    # temperature T divides the logits: T = 0.1 on z equals the x10 version
    np.testing.assert_allclose(e.softmax(z, temperature=0.1)["probabilities"], base, atol=1e-12)


def test_softmax_three_classes_and_argmax():
    w = e.softmax([2, 1, 0.1])
    assert r(w["probabilities"], 3) == [0.659, 0.242, 0.099]
    assert w["argmax"] == 0


def test_softmax_huge_logits_do_not_overflow():
    p = e.softmax([1000.0, 1001.0, -1e300])["probabilities"]
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p, [1 / (1 + np.e), np.e / (1 + np.e), 0.0], atol=1e-15)


# ---------------------------------------------------------------- activations (section 3 #10-12, C02, C03)


@pytest.mark.parametrize(
    ("name", "x", "kw", "value", "deriv"),
    [
        ("sigmoid", 2, {}, 0.8808, 0.1050),
        ("sigmoid", -2, {}, 0.1192, 0.1050),
        ("sigmoid", 0, {}, 0.5, 0.25),
        ("tanh", -2, {}, -0.9640, 0.0707),
        ("tanh", 0, {}, 0.0, 1.0),
        ("leaky_relu", -2, {"slope": 0.01}, -0.02, 0.01),
        ("leaky_relu", -10, {"slope": 0.01}, -0.1, 0.01),
        ("leaky_relu", 0.5, {"slope": 0.01}, 0.5, 1.0),
        ("relu", 0, {}, 0.0, 0.0),
        ("relu", 2, {}, 2.0, 1.0),
        ("swish", 1, {}, 0.7311, 0.9277),
        ("swish", -1, {}, -0.2689, 0.0723),
        ("linear", 47, {"k": 3}, 141.0, 3.0),
    ],
)
def test_activation_values(name, x, kw, value, deriv):
    w = e.activation(name, x, **kw)
    assert w["value"] == pytest.approx(value, abs=5e-5)
    assert w["derivative"] == pytest.approx(deriv, abs=5e-5)


def test_swish_table_and_both_derivative_identities():
    xs = [-5, -2, -1, -0.5, 0, 0.5, 1, 2, 5]
    w = e.activation("swish", xs)
    assert r(w["value"], 4) == [-0.0335, -0.2384, -0.2689, -0.1888, 0.0, 0.3112, 0.7311, 1.7616, 4.9665]
    assert r(w["derivative"], 4) == [-0.0265, -0.0908, 0.0723, 0.26, 0.5, 0.74, 0.9277, 1.0908, 1.0265]
    via_f = w.steps[-1]["outputs"]["derivative"]
    np.testing.assert_allclose(via_f, w["derivative"], atol=1e-15)
    # minimum of swish at x = -1.2785: f = -0.2785, f' ~ 0
    m = e.activation("swish", -1.2784645)
    assert m["value"] == pytest.approx(-0.2785, abs=5e-5)
    assert m["derivative"] == pytest.approx(0.0, abs=1e-6)


def test_vanishing_sigmoid_factor():
    assert 0.25**10 == pytest.approx(e.activation("sigmoid", 0)["derivative"] ** 10)


# ---------------------------------------------------------------- conv arithmetic (section 3 #5, C04, C05, C08-C10)


@pytest.mark.parametrize(("i", "f", "p", "s", "out"), [(12, 3, 0, 1, 10), (224, 7, 3, 2, 112), (32, 5, 0, 1, 28)])
def test_conv_output_size(i, f, p, s, out):
    assert e.conv_output_size(i, f, p, s)["output_size"] == out


def test_conv_output_size_inexact_division_is_flagged():
    w = e.conv_output_size(7, 2, 0, 2)
    assert w["output_size"] == 3 and w["exact"] is False and "not a whole number" in w["note"]


def test_conv_output_shape_with_filters():
    assert e.conv_output_size(12, 3, 0, 1, filters=8)["output_shape"] == [10, 10, 8]


@pytest.mark.parametrize(
    ("i", "f", "s", "valid", "same", "before", "after"),
    [(12, 3, 1, 10, 12, 1, 1), (12, 3, 2, 5, 6, 0, 1), (7, 3, 2, 3, 4, 1, 1)],
)
def test_tf_same_and_valid(i, f, s, valid, same, before, after):
    assert e.conv_output_size(i, f, "valid", s)["output_size"] == valid
    w = e.conv_output_size(i, f, "same", s)
    assert (w["output_size"], w["pad_before"], w["pad_after"]) == (same, before, after)
    assert e.same_padding(i, f, s) == (same, before, after)


def test_conv2d_seed_edge_detector():
    x = [[1, 2, 0, 1, 3], [0, 1, 2, 3, 1], [1, 0, 1, 2, 2], [2, 1, 0, 1, 0], [0, 2, 1, 0, 1]]
    k = [[1, 0, -1]] * 3
    assert e.conv2d(x, k)["output"] == [[-1, -3, -3], [0, -4, 0], [1, 0, -1]]


def test_conv1d_shared_weights_cs231n():
    x, w = [0, 1, 2, -1, 1, -3, 0], [1, 0, -1]
    s2 = e.conv1d(x, w, stride=2)
    assert s2["output"] == [-2, 1, 1]
    assert (s2["shared_weights"], s2["dense_weights"]) == (3, 21)
    assert e.conv1d(x, w, stride=1)["output"] == [-2, 2, 1, 2, 1]
    # same thing as the zero-padded [1, 2, -1, 1, -3] with padding 1
    assert e.conv1d([1, 2, -1, 1, -3], w, stride=2, padding=1)["output"] == [-2, 1, 1]


@pytest.mark.parametrize(
    ("h", "c", "k", "f", "conv", "dense"),
    [(224, 3, 64, 3, 1_792, 9_633_856), (32, 3, 32, 5, 2_432, 98_336)],
)
def test_conv_vs_dense_params(h, c, k, f, conv, dense):
    w = e.conv_vs_dense_params(h, h, c, k, f)
    assert (w["conv_params"], w["dense_params"]) == (conv, dense)


def test_flatten_and_dense_params():
    assert e.flatten([7, 7, 64])["length"] == 3_136
    w = e.flatten([7, 7, 512], units=4096)
    assert (w["length"], w["dense_params"]) == (25_088, 102_764_544)


# ---------------------------------------------------------------- pooling (C06)


def test_max_pool_seed():
    x = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]
    assert e.pool2d(x, 2, 2, "max")["output"] == [[6, 8], [3, 4]]


def test_max_pool_seeded_7x7_overlapping():
    x = [[0, 7, 6, 4, 4, 8, 0], [6, 2, 0, 5, 9, 7, 7], [7, 7, 5, 1, 8, 4, 5], [3, 1, 9, 7, 6, 4, 8],
         [5, 4, 4, 2, 0, 5, 8], [0, 8, 8, 2, 6, 1, 7], [7, 3, 0, 9, 4, 8, 6]]
    assert e.pool2d(x, 3, 2, "max")["output"] == [[7, 9, 9], [9, 9, 8], [8, 9, 8]]


# ---------------------------------------------------------------- perceptron (section 3 #6, C11, C12, C16)


def test_and_gate_bias_minus_1_5():
    w = e.gate_truth_table("AND", [1, 1], -1.5)
    assert w["z"] == [-1.5, -0.5, -0.5, 0.5] and w["y"] == [0, 0, 0, 1] and w["implements"]
    assert e.gate_truth_table("AND", [1, 1], -1.5, fire_at_zero=True)["implements"]


@pytest.mark.parametrize(
    ("gate", "weights", "bias", "ys", "ok"),
    [("OR", [1, 1], -0.5, [0, 1, 1, 1], True), ("NAND", [-1, -1], 1.5, [1, 1, 1, 0], True),
     ("AND", [2, 2], 1.5, [1, 1, 1, 1], False), ("NOR", [-1, -1], 0.5, [1, 0, 0, 0], True)],
)
def test_gate_tables(gate, weights, bias, ys, ok):
    w = e.gate_truth_table(gate, weights, bias)
    assert w["y"] == ys and w["implements"] is ok


@pytest.mark.parametrize(
    ("gate", "epoch", "weights", "bias"),
    [("AND", 6, [2, 1], -3), ("OR", 4, [1, 1], -1), ("NAND", 6, [-2, -1], 2)],
)
def test_perceptron_training_inventory_trace(gate, epoch, weights, bias):
    # the inventory's C12 numbers use the z >= 0 threshold
    w = e.train_perceptron(gate, lr=1, fire_at_zero=True)
    assert (w["converged"], w["epoch"], w["weights"], w["bias"]) == (True, epoch, weights, bias)


@pytest.mark.parametrize(
    ("gate", "epoch", "weights", "bias"),
    [("AND", 6, [2, 1], -2), ("OR", 4, [1, 1], 0), ("NAND", 6, [-2, -1], 3)],
)
def test_perceptron_training_strict_threshold(gate, epoch, weights, bias):
    w = e.train_perceptron(gate, lr=1)
    assert (w["converged"], w["epoch"], w["weights"], w["bias"]) == (True, epoch, weights, bias)
    # the learned weights really implement the gate under the same convention
    assert e.gate_truth_table(gate, w["weights"], w["bias"])["implements"]


@pytest.mark.parametrize("fire_at_zero", [False, True])
def test_xor_does_not_converge(fire_at_zero):
    w = e.train_perceptron("XOR", lr=1, max_epochs=20, fire_at_zero=fire_at_zero)
    assert w["converged"] is False and w["epoch"] is None
    assert w["errors_per_epoch"][-1] == 4 and len(w["history"]) == 80
    assert "not linearly separable" in w["verdict"]


def test_xor_two_layer():
    w = e.two_layer_truth_table([[1, 1], [-1, -1]], [-0.5, 1.5], [1, 1], -1.5, gate="XOR")
    assert w["y"] == [0, 1, 1, 0] and w["implements"]


def test_linear_neuron_k3():
    assert e.neuron([4, 5, 6], [2, 3, 4], activation="linear", k=3)["output"] == 141
    s = e.neuron([1, 2], [0.5, -0.25], bias=0.1, activation="sigmoid")
    assert s["output"] == pytest.approx(0.5250, abs=5e-5)


# ---------------------------------------------------------------- MLP (C14, C15)

NET = {
    "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45]]],
    "biases": [0.35, 0.60],
}


def test_mlp_forward_mattmazur():
    w = e.mlp_forward([0.05, 0.10], NET["weights"], NET["biases"], "sigmoid")
    assert r(w["layers"][0]["a"], 4) == [0.5933, 0.5969]
    assert w["output"][0] == pytest.approx(0.7514, abs=5e-5)


def test_backprop_step_mattmazur():
    w = e.backprop_step([0.05, 0.10], [0.01], NET["weights"], NET["biases"], "sigmoid", loss="half_sse", lr=0.5)
    assert w["loss"] == pytest.approx(0.274811, abs=5e-7)
    assert w["deltas"][1][0] == pytest.approx(0.138499, abs=5e-7)
    assert r(w["grad_weights"][1], 6) == [[0.082167, 0.082668]]
    assert r(w["deltas"][0], 6) == [0.013368, 0.014996]
    assert r(w["grad_weights"][0], 6) == [[0.000668, 0.001337], [0.00075, 0.0015]]
    assert r(w["weights"][1], 6) == [[0.358916, 0.408666]]
    assert w["biases"][1][0] == pytest.approx(0.530751, abs=5e-7)
    assert r(w["weights"][0], 6) == [[0.149666, 0.199332], [0.249625, 0.29925]]
    assert r(w["biases"][0], 6) == [0.343316, 0.342502]
    assert w["new_loss"] == pytest.approx(0.258015, abs=5e-7)


# ---------------------------------------------------------------- optimisers (section 3 #23, #26, C17-C20, C28)


def test_sgd_seed_update_and_weight_decay():
    assert e.sgd(0.5, 0.2, lr=0.05)["params"] == pytest.approx(0.49)
    assert e.sgd(0.5, 0.1, lr=0.1, weight_decay=0.01)["params"] == pytest.approx(0.4895)


def test_momentum_and_nesterov_on_x_squared():
    def grad(x):
        return 2 * x

    state, mom = None, []
    x = 1.0
    for _ in range(2):
        w = e.momentum(x, grad(x), lr=0.1, mu=0.9, state=state)
        state, x = w["state"], w["params"]
        mom.append((state["velocity"], x))
    np.testing.assert_allclose(mom, [(-0.2, 0.8), (-0.34, 0.46)], atol=1e-12)
    state, nes = None, []
    x = 1.0
    for _ in range(2):
        w = e.nesterov(x, grad, lr=0.1, mu=0.9, state=state)
        state, x = w["state"], w["params"]
        nes.append((state["velocity"], x))
    np.testing.assert_allclose(nes, [(-0.2, 0.8), (-0.304, 0.496)], atol=1e-12)
    q = e.quadratic_descent(1, 0, 1, 0.1, steps=2, method="nesterov", mu=0.9)
    np.testing.assert_allclose(q["iterates"], [0.8, 0.496], atol=1e-12)


def test_adam_first_step():
    w = e.adam([1, -2], [0.5, -0.1], lr=1e-3)
    np.testing.assert_allclose(w["state"]["m"], [0.05, -0.01], atol=1e-15)
    np.testing.assert_allclose(w["state"]["v"], [2.5e-4, 1e-5], atol=1e-15)
    np.testing.assert_allclose(w["m_hat"], [0.5, -0.1], atol=1e-12)
    np.testing.assert_allclose(w["v_hat"], [0.25, 0.01], atol=1e-12)
    np.testing.assert_allclose(w["params"], [0.999, -1.999], atol=1e-10)
    assert w["state"]["t"] == 1


@pytest.mark.parametrize(
    ("lr", "iterates", "regime"),
    [(0.1, [0.6, 1.08, 1.464, 1.7712, 2.01696], "monotone"),
     (0.5, [3, 3, 3, 3, 3], "one_step"),
     (0.9, [5.4, 1.08, 4.536, 1.7712, 3.98304], "oscillating"),
     (1.1, [6.6, -1.32, 8.184, -3.2208, 10.46496], "diverging")],
)
def test_gd_on_quadratic(lr, iterates, regime):
    w = e.quadratic_descent(1, 3, 0, lr, steps=5)
    np.testing.assert_allclose(w["iterates"], iterates, atol=1e-9)
    assert w["regime"] == regime


# ---------------------------------------------------------------- losses (C22)


def test_loss_values():
    assert e.mse([3, -0.5, 2, 7], [2.5, 0, 2, 8])["loss"] == pytest.approx(0.375)
    assert e.binary_cross_entropy([1, 0, 1, 1], [0.9, 0.2, 0.6, 0.4])["loss"] == pytest.approx(0.4389, abs=5e-5)
    assert e.binary_cross_entropy(1, 0.9)["loss"] == pytest.approx(0.1054, abs=5e-5)
    assert e.categorical_cross_entropy_with_logits(0, [2, 1, 0.1])["loss"] == pytest.approx(0.4170, abs=5e-5)
    assert e.categorical_cross_entropy_with_logits(2, [2, 1, 0.1])["loss"] == pytest.approx(2.3170, abs=5e-5)
    p = e.softmax([2, 1, 0.1])["probabilities"]
    assert e.categorical_cross_entropy([1, 0, 0], p)["loss"] == pytest.approx(0.4170, abs=5e-5)


# ---------------------------------------------------------------- batch norm, dropout (C23, C24, section 3 #13)


def test_batchnorm_seed():
    w = e.batchnorm([[1, 10], [2, 20], [3, 30], [6, 60]], gamma=[2, 1], beta=[0.5, 0])
    assert w["mean"] == [3, 30] and w["var"] == [3.5, 350]
    assert r(np.array(w["x_hat"])[:, 0], 3) == [-1.069, -0.535, 0.0, 1.604]
    assert r(np.array(w["y"])[:, 0], 3) == [-1.638, -0.569, 0.5, 3.707]
    assert w["output_mean"][0] == pytest.approx(0.5)
    assert w["output_std"][0] == pytest.approx(2.0, abs=1e-5)


def test_dropout_seed_mask():
    w = e.dropout([1, 2, 3, 4, 5], 0.2, mask=[1, 0, 1, 1, 1])
    np.testing.assert_allclose(w["output"], [1.25, 0, 3.75, 5, 6.25], atol=1e-15)
    assert w["scale"] == pytest.approx(1.25) and w["keep_prob"] == pytest.approx(0.8)
    assert w["expected_dropped"] == pytest.approx(1.0) and w["inference_output"] == [1, 2, 3, 4, 5]


def test_dropout_seeded_mask_is_reproducible_and_unbiased():
    a, b = e.dropout([1.0] * 50, 0.5, seed=7), e.dropout([1.0] * 50, 0.5, seed=7)
    assert a["mask"] == b["mask"]
    big = e.dropout(np.ones(10_000), 0.2, seed=1)
    assert np.mean(big["mask"]) == pytest.approx(0.8, abs=0.02)


# ---------------------------------------------------------------- schedules and iterations (section 3 #9, #21, C21, C25)


def test_step_schedules():
    w = e.lr_schedule("step", 0.1, [0, 5, 10, 15, 20], gamma=0.5, step_size=5)
    np.testing.assert_allclose(w["lr"], [0.1, 0.05, 0.025, 0.0125, 0.00625])
    w = e.lr_schedule("step", 0.1, [0, 20, 40, 60], gamma=0.1, step_size=20)
    np.testing.assert_allclose(w["lr"], [0.1, 0.01, 0.001, 0.0001])


def test_exp_and_inverse_time():
    assert r(e.lr_schedule("exponential", 0.1, [0, 1, 5, 10], k=0.1)["lr"], 5) == [0.1, 0.09048, 0.06065, 0.03679]
    assert r(e.lr_schedule("1/t", 0.1, [0, 1, 5, 10], k=0.1)["lr"], 5) == [0.1, 0.09091, 0.06667, 0.05]


def test_first_below():
    assert e.first_below("step", 0.1, 1e-3, gamma=0.5, step_size=5)["t"] == 35
    t = e.first_below("exponential", 0.1, 0.01, k=0.1)["t"]
    assert 0.1 * np.exp(-0.1 * t) < 0.01 <= 0.1 * np.exp(-0.1 * (t - 1))
    t = e.first_below("inverse_time", 0.1, 0.05, k=0.1)["t"]
    assert t == 11  # 1/(1 + 0.1 t) < 0.5 needs t > 10


@pytest.mark.parametrize(
    ("n", "b", "epochs", "drop_last", "iters", "last", "total"),
    [(10_000, 200, 10, False, 50, 200, 500), (10_000, 300, 1, False, 34, 100, 34),
     (10_000, 300, 1, True, 33, 300, 33), (50_000, 128, 1, False, 391, 80, 391),
     (60_000, 32, 1, False, 1_875, 32, 1_875)],
)
def test_iterations_per_epoch(n, b, epochs, drop_last, iters, last, total):
    w = e.iterations_per_epoch(n, b, epochs, drop_last)
    assert (w["iterations"], w["last_batch_size"], w["total_updates"]) == (iters, last, total)
