"""The engine's families as tools: typed inputs, one call into engine/, a JSON-ready answer with steps.

The JSON API (/api/engine/...) and the playground page share these, so each family is wired once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

import engine

Num = Annotated[float, Field(allow_inf_nan=False)]
Vector = Annotated[list[Num], Field(min_length=1, max_length=10_000)]
Matrix = Annotated[list[Vector], Field(min_length=1, max_length=64)]
Tensor = Annotated[list[Matrix], Field(min_length=1, max_length=16)]
Kernel = Matrix | Annotated[list[Tensor], Field(min_length=1, max_length=16)]
ActivationName = Literal["step", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish"]


class In(BaseModel):
    """Base of every tool's input: unknown keys are refused so typos get a clear message."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Input:
    """One input of a tool as the playground form shows it."""

    name: str
    label: str
    kind: str  # number, int, vector, matrix, tensor, choice, bool, text
    default: str
    choices: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Tool:
    """An engine family exposed to the API and the playground."""

    slug: str
    title: str
    summary: str
    model: type[In]
    run: Callable[[Any], dict[str, Any]]
    inputs: tuple[Input, ...]
    picture: str | None = None  # which SVG the playground draws: curve, bars, grids, gate
    extra: dict[str, Any] = field(default_factory=dict)


def _with_steps(worked: engine.Worked, **answer: Any) -> dict[str, Any]:
    """The engine's full result, the keys the API promises, and the steps."""
    return {**worked.result, **answer, "steps": worked.steps}


# --- softmax -------------------------------------------------------------------------------
class SoftmaxIn(In):
    logits: Vector
    temperature: Annotated[float, Field(gt=0, le=1e6)] = 1.0


def _softmax(m: SoftmaxIn) -> dict[str, Any]:
    w = engine.softmax(m.logits, temperature=m.temperature)
    return _with_steps(w, values=w.result["probabilities"])


# --- activations ---------------------------------------------------------------------------
class ActivationIn(In):
    name: ActivationName = "sigmoid"
    x: Num | Vector = 2.0
    slope: Annotated[float, Field(ge=0, le=1)] = 0.01
    alpha: Annotated[float, Field(gt=0, le=10)] = 1.0
    beta: Annotated[float, Field(gt=0, le=10)] = 1.0


def _activation(m: ActivationIn) -> dict[str, Any]:
    params = {"leaky_relu": {"slope": m.slope}, "elu": {"alpha": m.alpha}, "swish": {"beta": m.beta}}.get(m.name, {})
    return _with_steps(engine.activation(m.name, m.x, **params))


# --- losses ---------------------------------------------------------------------------------
class LossIn(In):
    loss: Literal["mse", "bce", "bce_logits", "cce", "cce_logits"] = "mse"
    y_true: Vector | Matrix
    y_pred: Vector | Matrix


def _loss(m: LossIn) -> dict[str, Any]:
    return _with_steps(engine.loss(m.loss, m.y_true, m.y_pred))


# --- convolution arithmetic -------------------------------------------------------------------
class ConvSizeIn(In):
    input_size: Annotated[int, Field(ge=1, le=100_000)]
    kernel_size: Annotated[int, Field(ge=1, le=100_000)]
    padding: Annotated[int, Field(ge=0, le=100_000)] | Literal["same", "valid"] = 0
    stride: Annotated[int, Field(ge=1, le=100_000)] = 1
    dilation: Annotated[int, Field(ge=1, le=1000)] = 1


def _conv_size(m: ConvSizeIn) -> dict[str, Any]:
    return _with_steps(engine.conv_output_size(m.input_size, m.kernel_size, m.padding, m.stride, m.dilation))


class ParamCountIn(In):
    height: Annotated[int, Field(ge=1, le=100_000)] = 32
    width: Annotated[int, Field(ge=1, le=100_000)] = 32
    in_channels: Annotated[int, Field(ge=1, le=100_000)] = 3
    filters: Annotated[int, Field(ge=1, le=100_000)] = 16
    kernel_size: Annotated[int, Field(ge=1, le=1000)] = 3
    units: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    stride: Annotated[int, Field(ge=1, le=1000)] = 1
    padding: Annotated[int, Field(ge=0, le=1000)] | Literal["same", "valid"] = 0


def _param_count(m: ParamCountIn) -> dict[str, Any]:
    return _with_steps(engine.conv_vs_dense_params(m.height, m.width, m.in_channels, m.filters, m.kernel_size,
                                                   units=m.units, stride=m.stride, padding=m.padding))


