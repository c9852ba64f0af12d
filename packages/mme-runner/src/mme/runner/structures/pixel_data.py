"""PixelData: per-pixel fields (masks, segmentation maps) that share a height and width."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from mme.runner.structures.base_data_element import BaseDataElement


class PixelData(BaseDataElement):
    """Data fields that are ``(C, H, W)`` tensors or arrays with the same ``H`` and ``W``.

    A 2-D ``(H, W)`` value is stored as ``(1, H, W)`` (with a warning). Slicing with one or
    two slices crops every field: ``pixel_data[10:20, 5:15]``.

    Examples:
        >>> seg = PixelData(metainfo=dict(img_id=1), sem_seg=torch.zeros(1, 4, 6))
        >>> seg.shape
        (4, 6)
        >>> seg[1:3, :2].shape
        (2, 2)
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("_metainfo_fields", "_data_fields"):
            super().__setattr__(name, value)
            return
        if not isinstance(value, (torch.Tensor, np.ndarray)):
            raise TypeError(
                f"PixelData field {name!r} must be a tensor or "
                f"a numpy array, got {type(value).__name__}."
            )
        if value.ndim not in (2, 3):
            raise ValueError(
                f"PixelData field {name!r} must be (H, W) or "
                f"(C, H, W), got shape {tuple(value.shape)}."
            )
        others = [key for key in self.keys() if key != name]
        shape = self.shape
        if others and shape is not None and tuple(value.shape[-2:]) != shape:
            raise ValueError(
                f"PixelData field {name!r} has height and width {tuple(value.shape[-2:])}, but "
                f"the other fields ({', '.join(repr(k) for k in sorted(others))}) have {shape}."
            )
        if value.ndim == 2:
            value = value[None]
            warnings.warn(
                f"PixelData field {name!r}: the (H, W) value is stored as (1, H, W).",
                stacklevel=2,
            )
        super().__setattr__(name, value)

    __setitem__ = __setattr__

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, str):
            return getattr(self, item)
        if isinstance(item, slice):
            item = (item,)
        if not (
            isinstance(item, tuple)
            and 1 <= len(item) <= 2
            and all(isinstance(i, slice) for i in item)
        ):
            raise TypeError(
                "PixelData is indexed with a field name or one "
                f"or two slices (height, width), got {item!r}."
            )
        index = (slice(None), *item)
        new_data = self.__class__(metainfo=self.metainfo)
        for key, value in self.items():
            new_data[key] = value[index]
        return new_data

    @property
    def shape(self) -> tuple[int, int] | None:
        """``(H, W)`` of the fields, or ``None`` when there is none."""
        values = self.values()
        if not values:
            return None
        height, width = values[0].shape[-2:]
        return int(height), int(width)
