"""engine.arithmetic and engine.rnn (written with the generators): seed numbers, traces, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from engine import EngineError, Worked, arithmetic, rnn

CALLS = {
    "init_scale": lambda: arithmetic.init_scale(256, 128, "xavier_uniform"),
    "gradient_factor": lambda: arithmetic.gradient_factor(10, "sigmoid", 1.0),
    "update_ratio": lambda: arithmetic.update_ratio([[1.0, 0.0], [0.0, 1.0]], [[0.1, 0], [0, 0.1]], 0.01),
    "l2_weight_decay": lambda: arithmetic.l2_weight_decay([0.5], [0.1], 0.1, 0.01),
    "matmul_shape": lambda: arithmetic.matmul_shape([2, 3], [3, 2]),
    "matmul_shape:clash": lambda: arithmetic.matmul_shape([2, 3], [2, 2]),
    "transfer_head": lambda: arithmetic.transfer_head(4096, 2, 1000, 134_260_544),
    "receptive_field": lambda: arithmetic.receptive_field(3, 3),
    "bootstrap_coverage": lambda: arithmetic.bootstrap_coverage(10),
    "chain_rule": lambda: arithmetic.chain_rule(-2, 5, -4),
    "feature_normalization": lambda: arithmetic.feature_normalization([2, 4, 6, 8], [10]),
    "one_hot": lambda: arithmetic.one_hot(2, 4),
    "argmax_class": lambda: arithmetic.argmax_class([0.659, 0.242, 0.099]),
    "tf1_constant_op": lambda: arithmetic.tf1_constant_op(2, 3, "add"),
    "tf1_counter": lambda: arithmetic.tf1_counter(0, 2),
    "tf1_placeholder": lambda: arithmetic.tf1_placeholder(2, 3.5),
    "rnn_params": lambda: rnn.rnn_params(10, 20, "lstm"),
    "rnn_forward": lambda: rnn.rnn_forward([1, 0, -1], 0.5, 0.8),
    "rnn_forward:vector": lambda: rnn.rnn_forward([[1, 0], [0, 1]], [[0.5, 0.1], [0.2, -0.3]],
                                                  [[0.1, 0], [0, 0.1]], [0, 0]),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_worked_is_plain_json(name):
    w = CALLS[name]()
    assert isinstance(w, Worked)
    json.dumps(w.as_dict())
    assert w.steps and all(set(s) == {"title", "formula", "inputs", "outputs", "note"} for s in w.steps)


def test_seed_numbers():
    assert arithmetic.init_scale(256, 128, "xavier_uniform")["value"] == pytest.approx(0.125)
    assert arithmetic.init_scale(256, 128, "xavier_normal")["value"] == pytest.approx(0.0722, abs=1e-4)
    assert arithmetic.init_scale(256, 128, "he_normal")["value"] == pytest.approx(0.0884, abs=1e-4)
    assert arithmetic.gradient_factor(2, "sigmoid", 1)["factor"] == pytest.approx(0.0625)
    assert arithmetic.gradient_factor(4, "sigmoid", 4)["verdict"] == "stays bounded"
    assert arithmetic.l2_weight_decay([0.5], [0.1], 0.1, 0.01)["w_new"] == pytest.approx([0.4895])
    assert arithmetic.matmul_shape([2, 3], [2, 2])["inner"] == [3, 2]
    assert arithmetic.matmul_shape([2, 3], [2, 2])["valid"] is False
    assert arithmetic.matmul_shape([3, 2], [2, 2])["shape"] == [3, 2]  # (2,3)^T @ (2,2)
    assert arithmetic.matmul_shape([5, 2, 3], [3, 4])["shape"] == [5, 2, 4]
    head = arithmetic.transfer_head(4096, 2, 1000, 138_357_544 - 4_097_000)
    assert head["head_params"] == 8194 and head["old_head_params"] == 4_097_000
    assert head["total_params"] == 134_268_738
    assert head["trainable_fraction"] == pytest.approx(6.1e-5, rel=1e-2)
    assert arithmetic.receptive_field(2, 3).result == {"rf": 5, "stacked_weights": 18, "single_weights": 25}
    assert arithmetic.receptive_field(3, 3)["rf"] == 7
    assert arithmetic.receptive_field(2, 3, [2, 1])["rf"] == 7  # the stride doubles the second step
    for n, p in [(10, 0.6513), (100, 0.6340), (1000, 0.6323)]:
        assert arithmetic.bootstrap_coverage(n)["probability"] == pytest.approx(p, abs=1e-4)
    assert arithmetic.bootstrap_coverage(10)["limit"] == pytest.approx(1 - math.exp(-1))
    cr = arithmetic.chain_rule(-2, 5, -4)
    assert cr["f"] == -12 and cr["grads"] == [-4, -4, 3]
    fn = arithmetic.feature_normalization([2, 4, 6, 8], [10])
    assert fn["std"] == pytest.approx(2.236, abs=1e-3) and fn["test"] == pytest.approx([2.236], abs=1e-3)
    assert arithmetic.feature_normalization([2, 4, 6, 8], [10], ddof=1)["std"] == pytest.approx(2.582, abs=1e-3)
    mm = arithmetic.feature_normalization([2, 4, 6, 8], [10], "minmax")
    assert mm["train"] == pytest.approx([0, 1 / 3, 2 / 3, 1]) and mm["test"] == pytest.approx([4 / 3])
    assert arithmetic.one_hot(2, 4)["one_hot"] == [0, 0, 1, 0]
    assert arithmetic.argmax_class([0.659, 0.242, 0.099])["class"] == 0
    assert arithmetic.tf1_constant_op(2, 3, "add")["output"] == [5]
    assert arithmetic.tf1_counter(0, 2)["printed"] == [0, 1, 2]
    assert arithmetic.tf1_placeholder(2, 3.5)["output"] == 7.0
    assert arithmetic.update_ratio([[1.0]], [[0.01]], 0.1)["ratio"] == pytest.approx(1e-3)


def test_update_ratio_of_a_random_layer_is_too_high():
    rng = np.random.default_rng(0)
    W, G = rng.normal(0, 0.01, (100, 100)), rng.normal(0, 0.01, (100, 100))
    w = arithmetic.update_ratio(W, G, 0.1)
    assert w["ratio"] == pytest.approx(0.1, rel=0.05) and w["verdict"] == "too high"


def test_rnn_numbers():
    assert [rnn.rnn_params(10, 20, c)["params"] for c in ("simple", "lstm", "gru")] == [620, 2480, 1860]
    assert rnn.rnn_params(10, 20, "gru", reset_after=True)["params"] == 1920
    assert rnn.rnn_forward([1, 0, -1], 0.5, 0.8)["hs"] == pytest.approx([0.4621, 0.3537, -0.2137], abs=1e-4)
    # the vector form agrees with a direct NumPy loop
    W, U, b = np.array([[0.5, 0.1], [0.2, -0.3]]), np.array([[0.1, 0], [0, 0.1]]), np.array([0.1, -0.1])
    xs = [[1, 0], [0, 1], [2, -1]]
    h = np.zeros(2)
    for x in xs:
        h = np.tanh(W @ np.array(x) + U @ h + b)
    assert rnn.rnn_forward(xs, W, U, b)["h_last"] == pytest.approx(h.tolist())


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda: arithmetic.init_scale(0, 10, "he_normal"), "fan_in"),
        (lambda: arithmetic.init_scale(10, 10, "orthogonal"), "scheme"),
        (lambda: arithmetic.gradient_factor(10, "softsign", 1), "activation"),
        (lambda: arithmetic.gradient_factor(10, "sigmoid", -1), "weight_scale"),
        (lambda: arithmetic.gradient_factor(100000, "sigmoid", 1e6), "depth"),
        (lambda: arithmetic.update_ratio([[0.0]], [[1.0]], 0.1), "weights"),
        (lambda: arithmetic.update_ratio([[1.0]], [[1.0, 2.0]], 0.1), "gradient"),
        (lambda: arithmetic.update_ratio([[1.0]], [[float("nan")]], 0.1), "gradient"),
        (lambda: arithmetic.l2_weight_decay([1.0], [1.0], 0.1, -1), "lam"),
        (lambda: arithmetic.matmul_shape([2], [2, 2]), "a_shape"),
        (lambda: arithmetic.matmul_shape([2, 3], [3, "x"]), "b_shape"),
        (lambda: arithmetic.transfer_head(0, 2), "feature_dim"),
        (lambda: arithmetic.receptive_field(2, 3, [1]), "strides"),
        (lambda: arithmetic.receptive_field(20, 3), "layers"),
        (lambda: arithmetic.bootstrap_coverage(0), "n"),
        (lambda: arithmetic.chain_rule(1, 2, 3, "div"), "graph"),
        (lambda: arithmetic.chain_rule(1, float("inf"), 3), "y"),
        (lambda: arithmetic.feature_normalization([1, 1, 1], [2]), "train"),
        (lambda: arithmetic.feature_normalization([1, 2], [2], "robust"), "method"),
        (lambda: arithmetic.one_hot(4, 4), "label"),
        (lambda: arithmetic.tf1_constant_op(1, 2, "divide"), "op"),
        (lambda: arithmetic.tf1_counter(0, -1), "updates"),
        (lambda: rnn.rnn_params(0, 10), "input_dim"),
        (lambda: rnn.rnn_params(10, 10, "transformer"), "cell"),
        (lambda: rnn.rnn_forward([1, 2], [[1, 2]], 0.5), "W"),
        (lambda: rnn.rnn_forward([], 0.5, 0.5), "xs"),
        (lambda: rnn.rnn_forward([1, 2], 0.5, 0.5, activation="gelu"), "activation"),
    ],
)
def test_bad_input_names_the_param(call, param):
    with pytest.raises(EngineError) as info:
        call()
    assert info.value.param == param
