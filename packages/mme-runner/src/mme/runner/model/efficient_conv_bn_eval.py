"""``efficient_conv_bn_eval=[module names]``: a convolution and the frozen BatchNorm after it
computed as one convolution (MMEngine's ``turn_on_efficient_conv_bn_eval``).

When a BatchNorm is in eval mode (frozen statistics, common when fine-tuning detectors) it is
an affine map, so ``bn(conv(x))`` equals a convolution with the weight scaled by
``gamma / sqrt(var + eps)`` and a shifted bias. Computing it that way keeps one activation
instead of two for backward (the convolution's output is not stored) while the convolution,
``gamma`` and ``beta`` still get their gradients. A BatchNorm in training mode runs as usual.
The pairs are found with ``torch.fx``: the named modules must be traceable; the weights and
their names (the state_dict) are unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import torch
from torch import Tensor, fx, nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

from mme.runner._suggest import did_you_mean

_logger = logging.getLogger("mme.runner")


def efficient_conv_bn_eval_forward(bn: _BatchNorm, conv: _ConvNd, x: Tensor) -> Tensor:
    """``bn(conv(x))`` for a BatchNorm in eval mode, as one convolution."""
    assert bn.running_var is not None
    assert bn.running_mean is not None
    scale = torch.rsqrt(bn.running_var + bn.eps)
    if bn.weight is not None:
        scale = bn.weight * scale
    shape = [-1] + [1] * (conv.weight.dim() - 1)
    weight = conv.weight * scale.reshape(shape)
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    bias = (bias - bn.running_mean) * scale
    if bn.bias is not None:
        bias = bias + bn.bias
    return conv._conv_forward(x, weight, bias)


def _control(bn: _BatchNorm, conv: _ConvNd, x: Tensor) -> Tensor:
    if bn.training or not bn.track_running_stats:
        return bn(conv(x))
    return efficient_conv_bn_eval_forward(bn, conv, x)


def _fuse(module: nn.Module) -> tuple[nn.Module, int]:
    graph_module = fx.symbolic_trace(module)
    graph = graph_module.graph
    count = 0
    for node in list(graph.nodes):
        if node.op != "call_module" or not isinstance(
            graph_module.get_submodule(str(node.target)), _BatchNorm
        ):
            continue
        source = node.args[0] if node.args else None
        if (
            not isinstance(source, fx.Node)
            or source.op != "call_module"
            or not isinstance(graph_module.get_submodule(str(source.target)), _ConvNd)
            or len(source.users) != 1
        ):
            continue
        with graph.inserting_before(node):
            bn = graph.get_attr(str(node.target))
            conv = graph.get_attr(str(source.target))
            fused = graph.call_function(_control, (bn, conv, source.args[0]))
        node.replace_all_uses_with(fused)
        graph.erase_node(node)
        graph.erase_node(source)
        count += 1
    graph.lint()
    graph_module.recompile()
    return graph_module, count


def turn_on_efficient_conv_bn_eval(model: nn.Module, modules: str | Sequence[str]) -> int:
    """Rewrite the conv -> BatchNorm pairs inside each named sub-module of ``model``;
    returns the number of pairs.

    Raises:
        KeyError: a name is not a sub-module of ``model``.
    """
    names = [modules] if isinstance(modules, str) else list(modules)
    known = [name for name, _ in model.named_modules() if name]
    total = 0
    for name in names:
        try:
            module = model.get_submodule(name)
        except AttributeError:
            raise KeyError(
                f"efficient_conv_bn_eval: {type(model).__name__} has no sub-module {name!r}."
                f"{did_you_mean(name, known)}"
            ) from None
        if name == "":
            raise ValueError(
                "efficient_conv_bn_eval: name sub-modules (e.g. 'backbone'), not the model: "
                "the model's forward takes mode= and is not traced"
            )
        fused, count = _fuse(module)
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, fused)
        total += count
    _logger.info("efficient_conv_bn_eval: %d conv + BatchNorm pairs", total)
    return total
