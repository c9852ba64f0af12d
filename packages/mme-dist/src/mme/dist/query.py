"""Query and control functions that give the one-process answer when no group is up.

Every function takes an optional ``group``; ``None`` means the default process group.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import torch.distributed as torch_dist

from mme.dist import _state
from mme.dist.errors import naming_collective

P = ParamSpec("P")
R = TypeVar("R")

ProcessGroup = torch_dist.ProcessGroup


def is_distributed() -> bool:
    """Whether a default process group is initialised (torch.distributed is available and up)."""
    return torch_dist.is_available() and torch_dist.is_initialized()


def get_default_group() -> ProcessGroup | None:
    """The default process group, or ``None`` when not distributed."""
    return _state.default_group()


def get_backend(group: ProcessGroup | None = None) -> str | None:
    """The backend of ``group`` (``'gloo'``, ``'nccl'``, ...), or ``None`` when not distributed."""
    if not is_distributed():
        return None
    return str(torch_dist.get_backend(group))


def get_world_size(group: ProcessGroup | None = None) -> int:
    """Number of processes in ``group``; 1 when not distributed."""
    if not is_distributed():
        return 1
    return torch_dist.get_world_size(group)


def get_rank(group: ProcessGroup | None = None) -> int:
    """Rank of this process in ``group``; 0 when not distributed."""
    if not is_distributed():
        return 0
    return torch_dist.get_rank(group)


def global_rank(group: ProcessGroup | None, group_rank: int) -> int:
    """The global rank of rank ``group_rank`` of ``group`` (itself for the default group)."""
    return group_rank if group is None else torch_dist.get_global_rank(group, group_rank)


def group_size(group: ProcessGroup | None, caller: str) -> int:
    """World size of ``group`` for a collective; a clear error if this process is not in it."""
    if not is_distributed():
        return 1
    if group is not None and torch_dist.get_rank(group) < 0:
        raise ValueError(
            f"{caller}: this process (global rank {torch_dist.get_rank()}) is not a member of "
            "the group it was given; only the ranks of a group may call collectives on it."
        )
    return torch_dist.get_world_size(group)


def get_dist_info(group: ProcessGroup | None = None) -> tuple[int, int]:
    """``(rank, world_size)`` of this process in ``group``; ``(0, 1)`` when not distributed."""
    return get_rank(group), get_world_size(group)


def is_main_process(group: ProcessGroup | None = None) -> bool:
    """Whether this process is rank 0 of ``group``; always True when not distributed."""
    return get_rank(group) == 0


def master_only(func: Callable[P, R]) -> Callable[P, R | None]:
    """Decorate ``func`` so that it runs on rank 0 only; other ranks get ``None`` back.

    The decorated function must not call collectives: the other ranks never enter it.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | None:
        if is_main_process():
            return func(*args, **kwargs)
        return None

    return wrapper


def barrier(group: ProcessGroup | None = None) -> None:
    """Block until every process of ``group`` reaches this call; a no-op when not distributed."""
    if not is_distributed():
        return
    with naming_collective("barrier"):
        torch_dist.barrier(group)


def init_local_group(node_rank: int, num_gpus_per_node: int) -> None:
    """Create the process group of the processes on this node (ranks placed node by node).

    Node ``n`` holds global ranks ``n * num_gpus_per_node`` to ``(n + 1) * num_gpus_per_node - 1``.
    Every process must call this (it creates one group per node), after the default group is
    up. `init_dist` calls it for you with the node layout it sees.

    Args:
        node_rank: index of this node.
        num_gpus_per_node: processes per node (the name follows MMEngine; on CPU it is the
            number of processes per machine).
    """
    if not is_distributed():
        raise RuntimeError(
            "init_local_group needs an initialised default process group; call "
            "mme.dist.init_dist(...) (or torch.distributed.init_process_group) first."
        )
    world_size = get_world_size()
    if num_gpus_per_node < 1 or world_size % num_gpus_per_node:
        raise ValueError(
            f"init_local_group: num_gpus_per_node={num_gpus_per_node} must be a positive "
            f"divisor of the world size {world_size}."
        )
    num_nodes = world_size // num_gpus_per_node
    if not 0 <= node_rank < num_nodes:
        raise ValueError(
            f"init_local_group: node_rank={node_rank} is out of range for {num_nodes} node(s) "
            f"of {num_gpus_per_node} process(es)."
        )
    layout = [
        list(range(n * num_gpus_per_node, (n + 1) * num_gpus_per_node)) for n in range(num_nodes)
    ]
    _set_local_group(layout, node_rank)


def _set_local_group(layout: list[list[int]], node_index: int) -> None:
    """Create one group per node in ``layout`` (on every rank, same order) and keep ours."""
    state = _state.current()
    with naming_collective("init_local_group"):
        groups = [torch_dist.new_group(ranks) for ranks in layout]
    state.local_group = groups[node_index]


def get_local_group() -> ProcessGroup | None:
    """The group of the processes on this node; ``None`` when not distributed."""
    if not is_distributed():
        return None
    group = _state.current().local_group
    if group is None:
        raise RuntimeError(
            "The local process group is not created: the default group was not started by "
            "mme.dist.init_dist. Call mme.dist.init_local_group(node_rank, num_gpus_per_node) "
            "on every process first."
        )
    return group


def get_local_rank() -> int:
    """Rank of this process among the processes on its node; 0 when not distributed.

    Without a local group (process group started outside `init_dist`), the
    ``LOCAL_RANK`` variable that torchrun sets is used.
    """
    if not is_distributed():
        return 0
    group = _state.current().local_group
    if group is not None:
        return torch_dist.get_rank(group)
    return _int_from_env("LOCAL_RANK", "get_local_rank")


def get_local_size() -> int:
    """Number of processes on this node; 1 when not distributed.

    Without a local group, the ``LOCAL_WORLD_SIZE`` variable that torchrun sets is used.
    """
    if not is_distributed():
        return 1
    group = _state.current().local_group
    if group is not None:
        return torch_dist.get_world_size(group)
    return _int_from_env("LOCAL_WORLD_SIZE", "get_local_size")


def _int_from_env(name: str, caller: str) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip().isdigit():
        raise RuntimeError(
            f"{caller}: the local process group is not created and the environment variable "
            f"{name} is {'not set' if value is None else f'{value!r}, not an integer'}. Start the "
            "process group with mme.dist.init_dist(...) or call "
            "mme.dist.init_local_group(node_rank, num_gpus_per_node) on every process."
        )
    return int(value)


def cpu_group() -> ProcessGroup | None:
    """A gloo group over all ranks, for objects that must not touch GPU memory.

    It is the default group when that is gloo already; otherwise one is created on first use,
    so every rank must reach the first call (collectives do).
    """
    if not is_distributed():
        return None
    state = _state.current()
    if state.cpu_group is None:
        if get_backend() == "gloo":
            state.cpu_group = get_default_group()
        else:
            with naming_collective("new_group(backend='gloo')"):
                state.cpu_group = torch_dist.new_group(backend="gloo")
    return state.cpu_group
