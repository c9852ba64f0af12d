"""Data preprocessors: the first thing a model does with a batch (move it, normalise it, pad it).

A data preprocessor is an ``nn.Module`` held by the model as ``model.data_preprocessor``.
``BaseModel.train_step`` calls it with ``training=True``, ``val_step``/``test_step`` with
``training=False``; it returns what ``forward`` is called with (a dict as ``**data``, a tuple
or list as ``*data``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mme.registry import MODELS
from mme.runner.model.utils import stack_batch
from mme.runner.structures import BaseDataElement


@MODELS.register_module()
class BaseDataPreprocessor(nn.Module):
    """Move any nested batch (dicts, lists, tuples, namedtuples, tensors, data elements) to
    the model's device.

    The device follows the model: ``model.to(device)``/``model.cuda()`` set it. A tensor in
    pinned memory is copied asynchronously to a GPU; ``non_blocking=True`` asks for it for
    every tensor.

    Args:
        non_blocking: copy every tensor with ``non_blocking=True``.
    """

    def __init__(self, non_blocking: bool | None = False) -> None:
        super().__init__()
        self._non_blocking = bool(non_blocking)
        self._device = torch.device("cpu")
        self._checked_device: torch.device | None = None  # the device _to_cpu was read from
        self._to_cpu = True

    @property
    def device(self) -> torch.device:
        """The device data is moved to."""
        return self._device

    def cast_data(self, data: Any) -> Any:
        """``data`` with every tensor and data element moved to `device`."""
        kind = type(data)
        # Exact built-in containers first; a batch whose tensors are all in place already is
        # copied as it is (a plain loop and a C-level copy: this runs on every batch). For
        # the CPU, a tensor's is_cpu flag says it; its .device would be a new object each time.
        device = self._device
        if device is not self._checked_device:  # (also when a subclass sets _device itself)
            self._checked_device, self._to_cpu = device, device.type == "cpu"
        to_cpu = self._to_cpu
        if kind is tuple or kind is list or kind is dict:
            for item in data.values() if kind is dict else data:
                if type(item) is not Tensor or not (
                    item.is_cpu if to_cpu else item.device == device
                ):
                    break
            else:
                return kind(data)
            if kind is dict:
                return {key: self.cast_data(value) for key, value in data.items()}
            return kind([self.cast_data(item) for item in data])
        if isinstance(data, Tensor):
            return self._move(data)
        if isinstance(data, BaseDataElement):
            return data.to(self._device, non_blocking=self._non_blocking)
        if isinstance(data, (str, bytes)):
            return data
        if isinstance(data, Mapping):
            return kind({key: self.cast_data(value) for key, value in data.items()})
        if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
            return kind(*(self.cast_data(item) for item in data))
        if isinstance(data, Sequence):
            return kind(self.cast_data(item) for item in data)
        return data

    def _move(self, tensor: Tensor) -> Tensor:
        device = self._device
        if tensor.device == device:
            return tensor
        non_blocking = self._non_blocking or (device.type != "cpu" and tensor.is_pinned())
        return tensor.to(device, non_blocking=non_blocking)

    def forward(self, data: Any, training: bool = False) -> Any:
        """``data`` moved to the device (``training`` is for subclasses)."""
        return self.cast_data(data)

    def to(self, *args: Any, **kwargs: Any) -> BaseDataPreprocessor:
        device = torch._C._nn._parse_to(*args, **kwargs)[0]
        if device is not None:
            self._device = torch.device(device)
        return super().to(*args, **kwargs)

    def cuda(self, device: torch.device | int | None = None) -> BaseDataPreprocessor:
        self._device = _cuda_device(device)
        return super().cuda(device)

    def cpu(self) -> BaseDataPreprocessor:
        self._device = torch.device("cpu")
        return super().cpu()


def _cuda_device(device: torch.device | int | None) -> torch.device:
    if device is None:
        return torch.device("cuda")
    return torch.device("cuda", device) if isinstance(device, int) else torch.device(device)


@MODELS.register_module()
class ImgDataPreprocessor(BaseDataPreprocessor):
    """Move images to the device, then convert colour order, normalise and pad them.

    Takes a dict with ``inputs`` (a ``(N, C, H, W)`` tensor, or a list of ``(C, H, W)``
    tensors of different sizes) and optionally ``data_samples``; returns the dict with
    ``inputs`` a float ``(N, C, H, W)`` tensor whose height and width are multiples of
    ``pad_size_divisor``. Moving the ``uint8`` images first and normalising on the device
    moves a quarter of the bytes a float batch would.

    Args:
        mean: per-channel mean subtracted from the images (``None``: no normalisation).
        std: per-channel standard deviation the images are divided by.
        pad_size_divisor: pad height and width up to a multiple of this.
        pad_value: the value of padded pixels.
        bgr_to_rgb: reverse the channel order of 3-channel images (BGR to RGB).
        rgb_to_bgr: the same, named the other way; at most one of the two.
        non_blocking: copy every tensor with ``non_blocking=True``.

    Examples:
        >>> pre = ImgDataPreprocessor(mean=[127.5], std=[127.5])
        >>> out = pre({'inputs': torch.full((2, 1, 4, 4), 255, dtype=torch.uint8)})
        >>> out['inputs'].unique().tolist()
        [1.0]
    """

    mean: Tensor
    std: Tensor

    def __init__(
        self,
        mean: Sequence[float | int] | None = None,
        std: Sequence[float | int] | None = None,
        pad_size_divisor: int = 1,
        pad_value: float | int = 0,
        bgr_to_rgb: bool = False,
        rgb_to_bgr: bool = False,
        non_blocking: bool | None = False,
    ) -> None:
        super().__init__(non_blocking)
        if bgr_to_rgb and rgb_to_bgr:
            raise ValueError(
                "ImgDataPreprocessor: bgr_to_rgb and rgb_to_bgr both reverse the channels; "
                "set at most one of them."
            )
        if (mean is None) != (std is None):
            raise ValueError(
                f"ImgDataPreprocessor: mean and std go together; got mean={mean!r} and std={std!r}."
            )
        if not isinstance(pad_size_divisor, int) or pad_size_divisor < 1:
            raise ValueError(
                f"ImgDataPreprocessor: pad_size_divisor must be a positive int, got "
                f"{pad_size_divisor!r}."
            )
        self._channel_conversion = bool(bgr_to_rgb or rgb_to_bgr)
        self._enable_normalize = mean is not None
        if mean is not None and std is not None:
            if len(mean) not in (1, 3) or len(std) not in (1, 3):
                raise ValueError(
                    "ImgDataPreprocessor: mean and std need 1 value (gray images) or 3 "
                    f"(colour images), got mean={list(mean)} and std={list(std)}."
                )
            self.register_buffer(
                "mean", torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1), False
            )
            self.register_buffer(
                "std", torch.tensor(std, dtype=torch.float32).view(-1, 1, 1), False
            )
        self.pad_size_divisor = pad_size_divisor
        self.pad_value = pad_value

    def forward(self, data: Any, training: bool = False) -> dict[str, Any]:
        """The batch dict with ``inputs`` moved, converted, normalised and padded."""
        if not isinstance(data, Mapping) or "inputs" not in data:
            keys = list(data) if isinstance(data, Mapping) else None
            raise TypeError(
                "ImgDataPreprocessor expects a dict with an 'inputs' key (what the dataset's "
                f"samples hold), got {type(data).__name__}"
                + (f" with keys {keys}" if keys is not None else "")
                + ". Return dict(inputs=..., data_samples=...) from the pipeline, or use "
                "BaseDataPreprocessor for other layouts."
            )
        data = self.cast_data(data)
        inputs = data["inputs"]
        if isinstance(inputs, Tensor):
            if inputs.dim() != 4:
                raise ValueError(
                    "ImgDataPreprocessor: a batched 'inputs' tensor must be (N, C, H, W), got "
                    f"shape {tuple(inputs.shape)}."
                )
            batch = self._pad(self._convert(inputs, channel_dim=1))
        elif isinstance(inputs, (list, tuple)) and all(isinstance(i, Tensor) for i in inputs):
            images = [self._convert(image, channel_dim=0) for image in inputs]
            batch = stack_batch(images, self.pad_size_divisor, self.pad_value)
        else:
            raise TypeError(
                "ImgDataPreprocessor: 'inputs' must be a (N, C, H, W) tensor or a list of "
                f"(C, H, W) tensors, got {type(inputs).__name__}."
            )
        out = dict(data)
        out["inputs"] = batch
        out.setdefault("data_samples", None)
        return out

    def _convert(self, images: Tensor, channel_dim: int) -> Tensor:
        channels = images.shape[channel_dim] if images.dim() > channel_dim else 0
        if self._channel_conversion and channels == 3:
            images = images.flip(channel_dim)
        images = images.float()
        if self._enable_normalize:
            if images.dim() != channel_dim + 3:
                raise ValueError(
                    "ImgDataPreprocessor: images must be (C, H, W) to be normalised, got "
                    f"shape {tuple(images.shape[channel_dim:])}."
                )
            if self.mean.shape[0] == 3 and channels != 3:
                raise ValueError(
                    f"ImgDataPreprocessor: mean and std have 3 values but the images have "
                    f"{channels} channel(s) (shape {tuple(images.shape)})."
                )
            images = (images - self.mean) / self.std
        return images

    def _pad(self, batch: Tensor) -> Tensor:
        divisor = self.pad_size_divisor
        height, width = batch.shape[-2:]
        pad_h = math.ceil(height / divisor) * divisor - height
        pad_w = math.ceil(width / divisor) * divisor - width
        if pad_h == 0 and pad_w == 0:
            return batch
        return F.pad(batch, (0, pad_w, 0, pad_h), "constant", self.pad_value)
