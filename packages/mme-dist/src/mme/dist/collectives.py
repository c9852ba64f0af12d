"""Tensor collectives that are no-ops in one process and move data to the group's device.

Tensors may live on any device: they are copied to the communication device of the group
(cuda for nccl, cpu for gloo) and the result is copied back, so callers never care which
backend runs. ``src``/``dst`` ranks are ranks within ``group``.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

import torch
import torch.distributed as torch_dist

from mme.dist._suggest import did_you_mean
from mme.dist._tensors import padded, trimmed
from mme.dist.devices import get_comm_device
from mme.dist.errors import naming_collective
from mme.dist.query import get_rank, get_world_size, global_rank, group_size

ProcessGroup = torch_dist.ProcessGroup

#: Reduce operations by name; ``mean`` is a sum divided by the world size.
REDUCE_OPS: dict[str, torch_dist.ReduceOp.RedOpType] = {
    "sum": torch_dist.ReduceOp.SUM,
    "mean": torch_dist.ReduceOp.SUM,
    "product": torch_dist.ReduceOp.PRODUCT,
    "max": torch_dist.ReduceOp.MAX,
    "min": torch_dist.ReduceOp.MIN,
    "band": torch_dist.ReduceOp.BAND,
    "bor": torch_dist.ReduceOp.BOR,
    "bxor": torch_dist.ReduceOp.BXOR,
}

#: Most dimensions a tensor may have in all_gather/gather (their shapes travel in a header).
MAX_NDIM = 16

_DTYPES = (
    torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.complex64,
    torch.complex128, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool,
)  # fmt: skip


def _check_tensor(data: Any, caller: str, where: str = "data") -> torch.Tensor:
    if not isinstance(data, torch.Tensor):
        raise TypeError(
            f"{caller}: {where} must be a torch.Tensor, got {type(data).__name__}. Use the "
            "*_object functions (all_gather_object, gather_object, broadcast_object_list) for "
            "other picklable objects."
        )
    return data


def _reduce_op(op: str, dtype: torch.dtype, caller: str, where: str = "data") -> str:
    """Validate ``op`` (case-insensitive) for a tensor of ``dtype``; return its lower-case name."""
    name = op.lower() if isinstance(op, str) else op
    if name not in REDUCE_OPS:
        raise ValueError(
            f"{caller}: op={op!r} is not a reduce operation; choose one of "
            f"{', '.join(REDUCE_OPS)}.{did_you_mean(str(name), REDUCE_OPS)}"
        )
    if name == "mean" and not (dtype.is_floating_point or dtype.is_complex):
        raise TypeError(
            f"{caller}: op='mean' needs a floating point tensor, but {where} has dtype {dtype}; "
            "cast it (e.g. data.float()) or use op='sum'."
        )
    return str(name)


def _on_device(data: torch.Tensor, device: torch.device) -> torch.Tensor:
    return data.to(device).contiguous()


def all_reduce(data: torch.Tensor, op: str = "sum", group: ProcessGroup | None = None) -> None:
    """Reduce ``data`` across ``group`` in place.

    Args:
        data: the tensor; on return it holds the reduced value on every rank.
        op: ``'sum'``, ``'mean'``, ``'max'``, ``'min'``, ``'product'``, ``'band'``, ``'bor'``
            or ``'bxor'`` (``'mean'`` needs a floating point tensor).
        group: process group; the default group when None.
    """
    _check_tensor(data, "all_reduce")
    name = _reduce_op(op, data.dtype, "all_reduce")
    world_size = group_size(group, "all_reduce")
    if world_size == 1:
        return
    buffer = _on_device(data, get_comm_device(group))
    with naming_collective("all_reduce"):
        torch_dist.all_reduce(buffer, REDUCE_OPS[name], group)
    if name == "mean":
        buffer.div_(world_size)
    if buffer is not data:
        data.copy_(buffer)


def _exchange_headers(
    data: torch.Tensor, group: ProcessGroup | None, device: torch.device, caller: str
) -> list[torch.Size]:
    """Share every rank's dtype and shape; raise the same error on all ranks if they disagree."""
    if data.dim() > MAX_NDIM:
        raise ValueError(f"{caller}: tensors may have at most {MAX_NDIM} dimensions.")
    header = torch.full((2 + MAX_NDIM,), -1, dtype=torch.int64, device=device)
    header[0] = _DTYPES.index(data.dtype) if data.dtype in _DTYPES else len(_DTYPES)
    header[1] = data.dim()
    header[2 : 2 + data.dim()] = torch.tensor(data.shape, dtype=torch.int64)
    headers = [torch.empty_like(header) for _ in range(get_world_size(group))]
    with naming_collective(caller):
        torch_dist.all_gather(headers, header, group)
    rows = [h.tolist() for h in headers]
    if any(row[:2] != rows[0][:2] for row in rows):
        described = ", ".join(
            f"rank {r}: {_DTYPES[row[0]] if row[0] < len(_DTYPES) else 'other'} {row[1]}-d"
            for r, row in enumerate(rows)
        )
        raise ValueError(
            f"{caller}: every rank must pass a tensor of the same dtype and number of "
            f"dimensions; got {described}."
        )
    return [torch.Size(row[2 : 2 + row[1]]) for row in rows]


