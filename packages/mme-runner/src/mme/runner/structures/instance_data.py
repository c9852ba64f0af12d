"""InstanceData: per-instance fields (boxes, labels, scores...) that all have the same length."""

from __future__ import annotations

import itertools
from collections.abc import Sequence, Sized
from typing import Any

import numpy as np
import torch

from mme.runner.structures.base_data_element import BaseDataElement

IndexType = str | slice | int | list[int] | torch.Tensor | np.ndarray


class InstanceData(BaseDataElement):
    """Data fields of one length, one item per instance, indexable like a tensor.

    Every data field must have a length (tensors, arrays, lists, strings, or objects with
    ``__len__``) equal to the others'. Indexing with an int, a slice, a bool mask, an index
    tensor/array or a list of ints returns a new ``InstanceData`` with those instances of
    every field; a str returns the field. ``InstanceData.cat`` joins several.

    Examples:
        >>> pred = InstanceData(metainfo=dict(img_shape=(8, 8)))
        >>> pred.scores = torch.tensor([0.9, 0.2, 0.7])
        >>> pred.labels = [3, 1, 3]
        >>> kept = pred[pred.scores > 0.5]
        >>> len(kept), kept.labels
        (2, [3, 3])
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("_metainfo_fields", "_data_fields"):
            super().__setattr__(name, value)
            return
        if not isinstance(value, Sized):
            raise TypeError(
                f"InstanceData field {name!r} must have a length (a tensor, array, list...), "
                f"got {type(value).__name__}."
            )
        current = len(self)
        others = [key for key in self.keys() if key != name]
        if others and len(value) != current:
            raise ValueError(
                f"InstanceData field {name!r} has length {len(value)}, but the other fields "
                f"({', '.join(repr(k) for k in sorted(others))}) have length {current}."
            )
        super().__setattr__(name, value)

    __setitem__ = __setattr__

    def __getitem__(self, item: IndexType) -> Any:
        if isinstance(item, str):
            return getattr(self, item)
        length = len(self)
        if isinstance(item, bool):
            raise TypeError("InstanceData cannot be indexed with a bool; use a bool tensor mask.")
        if isinstance(item, int):
            if not -length <= item < length:
                raise IndexError(
                    f"index {item} is out of range for InstanceData of length {length}"
                )
            item = slice(item % length, item % length + 1)
        if isinstance(item, list):
            item = np.asarray(item, dtype=np.int64) if item else np.zeros(0, dtype=np.int64)
        if isinstance(item, np.ndarray):
            item = torch.from_numpy(item)
        new_data = self.__class__(metainfo=self.metainfo)
        if isinstance(item, slice):
            for key, value in self.items():
                new_data[key] = value[item]
            return new_data
        if not isinstance(item, torch.Tensor):
            raise TypeError(
                "InstanceData indices are str, int, slice, list of int, or a 1-D bool/integer "
                f"tensor or array, got {type(item).__name__}."
            )
        if item.dim() != 1:
            raise ValueError(
                f"InstanceData index tensors must be 1-D, got shape {tuple(item.shape)}."
            )
        if item.dtype == torch.bool:
            if len(item) != length:
                raise ValueError(
                    f"The bool mask has length {len(item)} but "
                    f"the InstanceData has {length} instances."
                )
            indexes = torch.nonzero(item).view(-1)
        elif item.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
            indexes = item.long()
        else:
            raise TypeError(
                f"InstanceData index tensors must be bool or integer, got {item.dtype}."
            )
        for key, value in self.items():
            new_data[key] = _take(key, value, indexes)
        return new_data

    @staticmethod
    def cat(instances_list: Sequence[InstanceData]) -> InstanceData:
        """One InstanceData with the instances of every element of the list, in order.

        Raises:
            ValueError: the list is empty, or the elements have different fields, or a field
                cannot be concatenated.
        """
        if not instances_list:
            raise ValueError("InstanceData.cat got an empty list.")
        for index, instances in enumerate(instances_list):
            if not isinstance(instances, InstanceData):
                raise TypeError(
                    f"InstanceData.cat: element {index} is a "
                    f"{type(instances).__name__}, not an InstanceData."
                )
        if len(instances_list) == 1:
            return instances_list[0]
        field_sets = [sorted(instances.keys()) for instances in instances_list]
        for index, fields in enumerate(field_sets[1:], start=1):
            if fields != field_sets[0]:
                raise ValueError(
                    f"InstanceData.cat: element {index} has fields "
                    f"{fields}, element 0 has {field_sets[0]}."
                )
        first = instances_list[0]
        new_data = first.__class__(metainfo=first.metainfo)
        for key in first.keys():  # noqa: SIM118 (InstanceData is not iterable)
            values = [instances[key] for instances in instances_list]
            head = values[0]
            if isinstance(head, torch.Tensor):
                joined: Any = torch.cat(values, dim=0)
            elif isinstance(head, np.ndarray):
                joined = np.concatenate(values, axis=0)
            elif isinstance(head, (str, list, tuple)):
                joined = head[:]
                for value in values[1:]:
                    joined += value
            elif hasattr(head, "cat"):
                joined = head.cat(values)
            else:
                raise ValueError(
                    f"InstanceData.cat: field {key!r} is a "
                    f"{type(head).__name__}, which has no cat method."
                )
            new_data[key] = joined
        return new_data

    def __len__(self) -> int:
        values = self.values()
        return len(values[0]) if values else 0


def _take(key: str, value: Any, indexes: torch.Tensor) -> Any:
    if isinstance(value, torch.Tensor):
        return value[indexes.to(value.device)]
    if isinstance(value, np.ndarray):
        return value[indexes.cpu().numpy()]
    if isinstance(value, (str, list, tuple)) or (
        hasattr(value, "__getitem__") and hasattr(value, "cat")
    ):
        picked = [value[i : i + 1] for i in indexes.tolist()]
        if not picked:
            return value[:0]
        if isinstance(value, str):
            return "".join(picked)
        if isinstance(value, (list, tuple)):
            return type(value)(itertools.chain.from_iterable(picked))
        return value.cat(picked)
    raise TypeError(
        f"InstanceData field {key!r} ({type(value).__name__}) cannot be indexed with a tensor."
    )
