"""The serialized data list: every data info pickled into one byte buffer.

Two NumPy arrays hold the whole list, ``data_bytes`` (uint8) and ``data_address`` (int64,
the end offset of each item), as in MMEngine. Being two Python objects instead of millions,
they are never touched by reference counting or the garbage collector in the DataLoader
workers, so the pages stay shared with the main process after ``fork``.
"""

from __future__ import annotations

import gc
import io
import os
import pickle
from collections.abc import Sequence
from typing import Any

import numpy as np

_PROTOCOL = pickle.HIGHEST_PROTOCOL


def serialize(data_list: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """``(data_bytes, data_address)`` of ``data_list``.

    One pickler writes every item, each a complete pickle, into one buffer. It runs
    without the memo (``fast``), which makes the small dicts of a data list about 10%
    smaller and faster to load; shared sub-objects are then stored once per reference,
    which a data info does not notice. A list with cycles falls back to plain pickling.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, _PROTOCOL)
    pickler.fast = True
    dump, tell = pickler.dump, buffer.tell
    address = np.empty(len(data_list), dtype=np.int64)
    try:
        for i, item in enumerate(data_list):
            dump(item)
            address[i] = tell()
    except (ValueError, RecursionError):  # a cycle: fast mode cannot pickle it
        chunks = [pickle.dumps(item, _PROTOCOL) for item in data_list]
        address = np.cumsum(np.fromiter(map(len, chunks), dtype=np.int64, count=len(chunks)))
        return np.frombuffer(b"".join(chunks), dtype=np.uint8), address
    return np.frombuffer(buffer.getvalue(), dtype=np.uint8), address


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


_FREEZE_REGISTERED = False


def freeze_gc_in_forked_children() -> None:
    """Make every process forked from this one call ``gc.freeze()`` (registered once).

    A DataLoader worker started by fork shares the parent's memory until it writes to
    it. The garbage collector's full collections write to every container object of the
    heap they walk, and so copy the parent's whole Python heap (tens of MiB with torch
    imported) into each worker. ``gc.freeze()`` in the child moves the inherited objects
    out of the collector's reach: it costs nothing, and only leaves garbage cycles that
    were already there uncollected in the child.
    """
    global _FREEZE_REGISTERED
    if not _FREEZE_REGISTERED and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=gc.freeze)
        _FREEZE_REGISTERED = True
