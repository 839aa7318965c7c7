"""Every public computation returns a Worked whose result and steps are plain JSON data, fast."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

import engine as e
from tests.engine.test_arithmetic_rnn import CALLS as ARITHMETIC_CALLS

X5 = [[1, 2, 0, 1, 3], [0, 1, 2, 3, 1], [1, 0, 1, 2, 2], [2, 1, 0, 1, 0], [0, 2, 1, 0, 1]]
K3 = [[1, 0, -1]] * 3
MLP = ([0.05, 0.10], [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45]]], [0.35, 0.60])

# one call per public function at the sizes the question families use
CALLS = {
    "activation": lambda: e.activation("swish", 1.0),
    "softmax": lambda: e.softmax([1, 2, 3, 4, 1, 2, 3]),
    "mse": lambda: e.mse([3, -0.5, 2, 7], [2.5, 0, 2, 8]),
    "binary_cross_entropy": lambda: e.binary_cross_entropy([1, 0, 1, 1], [0.9, 0.2, 0.6, 0.4]),
    "binary_cross_entropy_with_logits": lambda: e.binary_cross_entropy_with_logits([1, 0], [2.0, -1.0]),
    "categorical_cross_entropy": lambda: e.categorical_cross_entropy(0, [0.659, 0.242, 0.099]),
    "categorical_cross_entropy_with_logits": lambda: e.categorical_cross_entropy_with_logits(0, [2, 1, 0.1]),
    "loss": lambda: e.loss("mse", [1, 2], [1, 3]),
    "conv_output_size": lambda: e.conv_output_size(224, 7, 3, 2, filters=64),
    "conv_output_size:same": lambda: e.conv_output_size(12, 3, "same", 2),
    "conv2d": lambda: e.conv2d(X5, K3, bias=1),
    "conv2d:multi": lambda: e.conv2d(np.ones((3, 8, 8)), np.ones((4, 3, 3, 3)), bias=[1, 2, 3, 4], stride=2, padding=1),
    "conv2d_backward": lambda: e.conv2d_backward(X5, K3, np.ones((3, 3))),
    "conv1d": lambda: e.conv1d([0, 1, 2, -1, 1, -3, 0], [1, 0, -1], stride=2),
    "conv_vs_dense_params": lambda: e.conv_vs_dense_params(224, 224, 3, 64, 3),
    "pool2d": lambda: e.pool2d(np.arange(49).reshape(7, 7), 3, 2),
    "pool2d_backward": lambda: e.pool2d_backward(np.arange(16).reshape(4, 4), np.ones((2, 2)), 2, 2, "avg"),
    "dense": lambda: e.dense([1, 2], [[1, 2], [3, 4]], [0.5, 0.5], "relu"),
    "dense_backward": lambda: e.dense_backward([1, 2], [[1, 2], [3, 4]], [0.1, -0.2]),
    "neuron": lambda: e.neuron([4, 5, 6], [2, 3, 4], activation="linear", k=3),
    "flatten": lambda: e.flatten([7, 7, 512], units=4096),
    "dropout": lambda: e.dropout([1, 2, 3, 4, 5], 0.2, seed=3),
    "batchnorm": lambda: e.batchnorm([[1, 10], [2, 20], [3, 30], [6, 60]], [2, 1], [0.5, 0]),
    "batchnorm_backward": lambda: e.batchnorm_backward([[1, 10], [2, 20], [3, 30], [6, 60]], np.ones((4, 2)), [2, 1]),
    "gate_truth_table": lambda: e.gate_truth_table("AND", [1, 1], -1.5),
    "train_perceptron": lambda: e.train_perceptron("AND"),
    "train_perceptron:xor": lambda: e.train_perceptron("XOR", max_epochs=20),
    "two_layer_truth_table": lambda: e.two_layer_truth_table([[1, 1], [-1, -1]], [-0.5, 1.5], [1, 1], -1.5),
    "mlp_forward": lambda: e.mlp_forward(*MLP),
    "backprop_step": lambda: e.backprop_step(MLP[0], [0.01], MLP[1], MLP[2], "sigmoid", "half_sse", 0.5),
    "sgd": lambda: e.sgd([0.5, 1.0], [0.2, -0.1], lr=0.05),
    "momentum": lambda: e.momentum(1.0, 2.0, lr=0.1),
    "nesterov": lambda: e.nesterov(1.0, lambda x: 2 * x, lr=0.1),
    "nesterov:pytorch": lambda: e.nesterov(1.0, 2.0, lr=0.1, formulation="pytorch"),
    "adagrad": lambda: e.adagrad([1.0, 2.0], [0.1, 0.2]),
    "rmsprop": lambda: e.rmsprop([1.0, 2.0], [0.1, 0.2]),
    "adam": lambda: e.adam([1, -2], [0.5, -0.1]),
    "optimizer_step": lambda: e.optimizer_step("adam", [1.0], [0.5], lr=0.01),
    "quadratic_descent": lambda: e.quadratic_descent(1, 3, 0, 0.9, steps=5),
    "lr_schedule": lambda: e.lr_schedule("step", 0.1, [0, 5, 10], gamma=0.5, step_size=5),
    "first_below": lambda: e.first_below("step", 0.1, 1e-3, gamma=0.5, step_size=5),
    "iterations_per_epoch": lambda: e.iterations_per_epoch(10_000, 300, 10),
}


def test_every_public_function_is_exercised():
    functions = {n for n in e.__all__ if callable(getattr(e, n)) and n[0].islower()} - {"same_padding"}
    # The arithmetic and RNN families have their own table (and JSON checks) in test_arithmetic_rnn.
    covered = {n.split(":")[0] for n in [*CALLS, *ARITHMETIC_CALLS]}
    assert functions <= covered, functions - covered


@pytest.mark.parametrize("name", list(CALLS))
def test_worked_is_plain_json(name):
    w = CALLS[name]()
    assert isinstance(w, e.Worked)
    text = json.dumps(w.as_dict(), allow_nan=False)  # raises on NaN/inf or non-JSON types
    assert json.loads(text)["steps"] == w.steps
    assert w.steps, "every computation explains itself"
    for s in w.steps:
        assert set(s) == {"title", "formula", "inputs", "outputs", "note"}
        assert isinstance(s["title"], str) and s["title"] and isinstance(s["formula"], str)
        assert "$" not in s["formula"]


def test_results_are_not_rounded():
    assert e.softmax([1, 2, 3])["probabilities"][0] == pytest.approx(0.09003057317038046, abs=1e-17)


def test_as_dict_merges_steps():
    w = e.softmax([1, 2])
    assert w.as_dict() == {**w.result, "steps": w.steps}


@pytest.mark.parametrize("name", list(CALLS))
def test_speed(name):
    call = CALLS[name]
    call()
    n = 50
    t0 = time.perf_counter()
    for _ in range(n):
        call()
    per_call = (time.perf_counter() - t0) / n
    # well under a millisecond on a laptop; the bound is loose so slow CI machines pass too
    limit = 5e-3 if name == "train_perceptron:xor" else 2e-3
    assert per_call < limit, f"{name}: {per_call * 1e3:.3f} ms"
