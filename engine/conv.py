"""Convolution arithmetic and 2-D convolution forward/backward.

conv2d computes cross-correlation (the kernel is not flipped), as PyTorch and TensorFlow do.
Shapes: an input is H x W or C x H x W; a kernel is kH x kW (one channel, one filter),
C x kH x kW (one filter over C channels) or Cout x Cin x kH x kW (PyTorch's layout).
Padding is an int, an (int, int) pair, "valid" (none) or "same" (TensorFlow's rule:
output ceil(I / S), the odd pixel of padding goes after, i.e. bottom/right).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import EngineError, as_array, as_image, as_int, as_pair, check_image_shape
from .trace import Worked, step, worked

MAX_SIZE = 100_000  # output-size arithmetic is not limited to renderable images
SHOW_LIMIT = 1024  # arrays larger than this appear in traces by shape only
MAX_MACS = 20_000_000  # about 50 ms of NumPy work: enough for any question, refuses a denial of service


def _show(arr: np.ndarray) -> Any:
    return arr if arr.size <= SHOW_LIMIT else {"shape": list(arr.shape)}


def same_padding(input_size: int, kernel_size: int, stride: int = 1, dilation: int = 1) -> tuple[int, int, int]:
    """TensorFlow "same": (output size, pad_before, pad_after) for one axis."""
    effective = dilation * (kernel_size - 1) + 1
    out = -(-input_size // stride)  # ceil
    total = max((out - 1) * stride + effective - input_size, 0)
    return out, total // 2, total - total // 2


def _padding(padding: Any, param: str = "padding") -> Any:
    if isinstance(padding, str):
        p = padding.lower()
        if p not in ("same", "valid"):
            raise EngineError(param, f'must be an integer, a pair, "same" or "valid"; got {padding!r}')
        return p
    return as_pair(padding, param, low=0, high=MAX_SIZE)


def conv_output_size(
    input_size: int,
    kernel_size: int,
    padding: int | str = 0,
    stride: int = 1,
    dilation: int = 1,
    filters: int | None = None,
) -> Worked:
    """Output size of a convolution or pooling window along one axis (floor rule), traced."""
    n = as_int(input_size, "input_size", low=1, high=MAX_SIZE)
    f = as_int(kernel_size, "kernel_size", low=1, high=MAX_SIZE)
    s = as_int(stride, "stride", low=1, high=MAX_SIZE)
    d = as_int(dilation, "dilation", low=1, high=MAX_SIZE)
    k = None if filters is None else as_int(filters, "filters", low=1, high=MAX_SIZE)
    pad = _padding(padding)
    if not isinstance(pad, str) and pad[0] != pad[1]:
        raise EngineError("padding", "give one integer: the same padding on both sides")
    eff = d * (f - 1) + 1
    steps = []
    if d > 1:
        steps.append(step("Effective kernel size", r"F_{\text{eff}} = D(F - 1) + 1", {"F": f, "D": d}, {"F_eff": eff}))
    note = ""
    if pad == "same":
        out, before, after = same_padding(n, f, s, d)
        total = before + after
        exact = True
        steps += [
            step('Output size with "same" padding', r"O = \left\lceil \frac{I}{S} \right\rceil", {"I": n, "S": s}, {"O": out}),
            step(
                "Total padding",
                r"P_{\text{total}} = \max\big((O - 1)S + F_{\text{eff}} - I,\ 0\big)",
                {"O": out, "S": s, "F_eff": eff, "I": n},
                {"pad_total": total},
            ),
            step(
                "Split the padding",
                r"P_{\text{before}} = \lfloor P_{\text{total}} / 2 \rfloor,\quad P_{\text{after}} = P_{\text{total}} - P_{\text{before}}",
                {"pad_total": total},
                {"pad_before": before, "pad_after": after},
                "TensorFlow puts the odd pixel after (bottom/right); PyTorch's padding='same' does the same for stride 1.",
            ),
        ]
    else:
        p = 0 if pad == "valid" else pad[0]
        before = after = p
        span = n + 2 * p - eff
        if span < 0:
            raise EngineError("kernel_size", f"kernel ({eff}) is larger than the padded input ({n + 2 * p})")
        out = span // s + 1
        exact = span % s == 0
        if not exact:
            note = (f"({n} + 2*{p} - {eff}) / {s} = {span / s:g} is not a whole number: it is rounded down, "
                    f"so the last {span % s} row(s)/column(s) of the padded input are never covered.")
        formula = r"O = \left\lfloor \frac{I + 2P - F_{\text{eff}}}{S} \right\rfloor + 1"
        if pad == "valid":
            formula = r"O = \left\lceil \frac{I - F_{\text{eff}} + 1}{S} \right\rceil = \left\lfloor \frac{I - F_{\text{eff}}}{S} \right\rfloor + 1"
        steps.append(step("Output size", formula, {"I": n, "F_eff": eff, "P": p, "S": s}, {"O": out}, note))
    result = {
        "input_size": n,
        "kernel_size": f,
        "stride": s,
        "dilation": d,
        "padding": pad if isinstance(pad, str) else pad[0],
        "pad_before": before,
        "pad_after": after,
        "output_size": out,
        "exact": exact,
        "note": note,
    }
    if k is not None:
        result["filters"] = k
        result["output_shape"] = [out, out, k]
        steps.append(step("Output volume", r"O \times O \times K", {"O": out, "K": k}, {"shape": [out, out, k]},
                          "One output channel per filter."))
    return worked(result, steps)


# ---------------------------------------------------------------- conv2d


def _layout(x: Any, kernel: Any) -> tuple[np.ndarray, np.ndarray, str]:
    """Bring input to C x H x W and kernel to Cout x Cin x kH x kW; return the output layout."""
    xa = as_image(x, "x", ndim=(2, 3))
    ka = as_array(kernel, "kernel", ndim=(2, 3, 4), max_size=16 * 16 * 64 * 64)
    check_image_shape(ka.shape[-2:], "kernel")
    if ka.ndim == 4 and (ka.shape[0] > 16 or ka.shape[1] > 16):
        raise EngineError("kernel", f"has {ka.shape[0]}x{ka.shape[1]} channels, more than the limit of 16")
    if ka.ndim == 2:
        if xa.ndim != 2:
            raise EngineError("kernel", f"a kH x kW kernel needs an H x W input; x has shape {xa.shape}")
        return xa[None], ka[None, None], "2d"
    x3 = xa if xa.ndim == 3 else xa[None]
    k4 = ka[None] if ka.ndim == 3 else ka
    if k4.shape[1] != x3.shape[0]:
        raise EngineError("kernel", f"has {k4.shape[1]} input channel(s) but x has {x3.shape[0]}")
    return x3, k4, ("2d" if ka.ndim == 3 else "3d")


def _resolve_padding(pad: Any, h: int, w: int, kh: int, kw: int, sh: int, sw: int) -> tuple[tuple[int, int], tuple[int, int]]:
    if pad == "valid":
        return (0, 0), (0, 0)
    if pad == "same":
        _, t, b = same_padding(h, kh, sh)
        _, left, right = same_padding(w, kw, sw)
        return (t, b), (left, right)
    return (pad[0], pad[0]), (pad[1], pad[1])


def _geometry(x3, k4, stride, padding):
    sh, sw = as_pair(stride, "stride", low=1, high=64)
    pad = _padding(padding)
    if not isinstance(pad, str) and max(pad) > 64:
        raise EngineError("padding", "must be at most 64")
    _, h, w = x3.shape
    kh, kw = k4.shape[-2:]
    (pt, pb), (pl, pr) = _resolve_padding(pad, h, w, kh, kw, sh, sw)
    if kh > h + pt + pb or kw > w + pl + pr:
        raise EngineError("kernel", f"{kh}x{kw} kernel is larger than the padded {h + pt + pb}x{w + pl + pr} input")
    ho = (h + pt + pb - kh) // sh + 1
    wo = (w + pl + pr - kw) // sw + 1
    macs = ho * wo * k4.shape[0] * k4.shape[1] * kh * kw
    if macs > MAX_MACS:
        raise EngineError("kernel", f"needs {macs:,} multiply-adds, more than the limit of {MAX_MACS:,}")
    return (sh, sw), ((pt, pb), (pl, pr)), (ho, wo)


def _windows(xp: np.ndarray, kh: int, kw: int, sh: int, sw: int, ho: int, wo: int) -> np.ndarray:
    # C x Ho x Wo x kH x kW view of every receptive field
    return sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, : sh * (ho - 1) + 1 : sh, : sw * (wo - 1) + 1 : sw]


def _bias(bias: Any, cout: int) -> np.ndarray:
    if bias is None:
        return np.zeros(cout)
    b = as_array(bias, "bias", ndim=(0, 1))
    if b.ndim == 1 and b.size != cout:
        raise EngineError("bias", f"has {b.size} values for {cout} filter(s)")
    return np.broadcast_to(b, (cout,)).astype(np.float64)


def conv2d(x: Any, kernel: Any, bias: Any = None, stride: Any = 1, padding: Any = 0) -> Worked:
    """2-D convolution (cross-correlation, no kernel flip) with bias, stride and zero padding."""
    x3, k4, layout = _layout(x, kernel)
    (sh, sw), ((pt, pb), (pl, pr)), (ho, wo) = _geometry(x3, k4, stride, padding)
    cout, cin, kh, kw = k4.shape
    b = _bias(bias, cout)
    xp = np.pad(x3, ((0, 0), (pt, pb), (pl, pr)))
    win = _windows(xp, kh, kw, sh, sw, ho, wo)
    out = np.einsum("chwij,ocij->ohw", win, k4) + b[:, None, None]
    first = win[:, 0, 0] * k4[0]
    steps = [
        step(
            "Output size",
            r"O = \left\lfloor \frac{I + P_{\text{before}} + P_{\text{after}} - F}{S} \right\rfloor + 1",
            {"input": [x3.shape[1], x3.shape[2]], "kernel": [kh, kw], "padding": [[pt, pb], [pl, pr]], "stride": [sh, sw]},
            {"output": [ho, wo]},
        ),
    ]
    if pt or pb or pl or pr:
        steps.append(step("Zero-pad the input", r"x_{\text{pad}}", {"padding": [[pt, pb], [pl, pr]]},
                          {"padded": _show(xp if layout == "3d" or cin > 1 else xp[0])}))
    steps += [
        step(
            "First output value",
            r"y_{0,0} = \sum_{c,i,j} x_{c,\,i,\,j}\, K_{c,\,i,\,j} + b",
            {"window": _show(win[:, 0, 0] if cin > 1 else win[0, 0, 0]), "kernel": _show(k4[0] if cin > 1 else k4[0, 0]), "bias": b[0]},
            {"products": _show(first if cin > 1 else first[0]), "value": float(first.sum() + b[0])},
            "Cross-correlation: the kernel is not flipped, as in PyTorch and TensorFlow.",
        ),
        step(
            "Slide over every position",
            r"y_{o,h,w} = \sum_{c,i,j} x_{c,\,hS + i,\,wS + j}\, K_{o,c,i,j} + b_o",
            {"stride": [sh, sw]},
            {"output": _show(out if layout == "3d" else out[0])},
        ),
    ]
    result = {
        "output": out if layout == "3d" else out[0],
        "output_shape": list(out.shape if layout == "3d" else out.shape[1:]),
        "padding": [[pt, pb], [pl, pr]],
        "stride": [sh, sw],
    }
    return worked(result, steps)


def conv2d_backward(x: Any, kernel: Any, grad_output: Any, stride: Any = 1, padding: Any = 0) -> Worked:
    """Gradients of conv2d wrt its input, kernel and bias, given dL/d(output)."""
    x3, k4, layout = _layout(x, kernel)
    (sh, sw), ((pt, pb), (pl, pr)), (ho, wo) = _geometry(x3, k4, stride, padding)
    cout, cin, kh, kw = k4.shape
    g = as_array(grad_output, "grad_output", ndim=(2, 3), max_size=16 * 64 * 64)
    g3 = g if layout == "3d" else g[None] if g.ndim == 2 else g
    if g3.shape != (cout, ho, wo):
        want = (cout, ho, wo) if layout == "3d" else (ho, wo)
        raise EngineError("grad_output", f"shape {g.shape} does not match the output shape {want}")
    xp = np.pad(x3, ((0, 0), (pt, pb), (pl, pr)))
    win = _windows(xp, kh, kw, sh, sw, ho, wo)
    grad_kernel = np.einsum("ohw,chwij->ocij", g3, win)
    grad_bias = g3.sum(axis=(1, 2))
    grad_xp = np.zeros_like(xp)
    for i in range(kh):
        for j in range(kw):
            # every output (h, w) touched padded input (hS + i, wS + j) through kernel tap (i, j)
            grad_xp[:, i : i + sh * ho : sh, j : j + sw * wo : sw] += np.einsum("ohw,oc->chw", g3, k4[:, :, i, j])
    grad_x = grad_xp[:, pt : pt + x3.shape[1], pl : pl + x3.shape[2]]
    xa = np.asarray(x, dtype=np.float64)
    ka = np.asarray(kernel, dtype=np.float64)
    grad_x = grad_x.reshape(xa.shape)
    grad_kernel = grad_kernel.reshape(ka.shape)
    steps = [
        step("Bias gradient", r"\frac{\partial L}{\partial b_o} = \sum_{h,w} \delta_{o,h,w}", {"grad_output": _show(g)},
             {"grad_bias": grad_bias}),
        step(
            "Kernel gradient",
            r"\frac{\partial L}{\partial K_{o,c,i,j}} = \sum_{h,w} \delta_{o,h,w}\, x_{c,\,hS + i,\,wS + j}",
            {"x": _show(xa)},
            {"grad_kernel": _show(grad_kernel)},
            "The same cross-correlation as the forward pass, with the output gradient as the kernel.",
        ),
        step(
            "Input gradient",
            r"\frac{\partial L}{\partial x_{c,p,q}} = \sum_{o,i,j:\ p = hS + i,\ q = wS + j} \delta_{o,h,w}\, K_{o,c,i,j}",
            {"kernel": _show(ka)},
            {"grad_input": _show(grad_x)},
            "Each output gradient is spread back over the window it came from; padding rows are dropped.",
        ),
    ]
    result = {
        "grad_input": grad_x,
        "grad_kernel": grad_kernel,
        "grad_bias": grad_bias if layout == "3d" else float(grad_bias[0]),
    }
    return worked(result, steps)


def conv1d(x: Any, kernel: Any, bias: Any = None, stride: int = 1, padding: int = 0) -> Worked:
    """1-D convolution with one shared kernel, and its weight count vs a dense layer."""
    xa = as_array(x, "x", ndim=1)
    ka = as_array(kernel, "kernel", ndim=1)
    s = as_int(stride, "stride", low=1, high=MAX_SIZE)
    p = as_int(padding, "padding", low=0, high=MAX_SIZE)
    k = ka.size
    span = xa.size + 2 * p - k
    if span < 0:
        raise EngineError("kernel", f"kernel ({k}) is larger than the padded input ({xa.size + 2 * p})")
    b = 0.0 if bias is None else float(as_array(bias, "bias", ndim=0))
    xp = np.pad(xa, p)
    n_out = span // s + 1
    if n_out * k > MAX_MACS:
        raise EngineError("kernel", f"needs {n_out * k:,} multiply-adds, more than the limit of {MAX_MACS:,}")
    win = sliding_window_view(xp, k)[::s][:n_out]
    out = win @ ka + b
    dense = xa.size * n_out
    steps = [
        step("Output length", r"n_{\text{out}} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1",
             {"n": xa.size, "p": p, "k": k, "s": s}, {"n_out": n_out}),
        step("Slide the shared kernel", r"h_t = \sum_{i} w_i\, x_{ts + i} + b",
             {"x_padded": xp, "kernel": ka, "bias": b}, {"windows": win, "output": out},
             "The same weights are used at every position (weight sharing)."),
        step("Weights: shared vs dense", r"k \ \text{vs}\ n \cdot n_{\text{out}}",
             {"k": k, "n": xa.size, "n_out": n_out}, {"shared_weights": k, "dense_weights": dense}),
    ]
    result = {"output": out, "n_out": n_out, "shared_weights": k, "dense_weights": dense}
    return worked(result, steps)


def conv_vs_dense_params(
    height: int,
    width: int,
    in_channels: int,
    filters: int,
    kernel_size: int,
    units: int | None = None,
    stride: int = 1,
    padding: int | str = 0,
    bias: bool = True,
) -> Worked:
    """Parameter and multiply-add counts of a conv layer vs dense layers on the same input."""
    h = as_int(height, "height", low=1, high=MAX_SIZE)
    w = as_int(width, "width", low=1, high=MAX_SIZE)
    c = as_int(in_channels, "in_channels", low=1, high=MAX_SIZE)
    k = as_int(filters, "filters", low=1, high=MAX_SIZE)
    f = as_int(kernel_size, "kernel_size", low=1, high=MAX_SIZE)
    u = k if units is None else as_int(units, "units", low=1, high=MAX_SIZE)
    if not isinstance(bias, (bool, np.bool_)):
        raise EngineError("bias", "must be true or false")
    nb = int(bool(bias))
    ho = conv_output_size(h, f, padding, stride).result["output_size"]
    wo = conv_output_size(w, f, padding, stride).result["output_size"]
    conv_params = k * (f * f * c + nb)
    conv_macs = ho * wo * k * f * f * c
    n_in = h * w * c
    dense_params = u * (n_in + nb)
    dense_macs = n_in * u
    same_out = ho * wo * k
    full_params = same_out * (n_in + nb)
    steps = [
        step("Conv layer parameters", r"K\,(F^2 C_{\text{in}} + 1)", {"K": k, "F": f, "C_in": c, "bias": nb},
             {"conv_params": conv_params}, "Each filter has F x F x C_in weights and one bias, shared over all positions."),
        step("Conv output size", r"O = \left\lfloor \frac{I + 2P - F}{S} \right\rfloor + 1",
             {"H": h, "W": w, "F": f, "P": padding, "S": stride}, {"H_out": ho, "W_out": wo}),
        step("Conv multiply-adds", r"H_{\text{out}} W_{\text{out}}\, K\, F^2 C_{\text{in}}",
             {"H_out": ho, "W_out": wo, "K": k, "F": f, "C_in": c}, {"conv_macs": conv_macs}),
        step("Dense layer parameters", r"U\,(H W C_{\text{in}} + 1)", {"U": u, "H": h, "W": w, "C_in": c, "bias": nb},
             {"dense_params": dense_params, "dense_macs": dense_macs}, "Every unit sees every input value."),
        step("Ratio", r"\frac{\text{dense}}{\text{conv}}", {"dense_params": dense_params, "conv_params": conv_params},
             {"ratio": dense_params / conv_params}),
        step("Dense layer with the conv layer's output size", r"(H W C_{\text{in}} + 1)\, H_{\text{out}} W_{\text{out}} K",
             {"outputs": same_out}, {"params": full_params, "macs": n_in * same_out}),
    ]
    result = {
        "conv_params": conv_params,
        "conv_macs": conv_macs,
        "conv_output_shape": [ho, wo, k],
        "dense_units": u,
        "dense_params": dense_params,
        "dense_macs": dense_macs,
        "ratio": dense_params / conv_params,
        "dense_same_output_params": full_params,
        "dense_same_output_macs": n_in * same_out,
    }
    return worked(result, steps)
