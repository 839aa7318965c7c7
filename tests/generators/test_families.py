"""Every registered family: 200 seeds give valid, reproducible, independently checked instances."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from app.generators import GENERATORS, Instance, get_generator

from .reference import REFERENCE

SEEDS = range(200)

# The family names of docs/internals.md (seed-inventory §4, C01..C39), in order.
INTERNALS_NAMES = [
    "softmax", "activation", "swish", "conv_output_size", "conv_padding_tf", "pooling", "conv2d",
    "conv1d_shared", "conv_vs_dense_params", "flatten_dense", "perceptron_gate", "perceptron_training",
    "neuron_output", "mlp_forward", "backprop_step", "xor_two_layer", "gd_quadratic", "sgd_update",
    "momentum_nesterov", "adam_step", "lr_schedule", "loss_value", "batchnorm_forward", "dropout",
    "iterations_per_epoch", "feature_normalization", "one_hot", "l2_weight_decay", "init_scale",
    "gradient_factor", "matmul_shape", "tf1_snippet", "update_ratio", "rnn_params", "rnn_forward",
    "transfer_head", "receptive_field", "bootstrap_coverage", "chain_rule",
]


def close(got, want, atol, rtol) -> bool:
    g, w = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return g.shape == w.shape and bool(np.allclose(g, w, atol=atol, rtol=rtol))


def test_registry_matches_internals():
    assert sorted(GENERATORS) == sorted(INTERNALS_NAMES)
    assert list(GENERATORS) == INTERNALS_NAMES


def test_every_family_has_a_reference():
    assert set(REFERENCE) == set(GENERATORS)


def test_get_generator_unknown_name():
    with pytest.raises(KeyError, match="nope"):
        get_generator("nope")
    assert get_generator("softmax") is GENERATORS["softmax"]


@pytest.mark.parametrize("name", list(GENERATORS))
def test_family_metadata(name):
    fam = GENERATORS[name]
    assert fam.name == name
    assert fam.title and fam.description
    assert fam.params_doc and all(isinstance(v, str) and v for v in fam.params_doc.values())


@pytest.mark.parametrize("name", list(GENERATORS))
def test_two_hundred_seeds(name):
    fam = GENERATORS[name]
    ref = REFERENCE[name]
    prompts = set()
    for seed in SEEDS:
        inst = fam.instantiate(seed)
        assert isinstance(inst, Instance)
        assert inst.prompt.strip() and inst.model_answer.strip() and inst.answer_format.strip()
        prompts.add(inst.prompt)
        ans = np.asarray(inst.answer, dtype=float)
        assert ans.size > 0 and np.all(np.isfinite(ans)), (seed, inst.answer)
        assert inst.atol >= 0 and inst.rtol >= 0 and (inst.atol > 0 or inst.rtol > 0)
        want = ref(inst.params)
        assert close(inst.answer, want, 1e-9, 1e-9), (seed, inst.params, inst.answer, want)
        for m in inst.mistakes:
            assert m.name and m.explanation
            mv = np.asarray(m.value, dtype=float)
            assert np.all(np.isfinite(mv))
            if mv.shape == ans.shape:
                # never within (twice) the scoring tolerance of the right answer
                assert np.any(np.abs(mv - ans) > inst.atol + inst.rtol * np.abs(ans)), (seed, m)
        assert len({json.dumps(m.value) for m in inst.mistakes}) == len(inst.mistakes)
        assert isinstance(inst.steps, list) and inst.steps
        assert all({"title", "formula", "inputs", "outputs"} <= set(s) for s in inst.steps)
        json.dumps(dataclasses.asdict(inst))
    # prompts differ between seeds
    assert len(prompts) >= 20, f"{name}: only {len(prompts)} distinct prompts"


@pytest.mark.parametrize("name", list(GENERATORS))
def test_deterministic_and_params_reproduce(name):
    fam = GENERATORS[name]
    for seed in (0, 1, 17, 12345, 2**31 - 1):
        a = fam.instantiate(seed)
        b = fam.instantiate(seed)
        assert dataclasses.asdict(a) == dataclasses.asdict(b)
        # the drawn params fix every number: any seed with them gives the same answer
        c = fam.instantiate((seed + 1) % 2**31, a.params)
        assert c.answer == a.answer


@pytest.mark.parametrize("name", list(GENERATORS))
def test_unknown_param_is_refused(name):
    with pytest.raises(ValueError, match="bogus_param"):
        GENERATORS[name].instantiate(0, {"bogus_param": 1})


@pytest.mark.parametrize("seed", [-1, 2**31, 1.5, "3", True])
def test_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match="seed"):
        GENERATORS["softmax"].instantiate(seed)


@pytest.mark.parametrize(
    ("name", "params", "param"),
    [
        ("softmax", {"logits": "abc"}, "logits"),
        ("softmax", {"temperature": 0}, "temperature"),
        ("conv_output_size", {"I": 3, "F": 7, "P": 0, "S": 1}, "F"),
        ("conv_output_size", {"S": 0}, "S"),
        ("perceptron_gate", {"gate": "XNOR"}, "gate"),
        ("loss_value", {"loss": "hinge"}, "loss"),
        ("loss_value", {"loss": "bce", "y_true": [1, 0, 2], "y_pred": [0.5, 0.5, 0.5]}, "y_true"),
        ("pooling", {"x": [[1, 2], [3]], "size": 2, "stride": 1}, "x"),
        ("dropout", {"p": 1.5}, "p"),
        ("iterations_per_epoch", {"batch_size": -3}, "batch_size"),
        ("matmul_shape", {"variant": "shape", "a_shape": [2, 3], "b_shape": [2, 2]}, "b_shape"),
        ("rnn_params", {"cell": "lstm", "reset_after": True}, "reset_after"),
        ("activation", {"function": "softsign"}, "function"),
        ("perceptron_training", {"gate": "AND", "ask": "epoch", "max_epochs": 1}, "max_epochs"),
    ],
)
def test_bad_params_name_the_param(name, params, param):
    with pytest.raises(ValueError, match=f"'{param}'"):
        GENERATORS[name].instantiate(0, params)


# ---------------------------------------------------------------- the seeds' own examples (§3, §4)

SEED_EXAMPLES = [
    ("softmax", {"logits": [1, 2, 3, 4, 1, 2, 3]}, [0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175]),
    ("softmax", {"logits": [0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3], "style": "decimal"},
     [0.125, 0.138, 0.153, 0.169, 0.125, 0.138, 0.153]),
    ("softmax", {"logits": [2, 1, 0.1], "style": "decimal"}, [0.659, 0.242, 0.099]),
    ("softmax", {"logits": [1, 2, 3, 4, 1, 2, 3], "shift": 10}, [0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175]),
    ("softmax", {"logits": [1, 2, 3, 4, 1, 2, 3], "temperature": 10},
     [0.125, 0.138, 0.153, 0.169, 0.125, 0.138, 0.153]),
    ("activation", {"function": "sigmoid", "x": 2, "ask": "both"}, [0.8808, 0.1050]),
    ("activation", {"function": "tanh", "x": -2, "ask": "both"}, [-0.9640, 0.0707]),
    ("activation", {"function": "leaky_relu", "x": -2, "slope": 0.01, "ask": "both"}, [-0.02, 0.01]),
    ("swish", {"x": 1, "ask": "both"}, [0.7311, 0.9277]),
    ("swish", {"x": -1, "ask": "both"}, [-0.2689, 0.0723]),
    ("conv_output_size", {"I": 12, "F": 3, "P": 0, "S": 1, "ask": "size"}, 10),
    ("conv_output_size", {"I": 224, "F": 7, "P": 3, "S": 2, "ask": "size"}, 112),
    ("conv_output_size", {"I": 32, "F": 5, "P": 0, "S": 1, "ask": "size"}, 28),
    ("conv_padding_tf", {"I": 12, "F": 3, "S": 1, "mode": "same", "ask": "output"}, 12),
    ("conv_padding_tf", {"I": 12, "F": 3, "S": 1, "mode": "valid"}, 10),
    ("conv_padding_tf", {"I": 12, "F": 3, "S": 2, "mode": "valid"}, 5),
    ("conv_padding_tf", {"I": 12, "F": 3, "S": 2, "mode": "same", "ask": "pad"}, [0, 1]),
    ("conv_padding_tf", {"I": 7, "F": 3, "S": 2, "mode": "same", "ask": "pad"}, [1, 1]),
    ("pooling", {"x": [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], "size": 2, "stride": 2,
                 "mode": "max"}, [[6, 8], [3, 4]]),
    ("pooling", {"x": [[0, 7, 6, 4, 4, 8, 0], [6, 2, 0, 5, 9, 7, 7], [7, 7, 5, 1, 8, 4, 5], [3, 1, 9, 7, 6, 4, 8],
                       [5, 4, 4, 2, 0, 5, 8], [0, 8, 8, 2, 6, 1, 7], [7, 3, 0, 9, 4, 8, 6]],
                 "size": 3, "stride": 2, "mode": "max"}, [[7, 9, 9], [9, 9, 8], [8, 9, 8]]),
    ("conv2d", {"x": [[1, 2, 0, 1, 3], [0, 1, 2, 3, 1], [1, 0, 1, 2, 2], [2, 1, 0, 1, 0], [0, 2, 1, 0, 1]],
                "kernel": [[1, 0, -1], [1, 0, -1], [1, 0, -1]], "bias": 0}, [[-1, -3, -3], [0, -4, 0], [1, 0, -1]]),
    ("conv1d_shared", {"x": [1, 2, -1, 1, -3], "w": [1, 0, -1], "padding": 1, "stride": 2, "ask": "output"},
     [-2, 1, 1]),
    ("conv1d_shared", {"x": [1, 2, -1, 1, -3], "w": [1, 0, -1], "padding": 1, "stride": 1, "ask": "output"},
     [-2, 2, 1, 2, 1]),
    ("conv1d_shared", {"x": [0, 1, 2, -1, 1, -3, 0], "w": [1, 0, -1], "padding": 0, "stride": 2,
                       "ask": "weights"}, [3, 21]),
    ("conv_vs_dense_params", {"H": 224, "C": 3, "K": 64, "F": 3, "U": 64, "ask": "both"}, [1792, 9633856]),
    ("conv_vs_dense_params", {"H": 32, "C": 3, "K": 32, "F": 5, "U": 32, "ask": "both"}, [2432, 98336]),
    ("flatten_dense", {"H": 7, "C": 64, "ask": "flat"}, 3136),
    ("flatten_dense", {"H": 7, "C": 512, "U": 4096, "ask": "params"}, 102764544),
    ("perceptron_gate", {"gate": "AND", "w1": 1, "w2": 1, "b": -1.5, "ask": "sums"}, [-1.5, -0.5, -0.5, 0.5]),
    ("perceptron_gate", {"gate": "AND", "w1": 1, "w2": 1, "b": -1.5, "ask": "outputs"}, [0, 0, 0, 1]),
    ("perceptron_gate", {"gate": "AND", "w1": 2, "w2": 2, "b": 1.5, "ask": "outputs"}, [1, 1, 1, 1]),
    ("perceptron_gate", {"gate": "OR", "w1": 1, "w2": 1, "b": -0.5, "ask": "outputs"}, [0, 1, 1, 1]),
    ("perceptron_gate", {"gate": "NAND", "w1": -1, "w2": -1, "b": 1.5, "ask": "outputs"}, [1, 1, 1, 0]),
    ("perceptron_training", {"gate": "AND", "lr": 1, "w0": [0, 0], "b0": 0, "ask": "weights"}, [2, 1, -3]),
    ("perceptron_training", {"gate": "AND", "lr": 1, "w0": [0, 0], "b0": 0, "ask": "epoch"}, 6),
    ("perceptron_training", {"gate": "OR", "lr": 1, "w0": [0, 0], "b0": 0, "ask": "epoch"}, 4),
    ("perceptron_training", {"gate": "OR", "lr": 1, "w0": [0, 0], "b0": 0, "ask": "weights"}, [1, 1, -1]),
    ("perceptron_training", {"gate": "NAND", "lr": 1, "w0": [0, 0], "b0": 0, "ask": "weights"}, [-2, -1, 2]),
    ("neuron_output", {"x": [4, 5, 6], "w": [2, 3, 4], "b": 0, "activation": "linear", "k": 3}, 141),
    ("neuron_output", {"x": [1, 2], "w": [0.5, -0.25], "b": 0.1, "activation": "sigmoid"}, 0.5250),
    ("mlp_forward", {"x": [0.05, 0.10], "W1": [[0.15, 0.20], [0.25, 0.30]], "b1": [0.35, 0.35],
                     "W2": [0.40, 0.45], "b2": 0.60, "activation": "sigmoid", "ask": "output"}, 0.7514),
    ("mlp_forward", {"x": [0.05, 0.10], "W1": [[0.15, 0.20], [0.25, 0.30]], "b1": [0.35, 0.35],
                     "W2": [0.40, 0.45], "b2": 0.60, "activation": "sigmoid", "ask": "hidden"}, [0.5933, 0.5969]),
    ("xor_two_layer", {"net": "or_nand_and", "broken": False}, [0, 1, 1, 0]),
    ("gd_quadratic", {"a": 1, "c": 3, "x0": 0, "lr": 0.1, "steps": 5}, [0.6, 1.08, 1.464, 1.7712, 2.01696]),
    ("gd_quadratic", {"a": 1, "c": 3, "x0": 0, "lr": 0.9, "steps": 5}, [5.4, 1.08, 4.536, 1.7712, 3.98304]),
    ("gd_quadratic", {"a": 1, "c": 3, "x0": 0, "lr": 1.1, "steps": 5}, [6.6, -1.32, 8.184, -3.2208, 10.46496]),
    ("sgd_update", {"params": [0.5], "grads": [0.2], "lr": 0.05}, 0.49),
    ("momentum_nesterov", {"a": 1, "c": 0, "x0": 1, "lr": 0.1, "mu": 0.9, "steps": 2, "method": "both"},
     [0.46, 0.496]),
    ("adam_step", {"theta": [1, -2], "grads": [[0.5, -0.1]], "lr": 0.001, "ask": "theta"}, [0.999, -1.999]),
    ("adam_step", {"theta": [1, -2], "grads": [[0.5, -0.1]], "lr": 0.001, "ask": "v"}, [2.5e-4, 1e-5]),
    ("lr_schedule", {"kind": "step", "lr0": 0.1, "gamma": 0.5, "step_size": 5, "t": 20, "ask": "rate"}, 0.00625),
    ("lr_schedule", {"kind": "exponential", "lr0": 0.1, "k": 0.1, "t": 5, "ask": "rate"}, 0.06065),
    ("lr_schedule", {"kind": "inverse_time", "lr0": 0.1, "k": 0.1, "t": 10, "ask": "rate"}, 0.05),
    ("lr_schedule", {"kind": "step", "lr0": 0.1, "gamma": 0.5, "step_size": 5, "threshold": 0.001,
                     "ask": "first_below"}, 35),
    ("loss_value", {"loss": "mse", "y_true": [3, -0.5, 2, 7], "y_pred": [2.5, 0, 2, 8]}, 0.375),
    ("loss_value", {"loss": "bce", "y_true": [1, 0, 1, 1], "y_pred": [0.9, 0.2, 0.6, 0.4]}, 0.4389),
    ("loss_value", {"loss": "cce_logits", "logits": [2, 1, 0.1], "label": 0}, 0.4170),
    ("loss_value", {"loss": "cce_logits", "logits": [2, 1, 0.1], "label": 2}, 2.3170),
    ("batchnorm_forward", {"x": [[1, 10], [2, 20], [3, 30], [6, 60]], "gamma": [2, 1], "beta": [0.5, 0],
                           "ask": "stats"}, [3, 3.5]),
    ("dropout", {"a": [1, 2, 3, 4, 5], "p": 0.2, "mask": [1, 0, 1, 1, 1], "ask": "output"},
     [1.25, 0, 3.75, 5, 6.25]),
    ("iterations_per_epoch", {"n_samples": 10000, "batch_size": 200, "ask": "iterations"}, 50),
    ("iterations_per_epoch", {"n_samples": 10000, "batch_size": 200, "epochs": 10, "ask": "total",
                              "drop_last": False}, 500),
    ("iterations_per_epoch", {"n_samples": 10000, "batch_size": 300, "ask": "iterations", "drop_last": False}, 34),
    ("iterations_per_epoch", {"n_samples": 10000, "batch_size": 300, "ask": "iterations", "drop_last": True}, 33),
    ("iterations_per_epoch", {"n_samples": 50000, "batch_size": 128, "ask": "last_batch"}, 80),
    ("iterations_per_epoch", {"n_samples": 60000, "batch_size": 32, "ask": "iterations", "drop_last": False},
     1875),
    ("feature_normalization", {"train": [2, 4, 6, 8], "test": 10, "method": "zscore", "ask": "train"},
     [-1.342, -0.447, 0.447, 1.342]),
    ("feature_normalization", {"train": [2, 4, 6, 8], "test": 10, "method": "zscore", "ask": "test"}, 2.236),
    ("feature_normalization", {"train": [2, 4, 6, 8], "test": 10, "method": "minmax", "ask": "test"}, 1.333),
    ("one_hot", {"mode": "encode", "label": 2, "num_classes": 4}, [0, 0, 1, 0]),
    ("one_hot", {"mode": "decode", "probs": [0.659, 0.242, 0.099]}, 0),
    ("l2_weight_decay", {"w": [0.5], "g": [0.1], "lr": 0.1, "lam": 0.01}, 0.4895),
    ("init_scale", {"fan_in": 256, "fan_out": 128, "scheme": "xavier_uniform"}, 0.125),
    ("init_scale", {"fan_in": 256, "fan_out": 128, "scheme": "xavier_normal"}, 0.0722),
    ("init_scale", {"fan_in": 256, "fan_out": 128, "scheme": "he_normal"}, 0.0884),
    ("gradient_factor", {"depth": 10, "activation": "sigmoid", "weight_scale": 1}, 9.54e-7),
    ("gradient_factor", {"depth": 5, "activation": "sigmoid", "weight_scale": 1}, 9.77e-4),
    ("matmul_shape", {"variant": "shape", "a_shape": [2, 3], "b_shape": [3, 2]}, [2, 2]),
    ("matmul_shape", {"variant": "clash", "a_shape": [2, 3], "b_shape": [2, 2]}, [3, 2]),
    ("matmul_shape", {"variant": "clash", "a_shape": [2, 3], "b_shape": [2, 2], "transpose_b": True}, [3, 2]),
    ("tf1_snippet", {"kind": "constant_op", "a": 2, "b": 3, "op": "add"}, [5]),
    ("tf1_snippet", {"kind": "counter", "start": 0, "updates": 2, "increment": 1}, [0, 1, 2]),
    ("tf1_snippet", {"kind": "placeholder", "multiplier": 2, "fed": 3.5}, 7.0),
    ("tf1_snippet", {"kind": "add_sub", "a": 6, "b": 2}, [8, 4]),
    ("update_ratio", {"variant": "norms", "weight_norm": 1, "grad_norm": 0.01, "lr": 0.1}, 1e-3),
    ("rnn_params", {"input_dim": 10, "hidden": 20, "cell": "simple"}, 620),
    ("rnn_params", {"input_dim": 10, "hidden": 20, "cell": "lstm"}, 2480),
    ("rnn_params", {"input_dim": 10, "hidden": 20, "cell": "gru", "reset_after": False}, 1860),
    ("rnn_params", {"input_dim": 10, "hidden": 20, "cell": "gru", "reset_after": True}, 1920),
    ("rnn_forward", {"xs": [1, 0, -1], "W": 0.5, "U": 0.8, "b": 0, "h0": 0, "ask": "all"},
     [0.4621, 0.3537, -0.2137]),
    ("transfer_head", {"backbone": "VGG-16", "num_classes": 2, "ask": "head"}, 8194),
    ("transfer_head", {"backbone": "VGG-16", "num_classes": 2, "ask": "fraction"}, 6.103e-5),
    ("receptive_field", {"layers": 2, "kernel": 3, "ask": "rf", "strides": [1, 1]}, 5),
    ("receptive_field", {"layers": 3, "kernel": 3, "ask": "weights"}, [27, 49]),
    ("bootstrap_coverage", {"n": 10, "ask": "probability"}, 0.6513),
    ("bootstrap_coverage", {"n": 100, "ask": "probability"}, 0.6340),
    ("bootstrap_coverage", {"n": 1000, "ask": "probability"}, 0.6323),
    ("chain_rule", {"graph": "add_mul", "x": -2, "y": 5, "z": -4}, [-12, -4, -4, 3]),
]


@pytest.mark.parametrize(("name", "params", "expected"), SEED_EXAMPLES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(SEED_EXAMPLES)])
def test_seed_examples(name, params, expected):
    inst = GENERATORS[name].instantiate(3, params)
    # the inventory rounds (3 dp for probabilities, 4 sf elsewhere): accept that rounding
    got = np.asarray(inst.answer, dtype=float)
    want = np.asarray(expected, dtype=float)
    assert got.shape == want.shape, (inst.answer, expected)
    assert np.allclose(got, want, atol=5e-4, rtol=2e-3), (inst.answer, expected)
    # and a typed answer at the inventory's precision scores as correct
    assert np.all(np.abs(want - got) <= inst.atol + inst.rtol * np.abs(got) + 1e-12) or _rounded_ok(got, want)


def _rounded_ok(got, want) -> bool:
    """Seed values quoted to fewer digits than the question asks for are still right when rounded."""
    digits = [len(f"{w:.10g}".split(".")[1]) if "." in f"{w:.10g}" else 0 for w in np.ravel(want)]
    return all(math.isclose(round(g, d), w, abs_tol=1e-12) or abs(g - w) < 10 ** -d
               for g, w, d in zip(np.ravel(got), np.ravel(want), digits, strict=True))


def test_perceptron_training_xor_never_converges():
    inst = GENERATORS["perceptron_training"].instantiate(0, {"gate": "XOR", "lr": 1, "w0": [0, 0], "b0": 0,
                                                             "ask": "weights", "max_epochs": 20})
    assert "not linearly separable" in inst.model_answer
    assert inst.steps[-1]["outputs"]["converged"] is False


def test_mistakes_include_the_classics():
    """Spot-check that the classic mistakes appear with their wrong values."""
    conv = GENERATORS["conv_output_size"].instantiate(0, {"I": 32, "F": 5, "P": 2, "S": 2, "ask": "size"})
    names = {m.name: m.value for m in conv.mistakes}
    assert names["forgot the padding"] == 14 and conv.answer == 16
    it = GENERATORS["iterations_per_epoch"].instantiate(0, {"n_samples": 10000, "batch_size": 300,
                                                            "ask": "iterations", "drop_last": False})
    assert {m.name: m.value for m in it.mistakes}["rounded down"] == 33
    drop = GENERATORS["dropout"].instantiate(0, {"a": [1, 2, 3, 4, 5], "p": 0.2, "mask": [1, 0, 1, 1, 1],
                                                 "ask": "output"})
    assert {m.name: m.value for m in drop.mistakes}["took the keep probability for the drop rate"] == \
        [5.0, 0.0, 15.0, 20.0, 25.0]
    bn = GENERATORS["batchnorm_forward"].instantiate(0, {"x": [[1, 10], [2, 20], [3, 30], [6, 60]],
                                                         "gamma": [2, 1], "beta": [0.5, 0], "ask": "stats"})
    assert {m.name: m.value for m in bn.mistakes}["used the unbiased variance"] == [3.0, 14 / 3]
    adam = GENERATORS["adam_step"].instantiate(0, {"theta": [1, -2], "grads": [[0.5, -0.1]], "lr": 0.001})
    assert any(m.name == "forgot the bias correction" for m in adam.mistakes)
    pt = GENERATORS["perceptron_training"].instantiate(0, {"gate": "AND", "lr": 1, "w0": [0, 0], "b0": 0,
                                                           "ask": "weights"})
    assert any(m.name == "flipped the sign of the error" for m in pt.mistakes)


def test_fixed_params_are_kept():
    inst = GENERATORS["loss_value"].instantiate(5, {"loss": "bce"})
    assert inst.params["loss"] == "bce"
    inst = GENERATORS["perceptron_gate"].instantiate(5, {"gate": "and"})
    assert inst.params["gate"] == "AND"


def test_mistake_equal_to_answer_is_dropped():
    # With no padding, "forgot the padding" gives the right answer and must not be offered.
    inst = GENERATORS["conv_output_size"].instantiate(0, {"I": 12, "F": 3, "P": 0, "S": 1, "ask": "size"})
    assert all(m.name != "forgot the padding" for m in inst.mistakes)
    assert all(m.value != inst.answer for m in inst.mistakes)


def test_params_imply_the_variant():
    """Fixing params that only one variant uses selects that variant (authors need not name it)."""
    assert GENERATORS["tf1_snippet"].instantiate(0, {"multiplier": 2, "fed": 3.5}).answer == 7.0
    ratio = GENERATORS["update_ratio"].instantiate(0, {"W": [[1, 0], [0, 1]], "G": [[1, 0], [0, 1]], "lr": 0.001})
    assert ratio.params["variant"] == "matrix"
    assert GENERATORS["one_hot"].instantiate(0, {"probs": [0.2, 0.8]}).answer == 1
    assert GENERATORS["loss_value"].instantiate(0, {"logits": [2, 1, 0.1], "label": 0}).params["loss"] == "cce_logits"
    assert GENERATORS["activation"].instantiate(0, {"slope": 0.2}).params["function"] == "leaky_relu"
    # a partner vector takes the length of the fixed one
    assert len(GENERATORS["sgd_update"].instantiate(0, {"grads": [0.1, 0.2, 0.3]}).params["params"]) == 3


def test_param_of_another_variant_is_refused():
    with pytest.raises(ValueError, match="'units' does not apply"):
        GENERATORS["dropout"].instantiate(0, {"ask": "output", "units": 100})
    with pytest.raises(ValueError, match="'regime'"):
        GENERATORS["gd_quadratic"].instantiate(0, {"a": 1, "lr": 0.1, "regime": "diverging"})