class Conv2dIn(In):
    input: Matrix | Tensor
    kernel: Kernel
    bias: Num | Vector | None = None
    stride: Annotated[int, Field(ge=1, le=64)] = 1
    padding: Annotated[int, Field(ge=0, le=32)] | Literal["same", "valid"] = 0


def _conv2d(m: Conv2dIn) -> dict[str, Any]:
    return _with_steps(engine.conv2d(m.input, m.kernel, bias=m.bias, stride=m.stride, padding=m.padding))


class Pool2dIn(In):
    input: Matrix
    size: Annotated[int, Field(ge=1, le=64)] = 2
    stride: Annotated[int, Field(ge=1, le=64)] | None = None
    mode: Literal["max", "avg"] = "max"


def _pool2d(m: Pool2dIn) -> dict[str, Any]:
    return _with_steps(engine.pool2d(m.input, size=m.size, stride=m.stride, mode=m.mode))


# --- perceptron ------------------------------------------------------------------------------
class PerceptronIn(In):
    gate: Literal["AND", "OR", "NAND", "NOR", "XOR"] = "AND"
    weights: Annotated[list[Num], Field(min_length=2, max_length=2)] | None = None
    bias: Num | None = None
    learning_rate: Annotated[float, Field(gt=0, le=100)] = 1.0
    epochs: Annotated[int, Field(ge=1, le=100)] = 20
    # The bank's convention (and the seed inventory's): the step fires at z >= 0.
    fire_at_zero: bool = True


def _perceptron(m: PerceptronIn) -> dict[str, Any]:
    if m.weights is not None:
        w = engine.gate_truth_table(m.gate, m.weights, m.bias if m.bias is not None else 0.0, fire_at_zero=m.fire_at_zero)
        rows = [{"inputs": r["x"], "weighted_sum": r["z"], "output": r["y"], "target": r["target"]} for r in w.result["rows"]]
        return {**w.result, "rows": rows, "correct": bool(w.result["implements"]), "steps": w.steps}
    w = engine.train_perceptron(m.gate, lr=m.learning_rate, bias=m.bias or 0.0, max_epochs=m.epochs,
                                fire_at_zero=m.fire_at_zero)
    return _with_steps(w, updates=w.result["history"])


# --- backpropagation -------------------------------------------------------------------------
class LayerIn(In):
    weights: Matrix
    bias: Vector | None = None
    activation: ActivationName | Literal["softmax"] = "sigmoid"


class BackpropIn(In):
    x: Vector
    y: Vector
    layers: Annotated[list[LayerIn], Field(min_length=1, max_length=8)]
    loss: Literal["mse", "half_sse", "bce", "cce"] = "mse"
    learning_rate: Annotated[float, Field(gt=0, le=100)] = 0.5


def _backprop(m: BackpropIn) -> dict[str, Any]:
    w = engine.backprop_step(
        m.x, m.y, [layer.weights for layer in m.layers],
        [layer.bias if layer.bias is not None else [0.0] * len(layer.weights) for layer in m.layers],
        [layer.activation for layer in m.layers], m.loss, m.learning_rate,
    )
    r = w.result
    gradients = [{"weights": gw, "bias": gb} for gw, gb in zip(r["grad_weights"], r["grad_biases"], strict=True)]
    updated = [{"weights": uw, "bias": ub} for uw, ub in zip(r["weights"], r["biases"], strict=True)]
    return {**r, "outputs": r["output"], "gradients": gradients, "updated": updated, "steps": w.steps}


# --- optimisers and schedules ------------------------------------------------------------------
class OptimizerIn(In):
    optimizer: Literal["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"] = "adam"
    params: Vector
    grads: Vector
    lr: Annotated[float, Field(gt=0, le=100)] | None = None
    steps: Annotated[int, Field(ge=1, le=10)] = 1


def _optimizer(m: OptimizerIn) -> dict[str, Any]:
    hyper = {"lr": m.lr} if m.lr is not None else {}
    state, steps, result = None, [], {}
    params = m.params
    for i in range(m.steps):
        w = engine.optimizer_step(m.optimizer, params, m.grads, state=state, **hyper)
        result, state, params = w.result, w.result.get("state"), w.result["params"]
        steps += [{**s, "title": f"Step {i + 1}: {s['title']}"} for s in w.steps] if m.steps > 1 else w.steps
    return {**result, "steps": steps}


