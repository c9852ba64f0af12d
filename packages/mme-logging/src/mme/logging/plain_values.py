"""Conversion of runtime values to plain Python types for checkpoints.

A checkpoint made only of dicts, lists, tuples, strings, numbers, booleans and
None loads with ``torch.load(weights_only=True)``, the safe default since
PyTorch 2.6. Numpy values and tensors are turned into Python numbers or lists;
anything else cannot be stored safely and is reported.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np


class NotPlainError(TypeError):
    """A value has no plain-Python form; ``path`` says where it sits."""

    def __init__(self, path: str, value: object) -> None:
        self.path = path
        super().__init__(
            f"{path} holds a {type(value).__module__}.{type(value).__qualname__}, which is not "
            "a plain Python value (dict, list, tuple, str, bytes, int, float, bool, None, "
            "numpy value or tensor)"
        )


def to_plain(value: Any, path: str) -> Any:
    """Return ``value`` made of plain Python types only.

    Args:
        value: The value to convert.
        path: Where the value sits, for error messages (e.g. ``runtime_info['meta']``).

    Raises:
        NotPlainError: the value (or something inside it) has no plain form.
    """
    if value is None or type(value) in (bool, int, float, str, bytes):
        return value
    # Subclasses (IntEnum, np.float64, str enums, ...) become their base type.
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            plain_key = to_plain(key, f"{path} key {key!r}")
            out[plain_key] = to_plain(item, f"{path}[{key!r}]")
        return out
    if isinstance(value, list):
        return [to_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, tuple):
        return tuple(to_plain(item, f"{path}[{i}]") for i, item in enumerate(value))
    if isinstance(value, set | frozenset):
        items = [to_plain(item, f"{path} item") for item in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return value.detach().cpu().tolist()
    raise NotPlainError(path, value)
