"""``init_dist``: start the default process group from a launcher's environment.

The launcher's variables are turned into a :class:`LaunchPlan` first (a pure function of the
environment and the CUDA facts, tested without processes), then the plan is applied.
"""

from __future__ import annotations

import atexit
import difflib
import itertools
import logging
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as torch_dist

from mme.dist import _state
from mme.dist._suggest import did_you_mean
from mme.dist.errors import LaunchError
from mme.dist.objects import all_gather_object
from mme.dist.query import _set_local_group, get_backend, get_rank, get_world_size, is_distributed

logger = logging.getLogger("mme.dist")

#: Launchers ``init_dist`` understands.
LAUNCHERS = ("pytorch", "slurm", "mpi")
#: Backends torch.distributed ships (a per-device spec such as ``'cpu:gloo,cuda:nccl'`` passes too).
BACKENDS = ("nccl", "gloo", "mpi", "ucc")
#: Rendezvous port when neither ``port`` nor ``MASTER_PORT`` gives one (slurm, mpi).
DEFAULT_PORT = 29500
#: Collective timeout when none is given (as in the specification: 30 minutes).
DEFAULT_TIMEOUT = timedelta(minutes=30)

_HOW_TO_LAUNCH = {
    "pytorch": "torchrun sets them: torchrun --nproc-per-node=N train.py --launcher pytorch "
    "(or python -m torch.distributed.run ...)",
    "slurm": "srun sets them for every task: srun --ntasks=N python train.py --launcher slurm",
    "mpi": "Open MPI's mpirun sets them: mpirun -np N python train.py --launcher mpi",
}


@dataclass(frozen=True)
class LaunchPlan:
    """What ``init_dist`` will do, derived from the launcher's environment.

    Attributes:
        launcher: ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
        backend: the backend that will be used (``'gloo'`` replaces ``'nccl'`` without CUDA).
        rank: global rank of this process.
        world_size: number of processes.
        local_rank: rank of this process on its machine.
        local_size: processes on this machine when the launcher says, else None.
        node: a key naming this machine; processes with the same key form the local group.
        master_addr: address of the rank-0 machine.
        master_port: rendezvous port on it.
        cuda_device: the CUDA device to select, or None without CUDA.
        env: variables exported before ``init_process_group`` (``env://`` rendezvous).
    """

    launcher: str
    backend: str
    rank: int
    world_size: int
    local_rank: int
    local_size: int | None
    node: str
    master_addr: str
    master_port: int
    cuda_device: int | None
    env: dict[str, str] = field(default_factory=dict)


def infer_launcher(environ: Mapping[str, str] | None = None) -> str:
    """Guess the launcher from the environment: ``'pytorch'``, ``'slurm'``, ``'mpi'`` or ``'none'``."""
    env = os.environ if environ is None else environ
    if "WORLD_SIZE" in env:
        return "pytorch"
    if "SLURM_NTASKS" in env:
        return "slurm"
    if "OMPI_COMM_WORLD_LOCAL_RANK" in env:
        return "mpi"
    return "none"


def select_backend(requested: str | None, cuda_available: bool, nccl_available: bool) -> str:
    """The backend to use: nccl with CUDA, gloo without; a requested nccl falls back to gloo.

    Args:
        requested: the backend asked for, or None to choose.
        cuda_available: whether this process sees a CUDA device.
        nccl_available: whether this torch build has NCCL.
    """
    if requested is None:
        return "nccl" if cuda_available and nccl_available else "gloo"
    if not isinstance(requested, str):
        raise TypeError(f"init_dist: backend must be a string, got {type(requested).__name__}.")
    name = requested.lower()
    if ":" not in name and name not in BACKENDS:
        raise ValueError(
            f"init_dist: backend={requested!r} is not one of {', '.join(BACKENDS)}."
            f"{did_you_mean(name, BACKENDS)}"
        )
    if name == "nccl" and not (cuda_available and nccl_available):
        logger.warning(
            "init_dist: backend 'nccl' needs CUDA%s; using 'gloo' instead.",
            "" if cuda_available else " and this process sees no CUDA device",
        )
        return "gloo"
    return name


