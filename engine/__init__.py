"""deepprep's pure-NumPy engine: every computation returns a ``Worked(result, steps)``.

Imports NumPy and the standard library only. Inputs are plain Python numbers/lists (or
arrays); results are JSON-ready and unrounded (templates format them). Bad input raises
``EngineError(param, message)``, a ValueError whose message names the parameter.
``w["key"]`` is short for ``w.result["key"]``; ``w.as_dict()`` is ``{**result, "steps": steps}``.
Limits: images 64 x 64, 16 channels, vectors 10,000 elements, 8 layers; a result that would
overflow float64 is refused rather than returned as inf/NaN.

Public API (stable names; keyword arguments as shown):

activations
    activation(name, x, **params)                     value and derivative; names in ACTIVATIONS:
        step(fire_at_zero=False), linear(k=1), sigmoid, tanh, relu, leaky_relu(slope=0.01),
        elu(alpha=1), swish(beta=1)
    softmax(logits, temperature=1.0)
losses
    mse(y_true, y_pred)
    binary_cross_entropy(y_true, p, eps=1e-12)
    binary_cross_entropy_with_logits(y_true, logits)
    categorical_cross_entropy(target, p, eps=1e-12)   target: one-hot/probabilities or int label(s)
    categorical_cross_entropy_with_logits(target, logits)
    loss(name, y_true, y_pred)                        name in LOSSES: mse, bce, bce_logits, cce, cce_logits
conv
    conv_output_size(input_size, kernel_size, padding=0 | "same" | "valid", stride=1, dilation=1, filters=None)
    same_padding(input_size, kernel_size, stride=1, dilation=1) -> (out, pad_before, pad_after)  (raw tuple)
    conv2d(x, kernel, bias=None, stride=1, padding=0)
    conv2d_backward(x, kernel, grad_output, stride=1, padding=0)
    conv1d(x, kernel, bias=None, stride=1, padding=0)
    conv_vs_dense_params(height, width, in_channels, filters, kernel_size, units=None, stride=1,
                         padding=0, bias=True)
pooling
    pool2d(x, size=2, stride=None, mode="max" | "avg")
    pool2d_backward(x, grad_output, size=2, stride=None, mode="max")
dense
    dense(x, weights, bias=None, activation="linear", **params)      weights[i][j]: input j -> unit i
    dense_backward(x, weights, grad_z, bias=None)
    neuron(x, weights, bias=0.0, activation="linear", **params)
    flatten(shape, units=None, bias=True)
regularization
    dropout(a, p, seed=0, mask=None)                  inverted dropout, p = drop probability
    batchnorm(x, gamma=None, beta=None, eps=1e-5)     training mode, biased variance
    batchnorm_backward(x, grad_output, gamma=None, eps=1e-5)
perceptron                                            y = 1 when z > 0 (fire_at_zero=True: z >= 0)
    gate_truth_table(gate, weights, bias, fire_at_zero=False)      gate in GATES or None
    train_perceptron(gate=None, lr=1.0, weights=None, bias=0.0, max_epochs=20, inputs=None,
                     targets=None, fire_at_zero=False)
    two_layer_truth_table(hidden_weights, hidden_bias, output_weights, output_bias, gate="XOR",
                          fire_at_zero=False)
mlp
    mlp_forward(x, weights, biases=None, activations="sigmoid")
    backprop_step(x, target, weights, biases=None, activations="sigmoid", loss="mse", lr=0.1)
        loss in mse, half_sse, bce, cce (cce needs a "softmax" last layer)
optimizers                                            state: the previous result's "state" (None first)
    sgd(params, grads, lr=0.01, weight_decay=0.0, state=None)
    momentum(params, grads, lr=0.01, mu=0.9, state=None, formulation="classical" | "pytorch")
    nesterov(params, grads_or_fn, lr=0.01, mu=0.9, state=None, formulation="classical" | "pytorch")
    adagrad(params, grads, lr=0.01, eps=1e-10, state=None)
    rmsprop(params, grads, lr=0.01, alpha=0.99, eps=1e-8, state=None)
    adam(params, grads, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, state=None)
    optimizer_step(name, params, grads, state=None, **hyper)
    quadratic_descent(a, c, x0, lr, steps=5, method="gd" | "momentum" | "nesterov", mu=0.9,
                      formulation="classical")
arithmetic
    init_scale, gradient_factor, update_ratio, l2_weight_decay, matmul_shape, transfer_head,
    receptive_field, bootstrap_coverage, chain_rule, feature_normalization, one_hot, argmax_class,
    tf1_constant_op, tf1_counter, tf1_placeholder
rnn
    rnn_params(input_dim, hidden, cell="simple", reset_after=False), rnn_forward(xs, W, U, b=0, h0=0)
schedules
    lr_schedule(kind, lr0, t, gamma=0.5, step_size=10, k=0.1)   kind: step, exponential, inverse_time
    first_below(kind, lr0, threshold, gamma=0.5, step_size=10, k=0.1)
    iterations_per_epoch(n_samples, batch_size, epochs=1, drop_last=False)
"""

