"""Padding tensors to a common shape for collectives that need equal sizes, and trimming back."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def padded(data: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    """``data`` zero-padded at the end of each dimension to ``shape`` (itself if it fits)."""
    if tuple(data.shape) == tuple(shape):
        return data
    out = data.new_zeros(tuple(shape))
    out[tuple(slice(0, n) for n in data.shape)] = data
    return out


def trimmed(data: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    """The leading ``shape`` part of ``data``, as a copy (itself if the shapes are equal)."""
    if tuple(data.shape) == tuple(shape):
        return data
    return data[tuple(slice(0, n) for n in shape)].clone()
