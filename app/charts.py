"""Small SVG charts rendered on the server (no JavaScript), as plain data for templates."""

from __future__ import annotations

from typing import Any


def bar_chart(values: list[float], labels: list[str], *, width: int = 560, height: int = 160,
              max_value: float | None = None) -> dict[str, Any]:
    """Bars for values (e.g. reviews due per day), scaled into a width x height box."""
    top = max_value if max_value is not None else max(values + [1.0])
    n = max(len(values), 1)
    slot = width / n
    bars = []
    for i, (v, label) in enumerate(zip(values, labels, strict=True)):
        h = 0 if top <= 0 else (height - 20) * v / top
        bars.append({"x": round(i * slot + slot * 0.15, 1), "y": round(height - 16 - h, 1), "w": round(slot * 0.7, 1),
                     "h": round(h, 1), "value": v, "label": label, "lx": round(i * slot + slot / 2, 1)})
    return {"width": width, "height": height, "bars": bars}


def line_chart(values: list[float], labels: list[str], *, width: int = 560, height: int = 160) -> dict[str, Any]:
    """A polyline for values in [0, 1] (e.g. accuracy per day)."""
    n = len(values)
    if n == 0:
        return {"width": width, "height": height, "points": "", "dots": []}
    step = (width - 40) / max(n - 1, 1)
    dots = []
    for i, (v, label) in enumerate(zip(values, labels, strict=True)):
        x = 20 + i * step if n > 1 else width / 2
        y = 10 + (height - 30) * (1 - max(0.0, min(1.0, v)))
        dots.append({"x": round(x, 1), "y": round(y, 1), "value": v, "label": label})
    return {"width": width, "height": height, "points": " ".join(f"{d['x']},{d['y']}" for d in dots), "dots": dots}
