"""The engine agrees with PyTorch (float64, autograd, torch.optim) at 1e-9, via a stored fixture."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def _load_maker():
    # loaded by path so it works under any pytest import mode
    spec = importlib.util.spec_from_file_location("engine_torch_reference", HERE / "make_torch_fixture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


maker = _load_maker()
DOC = json.loads(maker.FIXTURE.read_text())
CASES = list(maker.iter_cases(DOC["cases"]))


def test_fixture_covers_every_operation():
    kinds = set(DOC["cases"])
    assert kinds == {"activation", "softmax", "loss", "conv2d", "pool2d", "dense", "batchnorm", "backprop_step", "optimizer"}
    assert DOC["dtype"] == "float64" and DOC["tolerance"] == 1e-9
    assert maker.FIXTURE.stat().st_size < 300_000


@pytest.mark.parametrize(("kind", "case"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_torch(kind, case):
    maker.check_case(kind, case)
