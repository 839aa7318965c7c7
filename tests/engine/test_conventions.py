"""Conventions the question bank states, and behaviour not covered by the seed numbers."""

from __future__ import annotations

import numpy as np
import pytest

import engine as e


def test_engine_error_is_a_value_error_naming_the_parameter():
    err = e.EngineError("stride", "must be >= 1, got 0")
    assert isinstance(err, ValueError) and str(err) == "stride: must be >= 1, got 0" and err.param == "stride"


@pytest.mark.parametrize(("fire_at_zero", "at_zero"), [(False, 0.0), (True, 1.0)])
def test_step_threshold_convention(fire_at_zero, at_zero):
    w = e.activation("step", [-1, 0, 1], fire_at_zero=fire_at_zero)
    assert w["value"] == [0.0, at_zero, 1.0] and w["derivative"] == [0.0, 0.0, 0.0]
    assert ("z >= 0" if fire_at_zero else "z > 0") in w.steps[0]["note"]


def test_derivatives_at_the_kink():
    assert e.activation("relu", 0)["derivative"] == 0.0
    assert e.activation("leaky_relu", 0, slope=0.2)["derivative"] == 0.2
    assert e.activation("elu", 0, alpha=0.5)["derivative"] == 0.5


def test_activation_aliases():
    assert e.activation("identity", 2.0)["name"] == "linear"
    assert e.activation("SiLU", 1.0)["value"] == pytest.approx(0.7310585786300049)


def test_dilation_and_same_with_dilation():
    assert e.conv_output_size(7, 3, 0, 1, dilation=2)["output_size"] == 3
    w = e.conv_output_size(10, 3, "same", 1, dilation=2)
    assert (w["output_size"], w["pad_before"], w["pad_after"]) == (10, 2, 2)


def test_conv2d_same_matches_output_size_formula():
    x = np.arange(7 * 9, dtype=float).reshape(7, 9)
    w = e.conv2d(x, np.ones((3, 2)), stride=2, padding="same")
    assert w["output_shape"] == [e.conv_output_size(7, 3, "same", 2)["output_size"],
                                 e.conv_output_size(9, 2, "same", 2)["output_size"]]


def test_conv_vs_dense_macs():
    w = e.conv_vs_dense_params(32, 32, 3, 16, 3, units=10, padding=1)
    assert w["conv_output_shape"] == [32, 32, 16]
    assert w["conv_macs"] == 32 * 32 * 16 * 9 * 3
    assert w["dense_macs"] == 32 * 32 * 3 * 10 and w["dense_params"] == 10 * (3072 + 1)


def test_momentum_formulations_give_the_same_parameters():
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(4, 3))
    a = b = [1.0, -2.0, 0.5]
    sa = sb = None
    for g in grads:
        wa = e.momentum(a, g, lr=0.1, mu=0.9, state=sa)
        wb = e.momentum(b, g, lr=0.1, mu=0.9, state=sb, formulation="pytorch")
        a, sa, b, sb = wa["params"], wa["state"], wb["params"], wb["state"]
        np.testing.assert_allclose(a, b, atol=1e-14)
        np.testing.assert_allclose(sa["velocity"], -0.1 * np.array(sb["buffer"]), atol=1e-14)


def test_classical_nesterov_with_a_given_lookahead_gradient():
    # first step: v = 0, so the look-ahead point is x itself
    w = e.nesterov(1.0, 2.0, lr=0.1, mu=0.9)
    assert w["params"] == pytest.approx(0.8) and w["lookahead"] == 1.0


def test_schedule_aliases_and_lists():
    assert e.lr_schedule("exp", 1.0, 0)["lr"] == 1.0
    assert e.lr_schedule("1/t", 1.0, [0, 1], k=1.0)["lr"] == [1.0, 0.5]


def test_drop_last_counts_dropped_samples():
    w = e.iterations_per_epoch(10_000, 300, drop_last=True)
    assert (w["iterations"], w["dropped"], w["last_batch_size"]) == (33, 100, 300)


def test_train_perceptron_on_custom_data():
    x = [[0, 0, 1], [1, 1, 0], [1, 0, 0], [0, 1, 1]]
    d = [0, 1, 1, 0]
    w = e.train_perceptron(inputs=x, targets=d, lr=0.5, max_epochs=50)
    assert w["converged"]
    z = np.array(x) @ np.array(w["weights"]) + w["bias"]
    assert ((z > 0).astype(int) == d).all()
    assert all(len(row["delta_w"]) == 3 for row in w["history"])


def test_gate_table_without_gate_and_two_layer_not_xor():
    w = e.gate_truth_table(None, [1, 1], -0.5)
    assert w["y"] == [0, 1, 1, 1] and "implements" not in w.result
    assert not e.two_layer_truth_table([[1, 1], [1, 1]], [-0.5, -0.5], [1, 1], -1.5)["implements"]


def test_dense_and_mlp_batches():
    w = e.dense([[1, 2], [3, 4], [5, 6]], [[1, 0], [0, 1], [1, 1]], [0, 0, -10], "relu")
    assert w["output"] == [[1, 2, 0], [3, 4, 0], [5, 6, 1]]
    f = e.mlp_forward([[1, 2], [3, 4]], [[[1, 0], [0, 1]], [[1, 1]]], None, ["relu", "linear"])
    assert f["output"] == [[3.0], [7.0]]


def test_backprop_integer_label_equals_one_hot():
    ws = [[[0.1, -0.2], [0.3, 0.4]], [[0.5, -0.6], [0.7, 0.8], [-0.1, 0.2]]]
    a = e.backprop_step([1.0, 2.0], 2, ws, None, ["tanh", "softmax"], loss="cce", lr=0.1)
    b = e.backprop_step([1.0, 2.0], [0, 0, 1], ws, None, ["tanh", "softmax"], loss="cce", lr=0.1)
    assert a["loss"] == b["loss"] and a["grad_weights"] == b["grad_weights"]
    assert a["new_loss"] < a["loss"]


def test_cce_soft_targets_with_logits():
    w = e.categorical_cross_entropy_with_logits([0.2, 0.8], [1.0, 2.0])
    p = np.exp([1.0, 2.0]) / np.exp([1.0, 2.0]).sum()
    assert w["loss"] == pytest.approx(-(0.2 * np.log(p[0]) + 0.8 * np.log(p[1])))
    np.testing.assert_allclose(w["gradient"], p - [0.2, 0.8], atol=1e-15)


def test_probability_clipping_keeps_losses_finite():
    w = e.binary_cross_entropy([1, 0], [0.0, 1.0])
    assert np.isfinite(w["loss"]) and w["loss"] == pytest.approx(-np.log(1e-12), rel=1e-5)
    assert "clipped" in w.steps[0]["note"]


def test_dropout_with_seed_none_still_works():
    w = e.dropout([1.0, 2.0, 3.0], 0.5, seed=None)
    assert set(w["mask"]) <= {0.0, 1.0}


def test_large_images_stay_within_limits_and_are_fast_enough():
    x = np.random.default_rng(0).normal(size=(16, 64, 64))
    w = e.conv2d(x, np.ones((4, 16, 3, 3)), padding=1)
    assert w["output_shape"] == [4, 64, 64]
    assert w.steps[-1]["outputs"]["output"] == {"shape": [4, 64, 64]}  # big arrays appear by shape in traces
