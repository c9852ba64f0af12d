"""Where data lives and where a process group communicates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import torch
import torch.distributed as torch_dist

from mme.dist.query import get_backend

T = TypeVar("T")

#: Backends that communicate through CUDA memory.
CUDA_BACKENDS = frozenset({"nccl"})


def get_comm_device(group: torch_dist.ProcessGroup | None = None) -> torch.device:
    """The device tensors must be on for ``group``: ``cuda:<current>`` for nccl, else cpu."""
    backend = get_backend(group)
    if backend in CUDA_BACKENDS:
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def get_data_device(data: Any) -> torch.device:
    """The device of a tensor, or the one device shared by all tensors of a list/tuple/dict.

    Raises:
        TypeError: ``data`` holds something that is not a tensor, list, tuple or dict.
        ValueError: ``data`` is empty or its tensors are on different devices.
    """
    device = _find_device(data, "data")
    if device is None:
        raise ValueError("get_data_device: data holds no tensor (it is empty).")
    return device


def _find_device(data: Any, where: str) -> torch.device | None:
    if isinstance(data, torch.Tensor):
        return data.device
    if isinstance(data, Mapping):
        items = [(f"{where}[{key!r}]", value) for key, value in data.items()]
    elif isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        items = [(f"{where}[{index}]", value) for index, value in enumerate(data)]
    else:
        raise TypeError(
            f"get_data_device: {where} is a {type(data).__name__}; expected a tensor or a "
            "list, tuple or dict of tensors."
        )
    found: torch.device | None = None
    found_at = ""
    for item_where, value in items:
        device = _find_device(value, item_where)
        if device is None:
            continue
        if found is None:
            found, found_at = device, item_where
        elif device != found:
            raise ValueError(
                f"get_data_device: tensors are on different devices: {found_at} is on "
                f"{found}, {item_where} is on {device}."
            )
    return found


def cast_data_device(data: T, device: torch.device | str, out: T | None = None) -> T:
    """Copy a tensor, or every tensor of a list/tuple/dict, to ``device``.

    Args:
        data: a tensor or a (nested) list, tuple or dict of tensors.
        device: target device.
        out: optional structure of the same shape whose tensors receive the values in place
            (they keep their own device); it is returned.

    Returns:
        ``out`` when given, otherwise a new structure of the same type on ``device``.
    """
    return _cast(data, torch.device(device), out, "data")


def _cast(data: Any, device: torch.device, out: Any, where: str) -> Any:
    if out is not None and type(out) is not type(data):
        raise TypeError(
            f"cast_data_device: out must have the same type as data, but {where} is a "
            f"{type(data).__name__} and out is a {type(out).__name__}."
        )
    if isinstance(data, torch.Tensor):
        if out is None:
            return data.to(device)
        out.copy_(data)
        return out
    if isinstance(data, Mapping):
        if out is not None and set(out) != set(data):
            raise ValueError(
                f"cast_data_device: out has keys {sorted(map(str, out))} but {where} has keys "
                f"{sorted(map(str, data))}."
            )
        cast = {
            key: _cast(value, device, None if out is None else out[key], f"{where}[{key!r}]")
            for key, value in data.items()
        }
        return out if out is not None else type(data)(cast)  # type: ignore[call-arg]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        if out is not None and len(out) != len(data):
            raise ValueError(
                f"cast_data_device: out has {len(out)} items but {where} has {len(data)}."
            )
        items = [
            _cast(value, device, None if out is None else out[index], f"{where}[{index}]")
            for index, value in enumerate(data)
        ]
        if out is not None:
            return out
        if hasattr(data, "_fields"):  # a namedtuple takes its fields positionally
            return type(data)(*items)
        return type(data)(items) if isinstance(data, (list, tuple)) else items
    raise TypeError(
        f"cast_data_device: {where} is a {type(data).__name__}; expected a tensor or a list, "
        "tuple or dict of tensors."
    )
