"""Small SVG pictures for worked answers: an activation curve, probability bars, grids, a gate's line."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.engine_tools import Tool


def _curve(result: dict[str, Any]) -> dict[str, Any] | None:
    """The activation over [-5, 5] with the asked point marked."""
    import engine

    name, params = result["name"], result.get("params") or {}
    xs = np.linspace(-5, 5, 121)
    ys = np.asarray(engine.activation(name, xs.tolist(), **params).result["value"], dtype=float)
    lo, hi = float(min(ys.min(), -1.0)), float(max(ys.max(), 1.0))
    w, h, pad = 320, 200, 16

    def sx(x: float) -> float:
        return pad + (x + 5) / 10 * (w - 2 * pad)

    def sy(y: float) -> float:
        return h - pad - (y - lo) / (hi - lo) * (h - 2 * pad)

    x0 = result["x"] if isinstance(result["x"], (int, float)) else None
    point = None
    if x0 is not None and -5 <= x0 <= 5:
        point = {"x": round(sx(x0), 1), "y": round(sy(result["value"]), 1)}
    return {"kind": "curve", "width": w, "height": h, "points": " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(xs, ys, strict=True)),
            "axis_y": round(sy(0.0), 1), "axis_x": round(sx(0.0), 1), "point": point, "lo": lo, "hi": hi, "title": f"{name} on [-5, 5]"}


def _bars(result: dict[str, Any]) -> dict[str, Any]:
    """One bar per class probability."""
    values = result["probabilities"]
    w, h = 320, 180
    slot = w / len(values)
    bars = [{"x": round(i * slot + slot * 0.15, 1), "w": round(slot * 0.7, 1), "h": round((h - 30) * v, 1),
             "y": round(h - 18 - (h - 30) * v, 1), "value": v, "lx": round(i * slot + slot / 2, 1), "label": f"z{i + 1}"}
            for i, v in enumerate(values)]
    return {"kind": "bars", "width": w, "height": h, "bars": bars, "title": "softmax probabilities"}


def _grid(matrix: list[list[float]], title: str) -> dict[str, Any]:
    """A heat-map grid of a matrix with its numbers, shaded by value."""
    arr = np.asarray(matrix, dtype=float)
    if arr.ndim == 3:
        arr = arr[0]
        title += " (first channel)"
    lo, hi = float(arr.min()), float(arr.max())
    cell = 34 if max(arr.shape) <= 8 else 18
    cells = []
    for (i, j), v in np.ndenumerate(arr):
        shade = 0.5 if hi == lo else (v - lo) / (hi - lo)
        light = int(round(96 - 50 * shade))
        cells.append({"x": j * cell, "y": i * cell, "value": float(v), "fill": f"hsl(228, 70%, {light}%)",
                      "ink": "#fff" if light < 65 else "#1b1f2a"})
    return {"title": title, "width": arr.shape[1] * cell, "height": arr.shape[0] * cell, "cell": cell, "cells": cells,
            "labels": max(arr.shape) <= 8}


def _grids(result: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """Input and output feature maps side by side."""
    return {"kind": "grids", "grids": [_grid(inputs["input"], "input"), _grid(result["output"], "output")]}


def _gate(result: dict[str, Any]) -> dict[str, Any] | None:
    """The four inputs and the line w1 x1 + w2 x2 + b = 0 that separates them."""
    weights = result.get("weights")
    bias = result.get("bias")
    if weights is None or bias is None:
        return None
    w1, w2 = float(weights[0]), float(weights[1])
    size, pad = 200, 30

    def s(v: float) -> float:
        return pad + v * (size - 2 * pad)

    targets = result.get("targets") or []
    points = [{"cx": s(x1), "cy": size - s(x2), "on": (targets[i] if i < len(targets) else None)}
              for i, (x1, x2) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)])]
    line = None
    lo, hi = -0.25, 1.25
    if abs(w2) > 1e-12:
        y_lo, y_hi = -(w1 * lo + bias) / w2, -(w1 * hi + bias) / w2
        line = {"x1": s(lo), "y1": size - s(y_lo), "x2": s(hi), "y2": size - s(y_hi)}
    elif abs(w1) > 1e-12:
        x = -bias / w1
        line = {"x1": s(x), "y1": size - s(lo), "x2": s(x), "y2": size - s(hi)}
    if line and not all(math.isfinite(v) for v in line.values()):
        line = None
    return {"kind": "gate", "size": size, "points": points, "line": line,
            "title": f"decision line {w1:g}·x1 + {w2:g}·x2 + {bias:g} = 0"}


def picture_for(tool: Tool, result: dict[str, Any], inputs: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The picture a tool's worked answer gets, or None."""
    if tool.picture == "curve":
        return _curve(result)
    if tool.picture == "bars":
        return _bars(result)
    if tool.picture == "grids" and inputs is not None:
        return _grids(result, inputs)
    if tool.picture == "gate":
        return _gate({**(inputs or {}), **result})
    return None
