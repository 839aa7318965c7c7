"""Computed question families: seed -> parameters -> prompt, answer, engine trace, known mistakes.

Question authors reference a family in YAML as ``generator: <name>`` with optional ``params``
fixing some parameters (the rest are drawn from ``numpy.random.default_rng(seed)``).
"""

from __future__ import annotations

from .activations import Activation, Softmax, Swish
from .base import Family, Instance, Mistake
from .conv import (
    Conv1DShared,
    Conv2D,
    ConvOutputSize,
    ConvPaddingTF,
    ConvVsDenseParams,
    FlattenDense,
    Pooling,
    ReceptiveField,
)
from .misc import (
    BootstrapCoverage,
    ChainRule,
    FeatureNormalization,
    GradientFactor,
    InitScale,
    MatmulShape,
    OneHot,
    TF1Snippet,
    TransferHead,
    UpdateRatio,
)
from .mlp import BackpropStep, MLPForward
from .optim import AdamStep, GDQuadratic, LRSchedule, MomentumNesterov, SGDUpdate
from .perceptron import NeuronOutput, PerceptronGate, PerceptronTraining, XORTwoLayer
from .rnn import RNNForward, RNNParams
from .training import BatchNormForward, Dropout, IterationsPerEpoch, L2WeightDecay, LossValue

# In the order of seed-inventory §4 (C01..C39).
_FAMILIES: list[type[Family]] = [
    Softmax, Activation, Swish,
    ConvOutputSize, ConvPaddingTF, Pooling, Conv2D, Conv1DShared, ConvVsDenseParams, FlattenDense,
    PerceptronGate, PerceptronTraining, NeuronOutput, MLPForward, BackpropStep, XORTwoLayer,
    GDQuadratic, SGDUpdate, MomentumNesterov, AdamStep, LRSchedule,
    LossValue, BatchNormForward, Dropout, IterationsPerEpoch, FeatureNormalization, OneHot,
    L2WeightDecay, InitScale, GradientFactor, MatmulShape, TF1Snippet, UpdateRatio,
    RNNParams, RNNForward, TransferHead, ReceptiveField, BootstrapCoverage, ChainRule,
]

GENERATORS: dict[str, Family] = {cls.name: cls() for cls in _FAMILIES}


def get_generator(name: str) -> Family:
    """The family registered under `name`; KeyError naming it when unknown."""
    try:
        return GENERATORS[name]
    except KeyError:
        raise KeyError(f"unknown generator {name!r}") from None


def catalogue() -> list[dict]:
    """Every family's name, title, description and the params a question may fix (for docs/admin)."""
    return [{"name": f.name, "title": f.title, "description": f.description, "params": dict(f.params_doc)}
            for f in GENERATORS.values()]


__all__ = ["GENERATORS", "Family", "Instance", "Mistake", "catalogue", "get_generator"]
