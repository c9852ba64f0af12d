"""Helpers of models: batching images of different sizes, merging dicts, unused parameters."""

from __future__ import annotations

import logging
import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

_logger = logging.getLogger("mme.runner.model")


def stack_batch(
    tensor_list: list[Tensor], pad_size_divisor: int = 1, pad_value: int | float = 0
) -> Tensor:
    """Stack tensors of the same rank into one batch, padding their trailing dimensions.

    Every dimension but the first (the channels) is padded at its end up to the largest in
    the list, then up to a multiple of ``pad_size_divisor``.

    Examples:
        >>> stack_batch([torch.ones(3, 2, 5), torch.ones(3, 4, 3)], pad_size_divisor=4).shape
        torch.Size([2, 3, 4, 8])

    Raises:
        TypeError: ``tensor_list`` is not a list of tensors.
        ValueError: it is empty, or the tensors differ in rank or in their first dimension
            (the message gives the shapes).
    """
    if not isinstance(tensor_list, list) or not all(isinstance(t, Tensor) for t in tensor_list):
        raise TypeError(
            f"stack_batch expects a list of tensors, got {type(tensor_list).__name__}"
            + (
                f" of {sorted({type(t).__name__ for t in tensor_list})}"
                if isinstance(tensor_list, list)
                else ""
            )
        )
    if not tensor_list:
        raise ValueError("stack_batch got an empty list: there is nothing to stack.")
    shapes = [tuple(t.shape) for t in tensor_list]
    if len({len(s) for s in shapes}) != 1:
        raise ValueError(f"stack_batch: the tensors must have the same rank, got shapes {shapes}.")
    if len({s[0] for s in shapes}) != 1:
        raise ValueError(
            f"stack_batch: the tensors must have the same first (channel) dimension, got "
            f"shapes {shapes}."
        )
    if not isinstance(pad_size_divisor, int) or pad_size_divisor < 1:
        raise ValueError(
            f"stack_batch: pad_size_divisor must be a positive int, got {pad_size_divisor!r}."
        )
    rank = len(shapes[0])
    target = [
        math.ceil(max(s[d] for s in shapes) / pad_size_divisor) * pad_size_divisor
        for d in range(1, rank)
    ]
    padded = []
    for tensor, shape in zip(tensor_list, shapes, strict=True):
        pad: list[int] = []
        for d in range(rank - 1, 0, -1):  # F.pad lists the last dimension first
            pad += [0, target[d - 1] - shape[d]]
        padded.append(F.pad(tensor, pad, value=pad_value) if any(pad) else tensor)
    return torch.stack(padded)


def merge_dict(*args: dict[Any, Any]) -> dict[Any, Any]:
    """One dict with the items of every argument, later ones winning.

    Raises:
        TypeError: an argument is not a dict.
    """
    output: dict[Any, Any] = {}
    for index, item in enumerate(args):
        if not isinstance(item, dict):
            raise TypeError(
                f"merge_dict: argument {index} must be a dict, got {type(item).__name__}"
            )
        output.update(item)
    return output


def detect_anomalous_params(loss: Tensor, model: nn.Module) -> list[str]:
    """Names of the trainable parameters of ``model`` that ``loss`` does not depend on.

    Walks the autograd graph of ``loss`` (no backward pass) and logs the unused parameters
    at ERROR level: they are what makes DDP complain about unused parameters.
    """
    reached: set[Tensor] = set()
    seen: set[Any] = set()
    stack = [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        variable = getattr(node, "variable", None)
        if variable is not None:
            reached.add(variable)
        stack.extend(next_node for next_node, _ in node.next_functions)
    unused = [
        name
        for name, param in model.named_parameters()
        if param.requires_grad and param not in reached
    ]
    for name in unused:
        _logger.error(
            "%s is not in the computational graph of the loss (it gets no gradient)", name
        )
    return unused
