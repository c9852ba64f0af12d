"""Collectives for any picklable Python object, no-ops in one process.

Objects are pickled (plain CPU tensors through a fast path, see ``_serialize``) into byte
tensors on the group's communication device; with nccl that is the current CUDA device, so
call ``torch.cuda.set_device`` first (``init_dist`` does). Each call is two collectives: the
byte counts, then the padded bytes.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as torch_dist

from mme.dist._serialize import from_byte_tensor, to_byte_tensor
from mme.dist._tensors import padded
from mme.dist.devices import get_comm_device
from mme.dist.errors import naming_collective
from mme.dist.query import get_rank, global_rank, group_size

ProcessGroup = torch_dist.ProcessGroup


def _sizes(payload: torch.Tensor, group: ProcessGroup | None, world_size: int) -> list[int]:
    size = torch.tensor([payload.numel()], dtype=torch.int64, device=payload.device)
    sizes = [torch.empty_like(size) for _ in range(world_size)]
    torch_dist.all_gather(sizes, size, group)
    return [int(s.item()) for s in sizes]


def broadcast_object_list(data: list[Any], src: int = 0, group: ProcessGroup | None = None) -> None:
    """Replace the items of ``data`` on every rank with those of rank ``src``, in place.

    On the receiving ranks the items are placeholders (e.g. ``[None, None]``).
    """
    if not isinstance(data, list):
        raise TypeError(
            f"broadcast_object_list: data must be a list (it is filled in place), got "
            f"{type(data).__name__}."
        )
    if group_size(group, "broadcast_object_list") == 1:
        return
    device = get_comm_device(group)
    is_src = get_rank(group) == src
    global_src = global_rank(group, src)
    with naming_collective("broadcast_object_list"):
        payload = to_byte_tensor(data, device) if is_src else None
        size = torch.tensor([0 if payload is None else payload.numel()], device=device)
        torch_dist.broadcast(size, global_src, group)
        if payload is None:
            payload = torch.empty(int(size.item()), dtype=torch.uint8, device=device)
        torch_dist.broadcast(payload, global_src, group)
    if not is_src:
        data[:] = from_byte_tensor(payload, payload.numel())


def all_gather_object(data: Any, group: ProcessGroup | None = None) -> list[Any]:
    """Gather one picklable object from every rank; every rank gets the list in rank order."""
    world_size = group_size(group, "all_gather_object")
    if world_size == 1:
        return [data]
    payload = to_byte_tensor(data, get_comm_device(group))
    with naming_collective("all_gather_object"):
        sizes = _sizes(payload, group, world_size)
        longest = max(sizes)
        outputs = [payload.new_empty(longest) for _ in sizes]
        torch_dist.all_gather(outputs, padded(payload, (longest,)), group)
    return [from_byte_tensor(out, size) for out, size in zip(outputs, sizes, strict=True)]


def gather_object(data: Any, dst: int = 0, group: ProcessGroup | None = None) -> list[Any] | None:
    """Gather one picklable object from every rank on rank ``dst``.

    Returns:
        On ``dst`` the objects in rank order; ``None`` on the other ranks. In one process,
        ``[data]``.
    """
    world_size = group_size(group, "gather_object")
    if world_size == 1:
        return [data]
    is_dst = get_rank(group) == dst
    payload = to_byte_tensor(data, get_comm_device(group))
    with naming_collective("gather_object"):
        sizes = _sizes(payload, group, world_size)
        longest = max(sizes)
        outputs = [payload.new_empty(longest) for _ in sizes] if is_dst else None
        torch_dist.gather(
            padded(payload, (longest,)), outputs, dst=global_rank(group, dst), group=group
        )
    if outputs is None:
        return None
    return [from_byte_tensor(out, size) for out, size in zip(outputs, sizes, strict=True)]
