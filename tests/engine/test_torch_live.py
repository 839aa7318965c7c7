"""Compare the engine with a live PyTorch on freshly drawn cases (skipped without torch)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import engine as e  # noqa: E402

pytestmark = pytest.mark.torch

spec = importlib.util.spec_from_file_location("engine_torch_reference_live", Path(__file__).parent / "make_torch_fixture.py")
maker = importlib.util.module_from_spec(spec)
spec.loader.exec_module(maker)


@pytest.mark.parametrize("seed", [1])
def test_fresh_cases_match_torch(seed):
    for _, kind, case in maker.iter_cases(maker.build_cases(seed)):
        maker.check_case(kind, case)


def _numbers(value):
    """All numbers in a nested structure, in order (the layer lists are ragged)."""
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, dict):
        return [n for k in sorted(value) for n in _numbers(value[k])]
    return [float(value)] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


def test_stored_fixture_is_reproducible():
    # the committed JSON is what the generator makes now (so nobody edited it by hand)
    import json

    stored = json.loads(maker.FIXTURE.read_text())["cases"]
    fresh = json.loads(json.dumps(maker.build_cases()))
    assert stored.keys() == fresh.keys()
    for kind in stored:
        for a, b in zip(stored[kind], fresh[kind], strict=True):
            assert a.keys() == b.keys()
            for key, value in a.items():
                np.testing.assert_allclose(_numbers(value), _numbers(b[key]), rtol=1e-12, atol=1e-12,
                                           err_msg=f"{kind}.{key}")


def test_classical_nesterov_tracks_torch_lookahead():
    # PyTorch's Nesterov parameters are the classical method's look-ahead point theta + mu v
    a, lr, mu = 1.5, 0.05, 0.9

    def grad(x):
        return 2 * a * x

    p = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=mu, nesterov=True)
    x, state = 2.0, None
    for _ in range(5):
        p.grad = grad(p.detach().clone())
        opt.step()
        w = e.nesterov(x, grad, lr=lr, mu=mu, state=state)
        x, state = w["params"], w["state"]
        assert p.item() == pytest.approx(x + mu * state["velocity"], abs=1e-12)


def test_dropout_scaling_matches_torch():
    torch.manual_seed(0)
    a = torch.arange(1.0, 11.0, dtype=torch.float64)
    out = torch.nn.functional.dropout(a, p=0.3, training=True)
    mask = (out != 0).double().tolist()
    np.testing.assert_allclose(e.dropout(a.tolist(), 0.3, mask=mask)["output"], out.numpy(), rtol=1e-12)
