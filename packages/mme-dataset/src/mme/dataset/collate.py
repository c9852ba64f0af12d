"""Collate functions: turn a list of samples into a batch.

``pseudo_collate`` (what MMEngine's runner uses when a dataloader is given as a dict)
transposes the structure and keeps the leaves as lists; ``default_collate`` transposes it
the same way and stacks tensors, arrays and numbers into tensors like PyTorch's
``default_collate``, except that objects it cannot stack (data elements, any other
class) are kept as lists instead of raising. Both are registered in ``FUNCTIONS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import default_collate as _torch_default_collate

from mme.dataset._notes import add_note
from mme.registry import FUNCTIONS

#: MMEngine's older name of ``FUNCTIONS`` for collate functions.
COLLATE_FUNCTIONS = FUNCTIONS

_STACKABLE = (torch.Tensor, np.ndarray, np.number, np.bool_, int, float, complex)


def _where(path: str) -> str:
    return f"at {path}" if path else "at the top level"


def _transpose(
    data_batch: Sequence[Any], path: str, leaf: Callable[[Sequence[Any], str], Any]
) -> Any:
    """Collate ``data_batch`` by its first sample's structure; ``leaf`` handles the rest."""
    first = data_batch[0]
    if isinstance(first, (str, bytes)):
        return list(data_batch)
    if isinstance(first, Mapping):
        for i, sample in enumerate(data_batch):
            missing = [key for key in first if key not in sample]
            if missing:
                raise KeyError(
                    f"collate: sample {i} of the batch has no key {missing[0]!r} "
                    f"{_where(path)}, which sample 0 has"
                )
        columns = {
            key: _transpose([sample[key] for sample in data_batch], f"{path}[{key!r}]", leaf)
            for key in first
        }
        return type(first)(columns)  # type: ignore[call-arg]
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # named tuple
        return type(first)(
            *(
                _transpose(list(samples), f"{path}.{name}", leaf)
                for name, samples in zip(first._fields, zip(*data_batch, strict=True), strict=True)
            )
        )
    if isinstance(first, Sequence):
        sizes = [len(sample) for sample in data_batch]
        if any(size != sizes[0] for size in sizes):
            raise RuntimeError(
                "each element in list of batch should be of equal size: the sequences "
                f"{_where(path)} have lengths {sizes}"
            )
        items = [
            _transpose(list(samples), f"{path}[{i}]", leaf)
            for i, samples in enumerate(zip(*data_batch, strict=True))
        ]
        if isinstance(first, tuple):
            return items  # as PyTorch does
        try:
            return type(first)(items)  # type: ignore[call-arg]
        except TypeError:  # a sequence type that cannot be built from a list (range...)
            return items
    return leaf(data_batch, path)


def _keep(data_batch: Sequence[Any], path: str) -> list[Any]:
    return list(data_batch)


def _stack(data_batch: Sequence[Any], path: str) -> Any:
    first = data_batch[0]
    if not isinstance(first, _STACKABLE) or (
        isinstance(first, np.ndarray) and first.dtype.kind in "SUO"
    ):
        return list(data_batch)  # data elements, strings in arrays, other objects
    try:
        return _torch_default_collate(list(data_batch))
    except (RuntimeError, TypeError) as error:
        shapes = [tuple(getattr(item, "shape", ())) for item in data_batch]
        add_note(
            error,
            f"default_collate: cannot stack the batch {_where(path)} (shapes {shapes}); "
            "samples of different shapes need pseudo_collate or a custom collate_fn",
        )
        raise


@FUNCTIONS.register_module()
def pseudo_collate(data_batch: Sequence[Any]) -> Any:
    """Transpose a list of samples into one structure of lists, without stacking.

    ``[{'img': a, 'label': 0}, {'img': b, 'label': 1}]`` becomes
    ``{'img': [a, b], 'label': [0, 1]}``. Mappings keep their type, lists keep theirs,
    tuples become lists of columns (as in PyTorch), named tuples stay named tuples, and
    everything else (tensors, arrays, numbers, strings, data elements) is collected in a
    list.

    Examples:
        >>> pseudo_collate([{"x": 1, "y": "a"}, {"x": 2, "y": "b"}])
        {'x': [1, 2], 'y': ['a', 'b']}
    """
    if not isinstance(data_batch, Sequence) or isinstance(data_batch, (str, bytes)):
        raise TypeError(
            f"pseudo_collate: data_batch must be a list of samples, got {type(data_batch).__name__}"
        )
    if not data_batch:
        return []
    return _transpose(data_batch, "", _keep)


@FUNCTIONS.register_module()
def default_collate(data_batch: Sequence[Any]) -> Any:
    """Transpose a list of samples and stack tensors, arrays and numbers into tensors.

    The structure is handled as in `pseudo_collate`; the leaves go through PyTorch's
    ``default_collate`` (tensors of the same shape are stacked along a new first
    dimension, NumPy arrays and numbers become tensors). Unlike PyTorch, objects it cannot
    stack, such as data elements, are kept as a list rather than raising, and a stacking
    failure names where in the sample it happened.

    Examples:
        >>> batch = default_collate([{"x": 1}, {"x": 2}])
        >>> batch["x"]
        tensor([1, 2])
    """
    if not isinstance(data_batch, Sequence) or isinstance(data_batch, (str, bytes)):
        raise TypeError(
            f"default_collate: data_batch must be a list of samples, got "
            f"{type(data_batch).__name__}"
        )
    if not data_batch:
        return []
    return _transpose(data_batch, "", _stack)