def _max_shape(shapes: list[torch.Size]) -> torch.Size:
    """The smallest shape that holds every one of ``shapes`` (all have the same length)."""
    return torch.Size(max(sizes) for sizes in zip(*shapes, strict=True))


def all_gather(data: torch.Tensor, group: ProcessGroup | None = None) -> list[torch.Tensor]:
    """Gather ``data`` from every rank of ``group``; every rank gets the list in rank order.

    Shapes may differ between ranks (dtype and number of dimensions may not): each tensor comes
    back with the shape its rank sent, on the device of this rank's ``data``.
    """
    _check_tensor(data, "all_gather")
    if group_size(group, "all_gather") == 1:
        return [data]
    device = get_comm_device(group)
    shapes = _exchange_headers(data, group, device, "all_gather")
    full = _max_shape(shapes)
    buffer = padded(_on_device(data, device), full)
    outputs = [torch.empty_like(buffer) for _ in shapes]
    with naming_collective("all_gather"):
        torch_dist.all_gather(outputs, buffer, group)
    return [trimmed(out, shape).to(data.device) for out, shape in zip(outputs, shapes, strict=True)]


def gather(
    data: torch.Tensor, dst: int = 0, group: ProcessGroup | None = None
) -> list[torch.Tensor]:
    """Gather ``data`` from every rank of ``group`` on rank ``dst``.

    Returns:
        On ``dst`` the tensors in rank order (shapes may differ between ranks, as in
        `all_gather`); an empty list on the other ranks.
    """
    _check_tensor(data, "gather")
    world_size = group_size(group, "gather")
    if world_size == 1:
        return [data]
    device = get_comm_device(group)
    shapes = _exchange_headers(data, group, device, "gather")
    full = _max_shape(shapes)
    buffer = padded(_on_device(data, device), full)
    is_dst = get_rank(group) == dst
    outputs = [torch.empty_like(buffer) for _ in shapes] if is_dst else None
    with naming_collective("gather"):
        torch_dist.gather(buffer, outputs, dst=global_rank(group, dst), group=group)
    if outputs is None:
        return []
    return [trimmed(out, shape).to(data.device) for out, shape in zip(outputs, shapes, strict=True)]


def broadcast(data: torch.Tensor, src: int = 0, group: ProcessGroup | None = None) -> None:
    """Copy ``data`` of rank ``src`` into ``data`` of every other rank (same shape everywhere)."""
    _check_tensor(data, "broadcast")
    if group_size(group, "broadcast") == 1:
        return
    buffer = _on_device(data, get_comm_device(group))
    with naming_collective("broadcast"):
        torch_dist.broadcast(buffer, global_rank(group, src), group)
    if buffer is not data:
        data.copy_(buffer)


def sync_random_seed(group: ProcessGroup | None = None) -> int:
    """A random seed drawn on rank 0 (Python's ``random``) and shared with every rank.

    Samplers use it so that all ranks shuffle with the same order when no seed is given.
    """
    seed = random.randint(0, 2**31 - 1)
    if group_size(group, "sync_random_seed") == 1:
        return seed
    value = torch.tensor([seed], dtype=torch.int64)
    broadcast(value, 0, group)
    return int(value.item())


def _reduce_flat(
    tensors: list[torch.Tensor], name: str, group: ProcessGroup | None, caller: str
) -> None:
    """All-reduce tensors of one dtype as a single flat buffer and write the results back."""
    device = get_comm_device(group)
    flat = torch.cat([t.reshape(-1).to(device) for t in tensors])
    with naming_collective(caller):
        torch_dist.all_reduce(flat, REDUCE_OPS[name], group)
    if name == "mean":
        flat.div_(get_world_size(group))
    for tensor, piece in zip(tensors, flat.split([t.numel() for t in tensors]), strict=True):
        tensor.copy_(piece.view_as(tensor))


