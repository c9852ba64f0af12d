"""Writing TensorBoard event files fast: scalar events encoded by hand, CRCs in batches.

An event file is a sequence of TFRecords (``len: u64, masked_crc32c(len): u32, data,
masked_crc32c(data): u32``), each ``data`` a serialized ``Event`` protocol buffer. Going
through protobuf objects and tensorboard's pure-Python CRC costs ~150 us per event, half a
training iteration of a small model; here a scalar event is encoded with ``struct`` (the
``Event``/``Summary.Value`` fields are few and fixed) and the CRCs of all pending records are
computed at once with numpy when they are written (CRC is linear: the CRC of a record is the
XOR of per-position table entries of its bytes, fixed by the CRC of as many zero bytes).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected
_MASK_DELTA = 0xA282EAD8


def _byte_table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint64)
    for _ in range(8):
        table = np.where(
            table & 1, (table >> np.uint64(1)) ^ np.uint64(_POLY), table >> np.uint64(1)
        )
    return table.astype(np.uint32)


class _Crc32c:
    """CRC-32C of many byte strings at once; tables grow with the longest string seen."""

    def __init__(self) -> None:
        self.byte = _byte_table()
        # rows[k][b]: linear part of the CRC of byte b followed by k zero bytes
        self.rows = self.byte[None, :].copy()
        # zeros[n]: CRC of n zero bytes (the affine part)
        self.zeros = np.array([0], dtype=np.uint32)

    def _grow(self, length: int) -> None:
        have = len(self.rows)
        if length <= have:
            return
        new = max(length, 2 * have)
        rows = np.empty((new, 256), dtype=np.uint32)
        rows[:have] = self.rows
        for k in range(have, new):
            prev = rows[k - 1]
            rows[k] = (prev >> np.uint32(8)) ^ self.byte[prev & np.uint32(0xFF)]
        self.rows = rows
        zeros = np.empty(new + 1, dtype=np.uint32)
        reg = 0xFFFFFFFF
        for n in range(new + 1):
            zeros[n] = reg ^ 0xFFFFFFFF
            reg = (reg >> 8) ^ int(self.byte[reg & 0xFF])
        self.zeros = zeros

    def many(self, chunks: Sequence[bytes]) -> np.ndarray:
        """The CRC-32C of each chunk (all non-empty)."""
        lengths = np.fromiter((len(c) for c in chunks), dtype=np.int64, count=len(chunks))
        self._grow(int(lengths.max()))
        data = np.frombuffer(b"".join(chunks), dtype=np.uint8).astype(np.intp)
        ends = np.cumsum(lengths)
        starts = ends - lengths
        # index of (zero bytes after this byte in its chunk, byte) in the flattened table
        index = np.repeat(ends * 256 - 256, lengths) - np.arange(len(data)) * 256 + data
        parts = self.rows.reshape(-1)[index]
        crcs = np.bitwise_xor.reduceat(parts, starts)
        return crcs ^ self.zeros[lengths]


_CRC = _Crc32c()


def masked(crcs: np.ndarray) -> np.ndarray:
    """TFRecord's masking of CRCs."""
    crcs = crcs.astype(np.uint64)
    rotated = ((crcs >> np.uint64(15)) | (crcs << np.uint64(17))) & np.uint64(0xFFFFFFFF)
    return ((rotated + np.uint64(_MASK_DELTA)) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def records(payloads: Sequence[bytes]) -> bytes:
    """The TFRecords of ``payloads``, as one byte string."""
    if not payloads:
        return b""
    headers = [struct.pack("<Q", len(p)) for p in payloads]
    crcs = masked(_CRC.many([*headers, *payloads]))
    n = len(payloads)
    out = []
    for i, payload in enumerate(payloads):
        out.append(headers[i])
        out.append(struct.pack("<I", int(crcs[i])))
        out.append(payload)
        out.append(struct.pack("<I", int(crcs[n + i])))
    return b"".join(out)


def varint(value: int) -> bytes:
    """Protocol-buffer varint of a non-negative int."""
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def value_prefix(tag: str) -> bytes:
    """The bytes of ``Summary.Value`` field ``value`` up to the float: reused for each step."""
    name = tag.encode()
    body_len = 1 + len(varint(len(name))) + len(name) + 5  # tag field + simple_value field
    return b"\x0a" + varint(body_len) + b"\x0a" + varint(len(name)) + name + b"\x15"


def scalar_event(wall_time: float, step: int, values: list[tuple[bytes, float]]) -> bytes:
    """A serialized ``Event(wall_time, step, summary=Summary(value=[...]))``.

    Args:
        values: ``(value_prefix(tag), number)`` pairs.
    """
    summary = b"".join(prefix + struct.pack("<f", number) for prefix, number in values)
    return (
        b"\x09"
        + struct.pack("<d", wall_time)
        + b"\x10"
        + varint(step)
        + b"\x2a"
        + varint(len(summary))
        + summary
    )


def version_event(wall_time: float) -> bytes:
    """The first event of a file: ``Event(wall_time, file_version='brain.Event:2')``."""
    version = b"brain.Event:2"
    return b"\x09" + struct.pack("<d", wall_time) + b"\x1a" + varint(len(version)) + version