class _Env:
    """Reads a launcher's variables and reports every missing or malformed one at once."""

    def __init__(self, environ: Mapping[str, str], launcher: str) -> None:
        self.environ = environ
        self.launcher = launcher
        self.missing: list[str] = []

    def get(self, *names: str) -> str | None:
        for name in names:
            if name in self.environ:
                return self.environ[name]
        return None

    def require(self, name: str) -> str:
        value = self.environ.get(name)
        if value is None:
            self.missing.append(name)
            return ""
        return value

    def require_int(self, name: str) -> int:
        value = self.require(name)
        return self.to_int(name, value) if value else 0

    def optional_int(self, name: str) -> int | None:
        value = self.environ.get(name)
        return None if value is None else self.to_int(name, value)

    def to_int(self, name: str, value: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise LaunchError(
                f"init_dist({self.launcher!r}): the environment variable {name}={value!r} is not "
                "an integer."
            ) from None

    def check(self) -> None:
        if not self.missing:
            return
        hints = "".join(
            f" ({name}: did you mean {close[0]!r}?)"
            for name in self.missing
            if (close := _close_names(name, self.environ))
        )
        raise LaunchError(
            f"init_dist({self.launcher!r}) needs the environment variable(s) "
            f"{', '.join(self.missing)}, which are not set{hints}. "
            f"{_HOW_TO_LAUNCH[self.launcher]}; or run one process with launcher='none'."
        )


def _close_names(name: str, environ: Mapping[str, str]) -> list[str]:
    return difflib.get_close_matches(name, list(environ), n=1, cutoff=0.8)


def plan_launch(
    launcher: str,
    backend: str | None = None,
    *,
    port: int | None = None,
    environ: Mapping[str, str] | None = None,
    cuda_available: bool | None = None,
    nccl_available: bool | None = None,
    device_count: int | None = None,
) -> LaunchPlan:
    """Work out rank, world size, rendezvous address, backend and device for ``launcher``.

    Args:
        launcher: ``'pytorch'``, ``'slurm'`` or ``'mpi'`` (case-insensitive).
        backend: requested backend, or None for nccl with CUDA and gloo without.
        port: rendezvous port for slurm/mpi (else ``MASTER_PORT``, else 29500).
        environ: the environment to read (default ``os.environ``).
        cuda_available: override of ``torch.cuda.is_available()`` (for tests and dry runs).
        nccl_available: override of ``torch.distributed.is_nccl_available()``.
        device_count: override of ``torch.cuda.device_count()``.
    """
    name = _launcher_name(launcher)
    env = _Env(os.environ if environ is None else environ, name)
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    if nccl_available is None:
        nccl_available = torch_dist.is_nccl_available()
    if device_count is None:
        device_count = torch.cuda.device_count() if cuda_available else 0
    chosen = select_backend(backend, cuda_available, nccl_available)
    if name == "pytorch":
        fields = _pytorch_fields(env, port)
    elif name == "slurm":
        fields = _slurm_fields(env, port, device_count)
    else:
        fields = _mpi_fields(env, port)
    rank, world_size, local_rank = fields["rank"], fields["world_size"], fields["local_rank"]
    if not 0 <= rank < world_size:
        raise LaunchError(
            f"init_dist({name!r}): rank {rank} is out of range for world size {world_size}."
        )
    cuda_device = local_rank % device_count if cuda_available and device_count > 0 else None
    return LaunchPlan(launcher=name, backend=chosen, cuda_device=cuda_device, **fields)


def _launcher_name(launcher: str) -> str:
    if not isinstance(launcher, str):
        raise TypeError(f"init_dist: launcher must be a string, got {type(launcher).__name__}.")
    name = launcher.lower()
    if name == "none":
        raise ValueError(
            "init_dist: launcher='none' means one process without a process group; do not call "
            "init_dist (the mme.dist functions already give the one-process answers)."
        )
    if name not in LAUNCHERS:
        raise ValueError(
            f"init_dist: launcher={launcher!r} is not one of {', '.join(LAUNCHERS)}."
            f"{did_you_mean(name, LAUNCHERS)}"
        )
    return name


def _pytorch_fields(env: _Env, port: int | None) -> dict[str, Any]:
    if port is not None:
        raise ValueError(
            "init_dist('pytorch'): port is for the slurm and mpi launchers; torchrun sets "
            "MASTER_PORT (choose it with --master-port)."
        )
    rank = env.require_int("RANK")
    world_size = env.require_int("WORLD_SIZE")
    local_rank = env.require_int("LOCAL_RANK")
    master_addr = env.require("MASTER_ADDR")
    master_port = env.require_int("MASTER_PORT")
    env.check()
    node = env.get("GROUP_RANK")
    return {
        "rank": rank,
        "world_size": world_size,
        "local_rank": local_rank,
        "local_size": env.optional_int("LOCAL_WORLD_SIZE"),
        "node": f"node-rank:{node}" if node is not None else f"host:{socket.gethostname()}",
        "master_addr": master_addr,
        "master_port": master_port,
        "env": {},
    }


def _rendezvous_port(env: _Env, port: int | None) -> int:
    if port is not None:
        return int(port)
    value = env.environ.get("MASTER_PORT")
    return DEFAULT_PORT if value is None else env.to_int("MASTER_PORT", value)


def _slurm_fields(env: _Env, port: int | None, device_count: int) -> dict[str, Any]:
    rank = env.require_int("SLURM_PROCID")
    world_size = env.require_int("SLURM_NTASKS")
    nodelist = env.get("SLURM_NODELIST", "SLURM_JOB_NODELIST")
    if nodelist is None:
        env.missing.append("SLURM_NODELIST")
    env.check()
    local_id = env.optional_int("SLURM_LOCALID")
    local_rank = local_id if local_id is not None else rank % max(device_count, 1)
    node_id = env.get("SLURM_NODEID")
    local_size = None
    tasks_per_node = env.get("SLURM_TASKS_PER_NODE", "SLURM_STEP_TASKS_PER_NODE")
    if tasks_per_node is not None and node_id is not None:
        counts = expand_tasks_per_node(tasks_per_node)
        if int(node_id) < len(counts):
            local_size = counts[int(node_id)]
    master_addr = env.get("MASTER_ADDR") or expand_nodelist(str(nodelist))[0]
    node = f"slurm-node:{node_id}" if node_id is not None else f"host:{socket.gethostname()}"
    return _launch_fields(
        rank, world_size, local_rank, local_size, node, master_addr, _rendezvous_port(env, port)
    )


def _mpi_fields(env: _Env, port: int | None) -> dict[str, Any]:
    rank = env.require_int("OMPI_COMM_WORLD_RANK")
    world_size = env.require_int("OMPI_COMM_WORLD_SIZE")
    local_rank = env.require_int("OMPI_COMM_WORLD_LOCAL_RANK")
    env.check()
    local_size = env.optional_int("OMPI_COMM_WORLD_LOCAL_SIZE")
    master_addr = env.get("MASTER_ADDR")
    if master_addr is None:
        if local_size != world_size:
            raise LaunchError(
                "init_dist('mpi') needs MASTER_ADDR (the address of the machine of rank 0) when "
                "the processes span several machines; export it to every process, e.g. "
                "mpirun -x MASTER_ADDR=node1 -x MASTER_PORT=29500 ..."
            )
        master_addr = "127.0.0.1"
    node = f"host:{socket.gethostname()}"
    return _launch_fields(
        rank, world_size, local_rank, local_size, node, master_addr, _rendezvous_port(env, port)
    )


def _launch_fields(
    rank: int,
    world_size: int,
    local_rank: int,
    local_size: int | None,
    node: str,
    master_addr: str,
    master_port: int,
) -> dict[str, Any]:
    """What a launcher's variables resolve to, and the torchrun-style variables to export."""
    exported = {
        "MASTER_ADDR": master_addr,
        "MASTER_PORT": str(master_port),
        "WORLD_SIZE": str(world_size),
        "RANK": str(rank),
        "LOCAL_RANK": str(local_rank),
    }
    if local_size is not None:
        exported["LOCAL_WORLD_SIZE"] = str(local_size)
    return {
        "rank": rank,
        "world_size": world_size,
        "local_rank": local_rank,
        "local_size": local_size,
        "node": node,
        "master_addr": master_addr,
        "master_port": master_port,
        "env": exported,
    }


def expand_nodelist(nodelist: str) -> list[str]:
    """Expand a Slurm node list such as ``'gpu[01-03,07],cpu5'`` into host names, in order."""
    hosts: list[str] = []
    for entry in _split_top_level(nodelist):
        pieces = re.split(r"(\[[^\[\]]*\])", entry)
        if any(ch in piece for piece in pieces[::2] for ch in "[]"):
            raise LaunchError(f"SLURM_NODELIST={nodelist!r} has unbalanced brackets.")
        options = [
            _expand_ranges(piece[1:-1], nodelist) if piece.startswith("[") else [piece]
            for piece in pieces
            if piece
        ]
        hosts.extend("".join(combo) for combo in itertools.product(*options))
    if not hosts:
        raise LaunchError(f"SLURM_NODELIST={nodelist!r} names no host.")
    return hosts


def _split_top_level(nodelist: str) -> list[str]:
    entries, depth, start = [], 0, 0
    for index, char in enumerate(nodelist):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            entries.append(nodelist[start:index])
            start = index + 1
    entries.append(nodelist[start:])
    return [entry.strip() for entry in entries if entry.strip()]


def _expand_ranges(spec: str, nodelist: str) -> list[str]:
    names: list[str] = []
    for item in spec.split(","):
        match = re.fullmatch(r"\s*(\d+)(?:-(\d+))?\s*", item)
        if match is None:
            raise LaunchError(f"SLURM_NODELIST={nodelist!r}: {item!r} is not a number or range.")
        first, last = match.group(1), match.group(2) or match.group(1)
        if int(last) < int(first):
            raise LaunchError(f"SLURM_NODELIST={nodelist!r}: range {item!r} runs backwards.")
        names.extend(str(n).zfill(len(first)) for n in range(int(first), int(last) + 1))
    return names


def expand_tasks_per_node(value: str) -> list[int]:
    """Expand Slurm's ``SLURM_TASKS_PER_NODE`` (``'8(x2),4'``) into one count per node."""
    counts: list[int] = []
    for item in value.split(","):
        match = re.fullmatch(r"\s*(\d+)(?:\(x(\d+)\))?\s*", item)
        if match is None:
            raise LaunchError(f"SLURM_TASKS_PER_NODE={value!r}: {item!r} is not 'N' or 'N(xM)'.")
        counts.extend([int(match.group(1))] * int(match.group(2) or 1))
    return counts


def _as_timeout(timeout: float | timedelta | None) -> timedelta:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, timedelta):
        value = timeout
    elif isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        value = timedelta(seconds=timeout)
    else:
        raise TypeError(
            f"init_dist: timeout must be seconds (int or float) or a timedelta, got {timeout!r}."
        )
    if value <= timedelta(0):
        raise ValueError(f"init_dist: timeout must be positive, got {timeout!r}.")
    return value