def all_reduce_dict(
    data: Mapping[str, torch.Tensor], op: str = "sum", group: ProcessGroup | None = None
) -> None:
    """Reduce every tensor of ``data`` across ``group`` in place, in one collective per dtype.

    Every rank must pass the same keys with tensors of the same shapes and dtypes; if they
    differ, every rank raises a ValueError that names the keys at fault.
    """
    if not isinstance(data, Mapping):
        raise TypeError(
            f"all_reduce_dict: data must be a dict of tensors, got {type(data).__name__}."
        )
    keys = sorted(data)
    for key in keys:
        _check_tensor(data[key], "all_reduce_dict", f"data[{key!r}]")
    name = _reduce_op(op, torch.float32, "all_reduce_dict")
    for key in keys:
        _reduce_op(op, data[key].dtype, "all_reduce_dict", f"data[{key!r}]")
    if group_size(group, "all_reduce_dict") == 1:
        return
    _check_same_layout(data, keys, group)
    by_dtype: dict[torch.dtype, list[torch.Tensor]] = {}
    for key in keys:
        by_dtype.setdefault(data[key].dtype, []).append(data[key])
    for tensors in by_dtype.values():
        _reduce_flat(tensors, name, group, "all_reduce_dict")


def _check_same_layout(
    data: Mapping[str, torch.Tensor], keys: list[str], group: ProcessGroup | None
) -> None:
    layout = [(str(key), str(data[key].dtype), tuple(data[key].shape)) for key in keys]
    device = get_comm_device(group)
    checksum = torch.tensor([zlib.crc32(repr(layout).encode())], dtype=torch.int64, device=device)
    checksums = [torch.empty_like(checksum) for _ in range(get_world_size(group))]
    with naming_collective("all_reduce_dict"):
        torch_dist.all_gather(checksums, checksum, group)
    if all(bool((c == checksum).all()) for c in checksums):
        return
    from mme.dist.objects import all_gather_object

    layouts = [{k: (d, s) for k, d, s in row} for row in all_gather_object(layout, group)]
    problems = []
    for rank, other in enumerate(layouts[1:], start=1):
        missing = sorted(set(layouts[0]) - set(other))
        extra = sorted(set(other) - set(layouts[0]))
        changed = sorted(k for k in set(other) & set(layouts[0]) if other[k] != layouts[0][k])
        if missing:
            problems.append(f"rank {rank} lacks {missing}")
        if extra:
            problems.append(f"rank {rank} has extra {extra}")
        for key in changed:
            problems.append(
                f"{key!r} is {layouts[0][key]} on rank 0 but {other[key]} on rank {rank}"
            )
    raise ValueError(
        "all_reduce_dict: every rank must pass the same keys with tensors of the same dtype and "
        "shape: " + "; ".join(problems) + "."
    )


def all_reduce_params(
    params: Iterable[torch.Tensor],
    coalesce: bool = True,
    bucket_size_mb: int = -1,
    op: str = "sum",
    group: ProcessGroup | None = None,
) -> None:
    """Reduce parameters (or any tensors) in place across ``group``.

    Args:
        params: tensors or ``nn.Parameter`` s, e.g. ``model.parameters()`` or buffers.
        coalesce: reduce tensors of one dtype together through flat buckets (few large messages)
            instead of one collective per tensor.
        bucket_size_mb: largest bucket in MiB when coalescing; ``-1`` puts all tensors of a
            dtype in one bucket.
        op: reduce operation, as in `all_reduce`.
        group: process group; the default group when None.
    """
    tensors = []
    for index, param in enumerate(params):
        tensor = _check_tensor(param, "all_reduce_params", f"params[{index}]").detach()
        _reduce_op(op, tensor.dtype, "all_reduce_params", f"params[{index}]")
        tensors.append(tensor)
    if group_size(group, "all_reduce_params") == 1 or not tensors:
        return
    name = _reduce_op(op, tensors[0].dtype, "all_reduce_params")
    if not coalesce:
        for tensor in tensors:
            all_reduce(tensor, name, group)
        return
    for bucket in _buckets(tensors, bucket_size_mb):
        _reduce_flat(bucket, name, group, "all_reduce_params")


def _buckets(tensors: list[torch.Tensor], bucket_size_mb: int) -> list[list[torch.Tensor]]:
    """Split tensors into same-dtype buckets of at most ``bucket_size_mb`` MiB (-1: no limit)."""
    limit = bucket_size_mb * 1024 * 1024 if bucket_size_mb > 0 else None
    buckets: list[list[torch.Tensor]] = []
    open_bucket: dict[torch.dtype, tuple[list[torch.Tensor], int]] = {}
    for tensor in tensors:
        nbytes = tensor.numel() * tensor.element_size()
        bucket, used = open_bucket.get(tensor.dtype, ([], 0))
        if limit is not None and bucket and used + nbytes > limit:
            bucket, used = [], 0
        if not bucket:
            buckets.append(bucket)
        bucket.append(tensor)
        open_bucket[tensor.dtype] = (bucket, used + nbytes)
    return buckets
