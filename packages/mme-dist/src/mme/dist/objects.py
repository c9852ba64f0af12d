"""Collectives for any picklable Python object, no-ops in one process.

Objects are pickled into byte tensors on the group's communication device; with nccl that is
the current CUDA device, so call ``torch.cuda.set_device`` first (``init_dist`` does).
"""

from __future__ import annotations

from typing import Any

import torch.distributed as torch_dist

from mme.dist.devices import get_comm_device
from mme.dist.errors import naming_collective
from mme.dist.query import get_rank, get_world_size

ProcessGroup = torch_dist.ProcessGroup


def _global_rank(group: ProcessGroup | None, group_rank: int) -> int:
    return group_rank if group is None else torch_dist.get_global_rank(group, group_rank)


def broadcast_object_list(
    data: list[Any], src: int = 0, group: ProcessGroup | None = None
) -> None:
    """Replace the items of ``data`` on every rank with those of rank ``src``, in place.

    ``data`` must have the same length on every rank; on the receiving ranks its items are
    placeholders (e.g. ``[None, None]``).
    """
    if not isinstance(data, list):
        raise TypeError(
            f"broadcast_object_list: data must be a list (it is filled in place), got "
            f"{type(data).__name__}."
        )
    if get_world_size(group) == 1:
        return
    with naming_collective("broadcast_object_list"):
        torch_dist.broadcast_object_list(
            data, src=_global_rank(group, src), group=group, device=get_comm_device(group)
        )


def all_gather_object(data: Any, group: ProcessGroup | None = None) -> list[Any]:
    """Gather one picklable object from every rank; every rank gets the list in rank order."""
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    gathered: list[Any] = [None] * world_size
    with naming_collective("all_gather_object"):
        torch_dist.all_gather_object(gathered, data, group)
    return gathered


def gather_object(data: Any, dst: int = 0, group: ProcessGroup | None = None) -> list[Any] | None:
    """Gather one picklable object from every rank on rank ``dst``.

    Returns:
        On ``dst`` the objects in rank order; ``None`` on the other ranks. In one process,
        ``[data]``.
    """
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    is_dst = get_rank(group) == dst
    gathered: list[Any] | None = [None] * world_size if is_dst else None
    with naming_collective("gather_object"):
        torch_dist.gather_object(data, gathered, dst=_global_rank(group, dst), group=group)
    return gathered
