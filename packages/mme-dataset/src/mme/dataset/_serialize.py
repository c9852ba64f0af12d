"""The serialized data list: every data info pickled into one byte buffer.

Two NumPy arrays hold the whole list, ``data_bytes`` (uint8) and ``data_address`` (int64,
the end offset of each item), as in MMEngine. Being two Python objects instead of millions,
they are never touched by reference counting or the garbage collector in the DataLoader
workers, so the pages stay shared with the main process after ``fork``.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

import numpy as np

_PROTOCOL = pickle.HIGHEST_PROTOCOL


def serialize(data_list: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """``(data_bytes, data_address)`` of ``data_list``."""
    dumps = pickle.dumps
    chunks = [dumps(item, _PROTOCOL) for item in data_list]
    address = np.fromiter(map(len, chunks), dtype=np.int64, count=len(chunks))
    np.cumsum(address, out=address)
    data_bytes = np.frombuffer(b"".join(chunks), dtype=np.uint8)
    return data_bytes, address


def subset(
    data_bytes: np.ndarray, data_address: np.ndarray, positions: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """The serialized list of the items at ``positions`` (non-negative, in range)."""
    if not len(positions):
        return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64)
    index = np.asarray(positions, dtype=np.int64)
    ends = data_address[index]
    starts = np.where(index > 0, data_address[np.maximum(index - 1, 0)], 0)
    pieces = [data_bytes[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    return np.concatenate(pieces), np.cumsum(ends - starts)


def prefix(
    data_bytes: np.ndarray, data_address: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """The serialized list of the first ``count`` items (the last ``-count`` if negative)."""
    if count >= 0:
        end = int(data_address[count - 1]) if count else 0
        return data_bytes[:end].copy(), data_address[:count].copy()
    start = int(data_address[count - 1]) if -count < len(data_address) else 0
    return data_bytes[start:].copy(), data_address[count:] - start
