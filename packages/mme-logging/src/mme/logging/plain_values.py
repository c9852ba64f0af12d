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


#: Deepest nesting of containers ``to_plain`` converts (deeper would exhaust the stack).
MAX_DEPTH = 200


class TooDeepError(NotPlainError):
    """A value contains itself, or is nested deeper than `MAX_DEPTH` containers."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        shown = path if len(path) <= 100 else f"{path[:60]}...{path[-30:]}"
        TypeError.__init__(self, f"{shown} {reason}")


def to_plain(value: Any, path: str) -> Any:
    """Return ``value`` made of plain Python types only.

    Sets come back as sorted lists (as lists when their items cannot be sorted).

    Args:
        value: The value to convert.
        path: Where the value sits, for error messages (e.g. ``runtime_info['meta']``).

    Raises:
        NotPlainError: the value (or something inside it) has no plain form, contains
            itself or is nested deeper than `MAX_DEPTH` containers (`TooDeepError`).
    """
    return _convert(value, path, [])


def _convert(value: Any, path: str, parents: list[int]) -> Any:
    """`to_plain` with the ids of the containers ``value`` sits in (to catch cycles)."""
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
    if isinstance(value, dict | list | tuple | set | frozenset):
        if id(value) in parents:
            raise TooDeepError(path, "contains itself (a reference cycle)")
        if len(parents) >= MAX_DEPTH:
            raise TooDeepError(path, f"is nested deeper than {MAX_DEPTH} containers")
        parents.append(id(value))
        try:
            return _container(value, path, parents)
        finally:
            parents.pop()
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return value.detach().cpu().tolist()
    raise NotPlainError(path, value)


def _container(value: Any, path: str, parents: list[int]) -> Any:
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            plain_key = _convert(key, f"{path} key {key!r}", parents)
            out[plain_key] = _convert(item, f"{path}[{key!r}]", parents)
        return out
    if isinstance(value, list):
        return [_convert(item, f"{path}[{i}]", parents) for i, item in enumerate(value)]
    if isinstance(value, tuple):
        return tuple(_convert(item, f"{path}[{i}]", parents) for i, item in enumerate(value))
    items = [_convert(item, f"{path} item", parents) for item in value]  # a set
    try:
        return sorted(items)
    except TypeError:
        return items
