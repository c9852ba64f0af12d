"""Operator rules: how many FLOPs and activations one ATen operator call counts.

A rule (a *handle*) receives the operator's `inputs` (every argument in schema order,
defaults filled in; tensors are real tensors) and `outputs` (a list) and returns a number,
or a `Counter` that names the operator as the results should show it (`Counter({"conv": n})`).
Rules are keyed by the operator name the dispatcher reports, `"aten::convolution"`: the
overload (`.default`, `.Tensor`) does not matter.

The conventions are fvcore's, which MMEngine ports: one multiply-accumulate is one FLOP, and
activations are the output elements of convolutions and matrix products.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import torch

Handle = Callable[[Sequence[Any], Sequence[Any]], "int | float | Counter[str]"]


def _shape(value: Any) -> tuple[int, ...]:
    return tuple(value.shape)


def _numel(value: Any) -> int:
    return math.prod(_shape(value))


def _defined(value: Any) -> bool:
    return isinstance(value, torch.Tensor)


# --------------------------------------------------------------------------------- products


def conv_flop_count(
    x_shape: Sequence[int], w_shape: Sequence[int], out_shape: Sequence[int], transposed: bool
) -> int:
    """FLOPs of a convolution: batch x weight elements x positions it slides over.

    The positions are the output's for a convolution and the input's for a transposed one;
    grouped convolutions are covered because the weight holds `in_channels / groups`.
    """
    spatial = (x_shape if transposed else out_shape)[2:]
    return int(x_shape[0]) * math.prod(w_shape) * math.prod(spatial)


def conv_flop(inputs: Sequence[Any], outputs: Sequence[Any]) -> Counter[str]:
    """`aten::convolution(input, weight, bias, stride, padding, dilation, transposed, ...)`."""
    x, w, transposed = inputs[0], inputs[1], bool(inputs[6])
    return Counter({"conv": conv_flop_count(_shape(x), _shape(w), _shape(outputs[0]), transposed)})


def mm_flop(inputs: Sequence[Any], outputs: Sequence[Any]) -> int:
    """`aten::mm(a, b)`: n x k x m."""
    (n, k), m = _shape(inputs[0]), _shape(inputs[1])[-1]
    return n * k * m


def addmm_flop(inputs: Sequence[Any], outputs: Sequence[Any]) -> int:
    """`aten::addmm(bias, a, b)` (what `nn.Linear` runs): n x k x m; the bias add is free."""
    return mm_flop(inputs[1:3], outputs)


def bmm_flop(inputs: Sequence[Any], outputs: Sequence[Any]) -> int:
    """`aten::bmm(a, b)` (what `matmul` and `einsum` run on batches): b x n x k x m."""
    (b, n, k), m = _shape(inputs[0]), _shape(inputs[1])[-1]
    return b * n * k * m


def baddbmm_flop(inputs: Sequence[Any], outputs: Sequence[Any]) -> int:
    """`aten::baddbmm(bias, a, b)`: as `bmm`."""
    return bmm_flop(inputs[1:3], outputs)


def mv_flop(inputs: Sequence[Any], outputs: Sequence[Any]) -> int:
    """`aten::mv(a, v)` and `aten::dot(a, b)`: one multiply-accumulate per element of `a`."""
    return _numel(inputs[0])


def addmv_flop(inputs: Sequence[Any], outputs: Sequence[Any]) -> int:
    """`aten::addmv(bias, a, v)`: as `mv`."""
    return _numel(inputs[1])


def sdpa_flop(inputs: Sequence[Any], outputs: Sequence[Any]) -> int:
    """Fused scaled dot-product attention on `q (..., L, E)`, `k (..., S, E)`, `v (..., S, Ev)`.

    The two products `q @ k^T` and `attn @ v`: `(...) x L x S x (E + Ev)`, the same as the
    `bmm` calls of the unfused path, so every backend gives one number.
    """
    q, k, v = _shape(inputs[0]), _shape(inputs[1]), _shape(inputs[2])
    return math.prod(q[:-1]) * k[-2] * (q[-1] + v[-1])


# ----------------------------------------------------------------------------- normalisation


def norm_flop_counter(weight_index: int) -> Handle:
    """A rule for a normalisation: 5 FLOPs per input element with an affine weight, 4 without."""

    def norm_flop(inputs: Sequence[Any], outputs: Sequence[Any]) -> int:
        return _numel(inputs[0]) * (5 if _defined(inputs[weight_index]) else 4)

    return norm_flop


def batch_norm_counter(training: int | bool) -> Handle:
    """A rule for a batch norm: in training (batch statistics) like any norm, 5 or 4 per
    element; in evaluation (running statistics, foldable into a convolution) 2 or 1.

    `training` is the index of the operator's `training` argument, or a fixed `True` /
    `False` for operators that always (or never) use batch statistics. An operator called
    without running statistics (`_native_batch_norm_legit.no_stats`, 6 arguments) always
    uses batch statistics.
    """

    def batch_norm_flop(inputs: Sequence[Any], outputs: Sequence[Any]) -> Counter[str]:
        if isinstance(training, bool):
            uses_batch_stats = training
        else:
            uses_batch_stats = len(inputs) <= 6 or bool(inputs[training])
        affine = _defined(inputs[1])
        per_element = (5 if affine else 4) if uses_batch_stats else (2 if affine else 1)
        return Counter({"batch_norm": _numel(inputs[0]) * per_element})

    return batch_norm_flop


def _renamed(handle: Handle, name: str) -> Handle:
    def renamed(inputs: Sequence[Any], outputs: Sequence[Any]) -> Counter[str]:
        value = handle(inputs, outputs)
        total = sum(value.values()) if isinstance(value, Counter) else value
        return Counter({name: int(total)}) if total else Counter()

    return renamed


# ------------------------------------------------------------------------------ elementwise


def elementwise_flop_counter(input_scale: float = 1, output_scale: float = 0) -> Handle:
    """A rule counting `input.numel() * input_scale + output.numel() * output_scale`."""

    def elementwise_flop(inputs: Sequence[Any], outputs: Sequence[Any]) -> int | float:
        total: int | float = 0
        if input_scale:
            total += input_scale * _numel(inputs[0])
        if output_scale:
            total += output_scale * _numel(outputs[0])
        return total

    return elementwise_flop


def global_mean_flop(inputs: Sequence[Any], outputs: Sequence[Any]) -> int:
    """`aten::mean(x, dims, keepdim=True)` over trailing dimensions is global average
    pooling (how `adaptive_avg_pool2d(x, 1)` reaches the dispatcher): 1 FLOP per input
    element, as for adaptive average pooling. Other means count 0."""
    x, dims, keepdim = inputs[0], inputs[1], bool(inputs[2])
    if not keepdim or not dims or x.dim() == 0:
        return 0
    wanted = {d % x.dim() for d in dims}
    trailing = set(range(x.dim() - len(wanted), x.dim()))
    return _numel(x) if wanted == trailing else 0


# ------------------------------------------------------------------------------ activations


def generic_activation(op_name: str | None = None) -> Handle:
    """A rule counting the elements of the first output (named `op_name` if given)."""

    def activation(inputs: Sequence[Any], outputs: Sequence[Any]) -> int | Counter[str]:
        count = _numel(outputs[0])
        return Counter({op_name: count}) if op_name else count

    return activation


def sdpa_activation(inputs: Sequence[Any], outputs: Sequence[Any]) -> int:
    """The outputs of the two products of attention: `(...) x L x S` scores, `(...) x L x Ev`."""
    q, k, v = _shape(inputs[0]), _shape(inputs[1]), _shape(inputs[2])
    return math.prod(q[:-1]) * (k[-2] + v[-1])


# ------------------------------------------------------------------------------ rule tables

_SDPA_OPS = (
    "aten::_scaled_dot_product_flash_attention_for_cpu",
    "aten::_scaled_dot_product_flash_attention",
    "aten::_scaled_dot_product_efficient_attention",
    "aten::_scaled_dot_product_cudnn_attention",
    "aten::_scaled_dot_product_fused_attention_overrideable",
)

#: FLOP rules applied by `FlopAnalyzer` (and `get_model_complexity_info`).
DEFAULT_FLOP_HANDLES: dict[str, Handle] = {
    "aten::convolution": conv_flop,
    "aten::_convolution": conv_flop,
    "aten::mm": mm_flop,
    "aten::addmm": addmm_flop,
    "aten::bmm": bmm_flop,
    "aten::baddbmm": baddbmm_flop,
    "aten::mv": mv_flop,
    "aten::dot": mv_flop,
    "aten::vdot": mv_flop,
    "aten::addmv": addmv_flop,
    **dict.fromkeys(_SDPA_OPS, _renamed(sdpa_flop, "scaled_dot_product_attention")),
    # You might want to ignore batch norm FLOPs because of inference-time fusion:
    # set_op_handle("aten::native_batch_norm", None).
    "aten::native_batch_norm": batch_norm_counter(5),
    "aten::_native_batch_norm_legit": batch_norm_counter(5),
    "aten::_native_batch_norm_legit_no_training": batch_norm_counter(False),
    "aten::_batch_norm_with_update": batch_norm_counter(True),
    "aten::_batch_norm_no_update": batch_norm_counter(False),
    "aten::cudnn_batch_norm": batch_norm_counter(5),
    "aten::miopen_batch_norm": batch_norm_counter(5),
    "aten::native_layer_norm": _renamed(norm_flop_counter(2), "layer_norm"),
    "aten::native_group_norm": _renamed(norm_flop_counter(1), "group_norm"),
    "aten::upsample_nearest1d": elementwise_flop_counter(0, 1),
    "aten::upsample_nearest2d": elementwise_flop_counter(0, 1),
    "aten::upsample_nearest3d": elementwise_flop_counter(0, 1),
    "aten::_upsample_nearest_exact1d": elementwise_flop_counter(0, 1),
    "aten::_upsample_nearest_exact2d": elementwise_flop_counter(0, 1),
    "aten::_upsample_nearest_exact3d": elementwise_flop_counter(0, 1),
    "aten::upsample_linear1d": elementwise_flop_counter(0, 2),
    "aten::upsample_bilinear2d": elementwise_flop_counter(0, 4),
    "aten::_upsample_bilinear2d_aa": elementwise_flop_counter(0, 4),
    "aten::upsample_bicubic2d": elementwise_flop_counter(0, 16),
    "aten::upsample_trilinear3d": elementwise_flop_counter(0, 8),
    "aten::grid_sampler_2d": elementwise_flop_counter(0, 4),
    "aten::cudnn_grid_sampler": elementwise_flop_counter(0, 4),
    "aten::grid_sampler_3d": elementwise_flop_counter(0, 8),
    "aten::_adaptive_avg_pool2d": _renamed(elementwise_flop_counter(1, 0), "adaptive_avg_pool2d"),
    "aten::_adaptive_avg_pool3d": _renamed(elementwise_flop_counter(1, 0), "adaptive_avg_pool3d"),
    "aten::mean": _renamed(global_mean_flop, "adaptive_avg_pool"),
    "aten::avg_pool2d": elementwise_flop_counter(1, 0),
    "aten::avg_pool3d": elementwise_flop_counter(1, 0),
}

#: Activation rules applied by `ActivationAnalyzer`: outputs of convolutions and products.
DEFAULT_ACTIVATION_HANDLES: dict[str, Handle] = {
    "aten::convolution": generic_activation("conv"),
    "aten::_convolution": generic_activation("conv"),
    **dict.fromkeys(
        ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm"), generic_activation()
    ),
    **dict.fromkeys(("aten::mv", "aten::dot", "aten::vdot", "aten::addmv"), generic_activation()),
    **dict.fromkeys(_SDPA_OPS, _renamed(sdpa_activation, "scaled_dot_product_attention")),
}

#: Operators that cost nothing by convention (views, copies, creation, indexing,
#: comparisons, ReLU, max pooling, dropout's mask): neither counted nor reported.
IGNORED_OPS: frozenset[str] = frozenset(
    f"aten::{name}"
    for name in """
    _local_scalar_dense _to_copy _unsafe_view alias arange as_strided bernoulli
    bernoulli_ bitwise_and bitwise_not bitwise_or cat chunk clamp clamp_ clamp_min
    clamp_min_ clone constant_pad_nd contiguous copy copy_ detach empty empty_like
    empty_strided eq expand fill_ flatten floor floor_divide full full_like gather ge
    gt hardtanh hardtanh_ index index_put_ index_select is_nonzero le lift_fresh lt
    masked_fill masked_fill_ max max_pool1d max_pool2d max_pool3d
    max_pool2d_with_indices max_pool3d_with_indices min narrow native_dropout ne
    new_empty new_empty_strided new_full new_ones new_zeros nonzero normal_ ones
    ones_like permute rand rand_like randn randn_like relu relu_ remainder repeat
    reshape roll scalar_tensor select slice split split_with_sizes squeeze squeeze_
    stack t threshold transpose type_as unbind uniform_ unsqueeze unsqueeze_ view where
    zero_ zeros zeros_like
    """.split()  # noqa: SIM905 - a word list reads better than 130 quoted names
)