def init_dist(
    launcher: str,
    backend: str | None = None,
    timeout: float | timedelta | None = None,
    **kwargs: Any,
) -> None:
    """Start the default process group for a job started by ``launcher``.

    Works on CPU-only machines: without CUDA the backend is gloo (a requested ``'nccl'`` falls
    back to gloo with a warning) and no CUDA device is selected. With CUDA, the device
    ``local_rank % device_count`` is selected before the group starts. It also creates the
    local (per-machine) group that :func:`get_local_rank` and :func:`get_local_size` use.

    Args:
        launcher: ``'pytorch'`` (torchrun), ``'slurm'`` (srun) or ``'mpi'`` (Open MPI).
        backend: ``'nccl'``, ``'gloo'``, ...; None picks nccl with CUDA and gloo without.
        timeout: collective timeout in seconds (or a timedelta); 30 minutes when None. A
            collective that waits longer raises :class:`~mme.dist.CollectiveError`.
        **kwargs: ``port`` (slurm/mpi rendezvous port), ``init_backend`` (only ``'torch'``)
            and anything else is passed to ``torch.distributed.init_process_group``.
    """
    if is_distributed():
        raise RuntimeError(
            f"init_dist: the default process group is already initialised (backend "
            f"{get_backend()!r}, rank {get_rank()} of {get_world_size()}); call init_dist once "
            "per process."
        )
    init_backend = kwargs.pop("init_backend", "torch")
    if init_backend != "torch":
        raise ValueError(
            f"init_dist: init_backend={init_backend!r} is not supported; only 'torch' is."
        )
    plan = plan_launch(launcher, backend, port=kwargs.pop("port", None))
    group_timeout = _as_timeout(timeout)
    os.environ.update(plan.env)
    if plan.cuda_device is not None:
        torch.cuda.set_device(plan.cuda_device)
    try:
        torch_dist.init_process_group(
            backend=plan.backend,
            init_method="env://",
            rank=plan.rank,
            world_size=plan.world_size,
            timeout=group_timeout,
            **kwargs,
        )
    except (RuntimeError, ValueError) as exc:
        raise LaunchError(
            f"init_dist({plan.launcher!r}): rank {plan.rank} of {plan.world_size} could not "
            f"start the {plan.backend!r} process group at {plan.master_addr}:{plan.master_port}: "
            f"{exc}"
        ) from exc
    _state.current().timeout = group_timeout
    atexit.unregister(_destroy_at_exit)  # once, however often init_dist runs
    atexit.register(_destroy_at_exit)
    _init_local_groups(plan.node)
    logger.info(
        "Process group started: launcher %s, backend %s, rank %d of %d, local rank %d, "
        "master %s:%d, timeout %s%s.",
        plan.launcher,
        plan.backend,
        plan.rank,
        plan.world_size,
        plan.local_rank,
        plan.master_addr,
        plan.master_port,
        group_timeout,
        f", cuda:{plan.cuda_device}" if plan.cuda_device is not None else "",
    )


def _destroy_at_exit() -> None:
    """Destroy the process group before the interpreter exits.

    A gloo group still alive when the interpreter finishes can abort the process during
    teardown ("terminate called without an active exception") after the script succeeded.
    """
    if is_distributed():
        try:
            torch_dist.destroy_process_group()
        except (RuntimeError, ValueError) as exc:  # peers may be gone already
            logger.debug("destroy_process_group at exit failed: %s", exc)


def _init_local_groups(node: str) -> None:
    """Group the ranks by machine (the plan's node key) and create one group per machine."""
    nodes = all_gather_object(node)
    order = list(dict.fromkeys(nodes))
    layout = [[rank for rank, key in enumerate(nodes) if key == each] for each in order]
    _set_local_group(layout, order.index(node))