class ScheduleIn(In):
    kind: Literal["step", "exponential", "inverse_time"] = "step"
    lr0: Annotated[float, Field(gt=0, le=100)] = 0.1
    t: Annotated[int, Field(ge=0, le=1_000_000)] | Annotated[list[Annotated[int, Field(ge=0, le=1_000_000)]], Field(min_length=1, max_length=200)] = 10
    gamma: Annotated[float, Field(gt=0, le=1)] = 0.5
    step_size: Annotated[int, Field(ge=1, le=1_000_000)] = 5
    k: Annotated[float, Field(ge=0, le=100)] = 0.1


def _schedule(m: ScheduleIn) -> dict[str, Any]:
    return _with_steps(engine.lr_schedule(m.kind, m.lr0, m.t, gamma=m.gamma, step_size=m.step_size, k=m.k))


class IterationsIn(In):
    n_samples: Annotated[int, Field(ge=1, le=10**12)] = 10_000
    batch_size: Annotated[int, Field(ge=1, le=10**12)] = 200
    epochs: Annotated[int, Field(ge=1, le=10**6)] = 1
    drop_last: bool = False


def _iterations(m: IterationsIn) -> dict[str, Any]:
    return _with_steps(engine.iterations_per_epoch(m.n_samples, m.batch_size, m.epochs, m.drop_last))


# --- normalisation and regularisation -----------------------------------------------------------
class BatchNormIn(In):
    x: Matrix
    gamma: Num | Vector | None = None
    beta: Num | Vector | None = None
    eps: Annotated[float, Field(gt=0, le=1)] = 1e-5


def _batchnorm(m: BatchNormIn) -> dict[str, Any]:
    return _with_steps(engine.batchnorm(m.x, gamma=m.gamma, beta=m.beta, eps=m.eps))


class DropoutIn(In):
    a: Vector
    p: Annotated[float, Field(ge=0, lt=1)] = 0.5
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0


def _dropout(m: DropoutIn) -> dict[str, Any]:
    return _with_steps(engine.dropout(m.a, m.p, seed=m.seed))


