"""2-D max and average pooling, forward and backward (windows may overlap)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import EngineError, as_array, as_choice, as_image, as_pair
from .trace import Worked, step, worked

SHOW_LIMIT = 1024


def _show(arr: np.ndarray) -> Any:
    return arr if arr.size <= SHOW_LIMIT else {"shape": list(arr.shape)}


def _setup(x: Any, size: Any, stride: Any, mode: str):
    xa = as_image(x, "x", ndim=(2, 3))
    kh, kw = as_pair(size, "size", low=1, high=64)
    sh, sw = (kh, kw) if stride is None else as_pair(stride, "stride", low=1, high=64)
    mode = as_choice(mode, "mode", ("max", "avg"))
    x3 = xa if xa.ndim == 3 else xa[None]
    _, h, w = x3.shape
    if kh > h or kw > w:
        raise EngineError("size", f"{kh}x{kw} window is larger than the {h}x{w} input")
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    win = sliding_window_view(x3, (kh, kw), axis=(1, 2))[:, : sh * (ho - 1) + 1 : sh, : sw * (wo - 1) + 1 : sw]
    return xa, x3, (kh, kw), (sh, sw), mode, (ho, wo), win


def _formula(mode: str) -> str:
    if mode == "max":
        return r"y_{h,w} = \max_{i,j}\ x_{hS + i,\ wS + j}"
    return r"y_{h,w} = \frac{1}{k_h k_w}\sum_{i,j} x_{hS + i,\ wS + j}"


def pool2d(x: Any, size: Any = 2, stride: Any = None, mode: str = "max") -> Worked:
    """Max or average pooling of an H x W or C x H x W input (stride defaults to size)."""
    xa, x3, (kh, kw), (sh, sw), mode, (ho, wo), win = _setup(x, size, stride, mode)
    flat = win.reshape(*win.shape[:3], kh * kw)
    out = flat.max(axis=-1) if mode == "max" else flat.mean(axis=-1)
    out = out if xa.ndim == 3 else out[0]
    h, w = x3.shape[1:]
    overlap = sh < kh or sw < kw
    steps = [
        step("Output size", r"O = \left\lfloor \frac{I - k}{S} \right\rfloor + 1",
             {"input": [h, w], "size": [kh, kw], "stride": [sh, sw]}, {"output": [ho, wo]},
             "The windows overlap because the stride is smaller than the window." if overlap else ""),
        step("First window", _formula(mode), {"window": _show(win[0, 0, 0])}, {"value": float(out.flat[0])}),
        step(f"{'Max' if mode == 'max' else 'Average'} over every window", _formula(mode),
             {"x": _show(xa), "stride": [sh, sw]}, {"output": _show(out)}),
    ]
    result = {"output": out, "output_shape": list(out.shape), "size": [kh, kw], "stride": [sh, sw], "mode": mode}
    return worked(result, steps)


def pool2d_backward(x: Any, grad_output: Any, size: Any = 2, stride: Any = None, mode: str = "max") -> Worked:
    """Gradient of pool2d wrt its input: max routes to the (first) maximum, avg spreads evenly."""
    xa, x3, (kh, kw), (sh, sw), mode, (ho, wo), win = _setup(x, size, stride, mode)
    c = x3.shape[0]
    g = as_array(grad_output, "grad_output", ndim=xa.ndim, max_size=16 * 64 * 64)
    g3 = g if g.ndim == 3 else g[None]
    if g3.shape != (c, ho, wo):
        raise EngineError("grad_output", f"shape {g.shape} does not match the output shape {(c, ho, wo)[3 - xa.ndim:]}")
    grad = np.zeros_like(x3)
    if mode == "max":
        # argmax picks the first maximum in row-major order, as PyTorch does for ties
        idx = win.reshape(c, ho, wo, kh * kw).argmax(axis=-1)
        rows = np.arange(ho)[None, :, None] * sh + idx // kw
        cols = np.arange(wo)[None, None, :] * sw + idx % kw
        chans = np.broadcast_to(np.arange(c)[:, None, None], idx.shape)
        np.add.at(grad, (chans, rows, cols), g3)  # add.at: overlapping windows may share a maximum
        note = "Only the input that was the maximum of a window receives that window's gradient; overlapping windows add up."
        formula = r"\frac{\partial L}{\partial x_p} = \sum_{\text{windows with } \arg\max = p} \delta_{h,w}"
    else:
        share = g3 / (kh * kw)
        for i in range(kh):
            for j in range(kw):
                grad[:, i : i + sh * ho : sh, j : j + sw * wo : sw] += share
        note = "Every input in a window receives 1/(k_h k_w) of that window's gradient; overlapping windows add up."
        formula = r"\frac{\partial L}{\partial x_p} = \sum_{\text{windows} \ni p} \frac{\delta_{h,w}}{k_h k_w}"
    grad = grad if xa.ndim == 3 else grad[0]
    steps = [step("Route the gradient back", formula, {"grad_output": _show(g)}, {"grad_input": _show(grad)}, note)]
    return worked({"grad_input": grad, "mode": mode}, steps)
