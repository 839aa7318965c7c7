"""Bad input raises EngineError (a ValueError) whose message names the parameter."""

from __future__ import annotations

import numpy as np
import pytest

import engine as e

NAN, INF = float("nan"), float("inf")
BIG_IMAGE = np.zeros((65, 65)).tolist()

CASES = [
    # (id, call, parameter named)
    ("softmax-empty", lambda: e.softmax([]), "logits"),
    ("softmax-nan", lambda: e.softmax([1, NAN]), "logits"),
    ("softmax-inf", lambda: e.softmax([1, INF]), "logits"),
    ("softmax-temperature-0", lambda: e.softmax([1, 2], temperature=0), "temperature"),
    ("softmax-matrix", lambda: e.softmax([[1, 2]]), "logits"),
    ("softmax-too-long", lambda: e.softmax(np.zeros(10_001)), "logits"),
    ("softmax-text", lambda: e.softmax("1,2,3"), "logits"),
    ("softmax-ragged", lambda: e.softmax([[1, 2], [3]]), "logits"),
    ("activation-overflow", lambda: e.activation("linear", 1e308, k=10), "x"),
    ("softmax-temperature-underflow", lambda: e.softmax([1, 2], temperature=1e-320), "temperature"),
    ("mse-overflow", lambda: e.mse([1e200], [-1e200]), "input"),
    ("activation-unknown", lambda: e.activation("gelu", 1), "name"),
    ("activation-bad-param", lambda: e.activation("relu", 1, slope=2), "name"),
    ("activation-nan", lambda: e.activation("tanh", NAN), "x"),
    ("swish-beta-0", lambda: e.activation("swish", 1, beta=0), "beta"),
    ("mse-shapes", lambda: e.mse([1, 2], [1, 2, 3]), "y_pred"),
    ("bce-p-out-of-range", lambda: e.binary_cross_entropy([1, 0], [1.2, 0.1]), "p"),
    ("bce-logits-shapes", lambda: e.binary_cross_entropy_with_logits([1], [0.1, 0.2]), "logits"),
    ("cce-label-range", lambda: e.categorical_cross_entropy_with_logits(3, [1, 2, 3]), "target"),
    ("cce-label-count", lambda: e.categorical_cross_entropy_with_logits([0], [[1, 2], [3, 4]]), "target"),
    ("loss-unknown", lambda: e.loss("hinge", [1], [1]), "name"),
    ("conv-size-stride-0", lambda: e.conv_output_size(12, 3, 0, 0), "stride"),
    ("conv-size-kernel-too-big", lambda: e.conv_output_size(3, 5, 0, 1), "kernel_size"),
    ("conv-size-bad-padding", lambda: e.conv_output_size(12, 3, "full", 1), "padding"),
    ("conv-size-negative-padding", lambda: e.conv_output_size(12, 3, -1, 1), "padding"),
    ("conv-size-float-input", lambda: e.conv_output_size(12.5, 3), "input_size"),
    ("conv-size-bool", lambda: e.conv_output_size(True, 3), "input_size"),
    ("conv2d-kernel-too-big", lambda: e.conv2d(np.ones((3, 3)), np.ones((5, 5))), "kernel"),
    ("conv2d-stride-0", lambda: e.conv2d(np.ones((5, 5)), np.ones((3, 3)), stride=0), "stride"),
    ("conv2d-channels-mismatch", lambda: e.conv2d(np.ones((2, 5, 5)), np.ones((4, 3, 3, 3))), "kernel"),
    ("conv2d-image-too-big", lambda: e.conv2d(BIG_IMAGE, np.ones((3, 3))), "x"),
    ("conv2d-too-many-channels", lambda: e.conv2d(np.ones((17, 4, 4)), np.ones((1, 17, 3, 3))), "x"),
    ("conv2d-empty", lambda: e.conv2d([], np.ones((3, 3))), "x"),
    ("conv2d-nan", lambda: e.conv2d([[1, NAN], [1, 1]], [[1]]), "x"),
    ("conv2d-bias-count", lambda: e.conv2d(np.ones((1, 4, 4)), np.ones((2, 1, 3, 3)), bias=[1, 2, 3]), "bias"),
    ("conv2d-3d-kernel-2d-kernel", lambda: e.conv2d(np.ones((2, 4, 4)), np.ones((3, 3))), "kernel"),
    ("conv2d-backward-grad-shape", lambda: e.conv2d_backward(np.ones((5, 5)), np.ones((3, 3)), np.ones((2, 2))), "grad_output"),
    ("conv2d-too-much-work", lambda: e.conv2d(np.ones((16, 64, 64)), np.ones((16, 16, 32, 32))), "kernel"),
    ("conv1d-kernel-too-big", lambda: e.conv1d([1, 2], [1, 2, 3]), "kernel"),
    ("conv-vs-dense-zero-filters", lambda: e.conv_vs_dense_params(32, 32, 3, 0, 3), "filters"),
    ("pool-window-too-big", lambda: e.pool2d(np.ones((2, 2)), 3), "size"),
    ("pool-stride-0", lambda: e.pool2d(np.ones((4, 4)), 2, 0), "stride"),
    ("pool-mode", lambda: e.pool2d(np.ones((4, 4)), 2, 2, "min"), "mode"),
    ("pool-image-too-big", lambda: e.pool2d(BIG_IMAGE, 2), "x"),
    ("pool-backward-grad-shape", lambda: e.pool2d_backward(np.ones((4, 4)), np.ones((3, 3)), 2), "grad_output"),
    ("dense-shapes", lambda: e.dense([1, 2, 3], [[1, 2], [3, 4]]), "weights"),
    ("dense-bias", lambda: e.dense([1, 2], [[1, 2], [3, 4]], [1, 2, 3]), "bias"),
    ("dense-backward-grad", lambda: e.dense_backward([1, 2], [[1, 2]], [1, 2]), "grad_z"),
    ("neuron-shapes", lambda: e.neuron([1, 2], [1, 2, 3]), "weights"),
    ("flatten-zero", lambda: e.flatten([7, 0, 64]), "shape"),
    ("flatten-not-a-list", lambda: e.flatten(7), "shape"),
    ("dropout-p-1", lambda: e.dropout([1, 2], 1.0), "p"),
    ("dropout-p-negative", lambda: e.dropout([1, 2], -0.1), "p"),
    ("dropout-mask-values", lambda: e.dropout([1, 2], 0.5, mask=[1, 2]), "mask"),
    ("dropout-mask-shape", lambda: e.dropout([1, 2], 0.5, mask=[1]), "mask"),
    ("batchnorm-one-sample", lambda: e.batchnorm([[1, 2]]), "x"),
    ("batchnorm-gamma", lambda: e.batchnorm([[1, 2], [3, 4]], gamma=[1, 2, 3]), "gamma"),
    ("batchnorm-eps-0", lambda: e.batchnorm([[1, 2], [3, 4]], eps=0), "eps"),
    ("batchnorm-backward-shape", lambda: e.batchnorm_backward([[1, 2], [3, 4]], [[1, 2]]), "grad_output"),
    ("gate-unknown", lambda: e.gate_truth_table("XAND", [1, 1], 0), "gate"),
    ("gate-weights", lambda: e.gate_truth_table("AND", [1, 1, 1], 0), "weights"),
    ("gate-bias-nan", lambda: e.gate_truth_table("AND", [1, 1], NAN), "bias"),
    ("train-epochs-0", lambda: e.train_perceptron("AND", max_epochs=0), "max_epochs"),
    ("train-lr-0", lambda: e.train_perceptron("AND", lr=0), "lr"),
    ("train-too-long", lambda: e.train_perceptron(inputs=np.zeros((100, 2)), targets=np.zeros(100), max_epochs=101), "max_epochs"),
    ("train-overflow", lambda: e.train_perceptron("AND", lr=1e308, max_epochs=3), "lr"),
    ("train-neither", lambda: e.train_perceptron(), "gate"),
    ("train-targets", lambda: e.train_perceptron(inputs=[[0, 1]], targets=[2]), "targets"),
    ("mlp-shapes", lambda: e.mlp_forward([1, 2], [[[1, 2, 3]]]), "weights[0]"),
    ("mlp-too-deep", lambda: e.mlp_forward([1], [[[1]]] * 9), "weights"),
    ("mlp-activations-count", lambda: e.mlp_forward([1], [[[1]], [[1]]], None, ["relu"]), "activations"),
    ("mlp-bias", lambda: e.mlp_forward([1], [[[1], [1]]], [[1, 2, 3]]), "biases[0]"),
    ("backprop-target", lambda: e.backprop_step([1], [1, 2], [[[1]]]), "target"),
    ("backprop-loss", lambda: e.backprop_step([1], [1], [[[1]]], loss="l1"), "loss"),
    ("backprop-cce-without-softmax", lambda: e.backprop_step([1], 0, [[[1], [1]]], loss="cce"), "loss"),
    ("backprop-softmax-hidden", lambda: e.backprop_step([1], 0, [[[1]], [[1], [1]]], None, ["softmax", "softmax"], loss="cce"), "activations"),
    ("backprop-bce-unbounded", lambda: e.backprop_step([2], [1], [[[1]]], None, "linear", loss="bce"), "activations"),
    ("sgd-shapes", lambda: e.sgd([1, 2], [1]), "grads"),
    ("sgd-lr-negative", lambda: e.sgd(1, 1, lr=-1), "lr"),
    ("adam-beta1-1", lambda: e.adam(1, 1, beta1=1), "beta1"),
    ("momentum-state-shape", lambda: e.momentum([1, 2], [1, 2], state={"velocity": [1]}), "state.velocity"),
    ("momentum-formulation", lambda: e.momentum(1, 1, formulation="keras"), "formulation"),
    ("optimizer-unknown", lambda: e.optimizer_step("lion", 1, 1), "name"),
    ("optimizer-bad-hyper", lambda: e.optimizer_step("sgd", 1, 1, beta1=0.9), "hyper"),
    ("quadratic-overflow", lambda: e.quadratic_descent(1, 0, 1, 10, steps=1000), "lr"),
    ("schedule-kind", lambda: e.lr_schedule("cosine", 0.1, 1), "kind"),
    ("schedule-negative-t", lambda: e.lr_schedule("step", 0.1, -1), "t"),
    ("schedule-gamma", lambda: e.lr_schedule("step", 0.1, 1, gamma=0), "gamma"),
    ("first-below-k-0", lambda: e.first_below("exponential", 0.1, 0.01, k=0), "k"),
    ("iterations-batch-0", lambda: e.iterations_per_epoch(100, 0), "batch_size"),
    ("iterations-drop-all", lambda: e.iterations_per_epoch(100, 200, drop_last=True), "batch_size"),
]


@pytest.mark.parametrize(("call", "param"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_names_the_parameter(call, param):
    with pytest.raises(e.EngineError) as info:
        call()
    assert info.value.param == param
    assert str(info.value).startswith(f"{param}: ")
    assert isinstance(info.value, ValueError)