from .activations import ACTIVATIONS, activation, softmax
from .arithmetic import (
    argmax_class,
    bootstrap_coverage,
    chain_rule,
    feature_normalization,
    gradient_factor,
    init_scale,
    l2_weight_decay,
    matmul_shape,
    one_hot,
    receptive_field,
    tf1_constant_op,
    tf1_counter,
    tf1_placeholder,
    transfer_head,
    update_ratio,
)
from .conv import (
    conv1d,
    conv2d,
    conv2d_backward,
    conv_output_size,
    conv_vs_dense_params,
    same_padding,
)
from .dense import dense, dense_backward, flatten, neuron
from .errors import MAX_CHANNELS, MAX_IMAGE_SIDE, MAX_LAYERS, MAX_VECTOR, EngineError
from .losses import (
    LOSSES,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    categorical_cross_entropy,
    categorical_cross_entropy_with_logits,
    loss,
    mse,
)
from .mlp import backprop_step, mlp_forward
from .optimizers import (
    OPTIMIZERS,
    adagrad,
    adam,
    momentum,
    nesterov,
    optimizer_step,
    quadratic_descent,
    rmsprop,
    sgd,
)
from .perceptron import GATES, gate_truth_table, train_perceptron, two_layer_truth_table
from .pooling import pool2d, pool2d_backward
from .regularization import batchnorm, batchnorm_backward, dropout
from .rnn import rnn_forward, rnn_params
from .schedules import SCHEDULES, first_below, iterations_per_epoch, lr_schedule
from .trace import Worked

__all__ = [
    "ACTIVATIONS", "GATES", "LOSSES", "MAX_CHANNELS", "MAX_IMAGE_SIDE", "MAX_LAYERS", "MAX_VECTOR",
    "OPTIMIZERS", "SCHEDULES", "EngineError", "Worked",
    "activation", "adagrad", "adam", "backprop_step", "batchnorm", "batchnorm_backward",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "categorical_cross_entropy",
    "categorical_cross_entropy_with_logits", "conv1d", "conv2d", "conv2d_backward",
    "conv_output_size", "conv_vs_dense_params", "dense", "dense_backward", "dropout",
    "first_below", "flatten", "gate_truth_table", "iterations_per_epoch", "loss", "lr_schedule",
    "mlp_forward", "momentum", "mse", "nesterov", "neuron", "optimizer_step", "pool2d",
    "pool2d_backward", "quadratic_descent", "rmsprop", "same_padding", "sgd", "softmax",
    "train_perceptron", "two_layer_truth_table",
    # arithmetic and recurrent families
    "argmax_class", "bootstrap_coverage", "chain_rule", "feature_normalization", "gradient_factor",
    "init_scale", "l2_weight_decay", "matmul_shape", "one_hot", "receptive_field", "rnn_forward",
    "rnn_params", "tf1_constant_op", "tf1_counter", "tf1_placeholder", "transfer_head", "update_ratio",
]