TOOLS: dict[str, Tool] = {t.slug: t for t in [
    Tool("softmax", "Softmax", "Probabilities from logits, with a temperature; stable for huge logits.", SoftmaxIn, _softmax,
         (Input("logits", "Logits", "vector", "1, 2, 3, 4, 1, 2, 3"), Input("temperature", "Temperature", "number", "1")),
         picture="bars"),
    Tool("activation", "Activation and derivative", "An activation function's value and slope at x.", ActivationIn, _activation,
         (Input("name", "Function", "choice", "sigmoid", ("step", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish")),
          Input("x", "x", "number", "2"), Input("slope", "Leaky ReLU slope", "number", "0.01"),
          Input("alpha", "ELU alpha", "number", "1"), Input("beta", "Swish beta", "number", "1")), picture="curve"),
    Tool("loss", "Loss and gradient", "MSE, binary and categorical cross-entropy, from probabilities or logits.", LossIn, _loss,
         (Input("loss", "Loss", "choice", "bce", ("mse", "bce", "bce_logits", "cce", "cce_logits")),
          Input("y_true", "Targets", "vector", "1, 0, 1"), Input("y_pred", "Predictions", "vector", "0.9, 0.2, 0.6"))),
    Tool("conv-output-size", "Convolution output size", "floor((I − F + 2P)/S) + 1, with 'same' and 'valid' padding and dilation.",
         ConvSizeIn, _conv_size,
         (Input("input_size", "Input size I", "int", "12"), Input("kernel_size", "Kernel F", "int", "3"),
          Input("padding", "Padding P (a number, same or valid)", "text", "0"), Input("stride", "Stride S", "int", "1"),
          Input("dilation", "Dilation", "int", "1"))),
    Tool("param-count", "Parameters: conv vs dense", "Weights and multiply-adds of a conv layer against a dense layer on the same input.",
         ParamCountIn, _param_count,
         (Input("height", "Height", "int", "32"), Input("width", "Width", "int", "32"), Input("in_channels", "Input channels", "int", "3"),
          Input("filters", "Filters", "int", "16"), Input("kernel_size", "Kernel size", "int", "3"), Input("units", "Dense units (optional)", "text", ""))),
    Tool("conv2d", "2-D convolution", "Cross-correlation as the frameworks compute it (no kernel flip), with stride and padding.",
         Conv2dIn, _conv2d,
         (Input("input", "Input (H×W, or C×H×W)", "matrix", "[[1, 2, 0, 1, 3], [0, 1, 2, 3, 1], [1, 0, 1, 2, 2], [2, 1, 0, 1, 0], [1, 3, 2, 0, 1]]"),
          Input("kernel", "Kernel", "matrix", "[[1, 0, -1], [1, 0, -1], [1, 0, -1]]"), Input("stride", "Stride", "int", "1"),
          Input("padding", "Padding", "text", "0")), picture="grids", extra={"rename": {"x": "input"}}),
    Tool("pool2d", "Pooling", "Max or average pooling; windows may overlap when the stride is smaller than the window.", Pool2dIn, _pool2d,
         (Input("input", "Input (H×W)", "matrix", "[[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]"),
          Input("size", "Window", "int", "2"), Input("stride", "Stride", "int", "2"), Input("mode", "Mode", "choice", "max", ("max", "avg"))),
         picture="grids", extra={"rename": {"x": "input"}}),
    Tool("perceptron", "Perceptron", "A gate's truth table for given weights and bias, or training with w ← w + η(d − y)x.", PerceptronIn,
         _perceptron,
         (Input("gate", "Gate", "choice", "AND", ("AND", "OR", "NAND", "NOR", "XOR")),
          Input("weights", "Weights w1, w2 (empty: train from zeros)", "vector", "1, 1"), Input("bias", "Bias", "number", "-1.5"),
          Input("learning_rate", "Learning rate (training)", "number", "1"), Input("epochs", "Max epochs (training)", "int", "20"),
          Input("fire_at_zero", "Step fires at z = 0 (z ≥ 0)", "bool", "true")),
         picture="gate"),
    Tool("backprop-step", "Backpropagation step", "Forward pass, every gradient and the updated weights of a small network.", BackpropIn,
         _backprop,
         (Input("x", "Input x", "vector", "0.05, 0.10"), Input("y", "Target y", "vector", "0.01, 0.99"),
          Input("layers", "Layers (JSON)", "text",
                '[{"weights": [[0.15, 0.20], [0.25, 0.30]], "bias": [0.35, 0.35], "activation": "sigmoid"}, '
                '{"weights": [[0.40, 0.45], [0.50, 0.55]], "bias": [0.60, 0.60], "activation": "sigmoid"}]',
                help="weights[i][j] joins input j to unit i, as torch.nn.Linear stores it"),
          Input("loss", "Loss", "choice", "half_sse", ("mse", "half_sse", "bce", "cce")), Input("learning_rate", "Learning rate", "number", "0.5"))),
    Tool("optimizer-step", "Optimiser update", "SGD, momentum, Nesterov, AdaGrad, RMSProp and Adam with bias correction.", OptimizerIn,
         _optimizer,
         (Input("optimizer", "Optimiser", "choice", "adam", ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")),
          Input("params", "Parameters", "vector", "1, -2"), Input("grads", "Gradients", "vector", "0.5, -0.1"),
          Input("lr", "Learning rate (empty: the optimiser's default)", "text", ""), Input("steps", "Steps (same gradient)", "int", "1"))),
    Tool("lr-schedule", "Learning-rate schedule", "Step, exponential and 1/t decay.", ScheduleIn, _schedule,
         (Input("kind", "Schedule", "choice", "step", ("step", "exponential", "inverse_time")), Input("lr0", "Initial rate", "number", "0.1"),
          Input("t", "Epochs or steps t", "vector", "0, 5, 10, 20"), Input("gamma", "Step factor γ", "number", "0.5"),
          Input("step_size", "Step every", "int", "5"), Input("k", "Decay k", "number", "0.1"))),
    Tool("iterations-per-epoch", "Epochs, batches and iterations", "How many updates an epoch makes, and the last batch's size.",
         IterationsIn, _iterations,
         (Input("n_samples", "Samples", "int", "10000"), Input("batch_size", "Batch size", "int", "200"),
          Input("epochs", "Epochs", "int", "10"), Input("drop_last", "Drop the last partial batch", "bool", "false"))),
    Tool("batchnorm", "Batch normalisation", "Batch statistics, normalised values and γx̂ + β (training mode).", BatchNormIn, _batchnorm,
         (Input("x", "Batch (rows are examples)", "matrix", "[[1, 10], [2, 20], [3, 30], [6, 60]]"),
          Input("gamma", "γ", "vector", "2, 1"), Input("beta", "β", "vector", "0.5, 0"))),
    Tool("dropout", "Dropout (inverted)", "p is the probability of dropping a unit; kept units are scaled by 1/(1 − p).", DropoutIn, _dropout,
         (Input("a", "Activations", "vector", "0.5, 1.2, -0.3, 2.0, 0.8, 1.5"), Input("p", "Drop probability p", "number", "0.5"),
          Input("seed", "Seed", "int", "0"))),
]}
