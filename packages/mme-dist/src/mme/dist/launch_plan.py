"""The launch plan: what ``init_dist`` will do, as a pure function of the environment.

The launcher's variables (torchrun, Slurm or Open MPI) are turned into a `LaunchPlan`
without starting anything, so every launcher is tested without processes.
"""

from __future__ import annotations

import difflib
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.distributed as torch_dist

from mme.dist._suggest import did_you_mean
from mme.dist.errors import LaunchError
from mme.dist.slurm import expand_nodelist, expand_tasks_per_node

logger = logging.getLogger("mme.dist")

#: Launchers ``init_dist`` understands.
LAUNCHERS = ("pytorch", "slurm", "mpi")
#: Backends torch.distributed ships (a per-device spec such as ``'cpu:gloo,cuda:nccl'`` passes).
BACKENDS = ("nccl", "gloo", "mpi", "ucc")
#: Rendezvous port when neither ``port`` nor ``MASTER_PORT`` gives one (slurm, mpi).
DEFAULT_PORT = 29500

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
    """Guess the launcher from the environment: `pytorch`, `slurm`, `mpi` or `none`."""
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
