"""Which process this is: rank, world size and local rank, without importing torch.

The launchers put these in the environment: torchrun sets ``RANK``,
``WORLD_SIZE`` and ``LOCAL_RANK``; Slurm sets ``SLURM_PROCID``, ``SLURM_NTASKS``
and ``SLURM_LOCALID``; Open MPI sets ``OMPI_COMM_WORLD_RANK``,
``OMPI_COMM_WORLD_SIZE`` and ``OMPI_COMM_WORLD_LOCAL_RANK``. When torch has
already been imported by someone else and a process group is up,
``torch.distributed`` has the final say on rank and world size. This module
never imports torch itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

#: (rank, world size, local rank) variables of each launcher, in order of precedence.
LAUNCHER_VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("RANK", "WORLD_SIZE", "LOCAL_RANK"),
    ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"),
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"),
)


@dataclass(frozen=True)
class RankInfo:
    """Where this process stands in a (possibly) distributed run.

    Attributes:
        rank: Global rank, 0 for the master process.
        world_size: Number of processes in the run.
        local_rank: Rank within this machine (the device index).
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main_process(self) -> bool:
        """Whether this is rank 0."""
        return self.rank == 0


def _read_int(environ: Mapping[str, str], key: str, default: int) -> int:
    raw = environ.get(key)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(
            f"environment variable {key}={raw!r} is not an integer; the launcher should "
            "set it to this process's rank or the number of processes"
        ) from None
    if value < 0:
        raise ValueError(f"environment variable {key}={raw!r} must not be negative")
    return value


def rank_info_from_environ(environ: Mapping[str, str] | None = None) -> RankInfo:
    """Read rank, world size and local rank from the launcher's environment variables.

    Args:
        environ: The environment to read; ``os.environ`` when None.

    Returns:
        The first launcher's variables found (torchrun, then Slurm, then Open MPI), or
        a single-process ``RankInfo()`` when none is set.

    Raises:
        ValueError: a variable is set but is not a non-negative integer, or the rank
            is not below the world size.
    """
    env = os.environ if environ is None else environ
    for rank_key, size_key, local_key in LAUNCHER_VARIABLES:
        if rank_key not in env:
            continue
        rank = _read_int(env, rank_key, 0)
        world_size = _read_int(env, size_key, rank + 1)
        local_rank = _read_int(env, local_key, 0)
        if rank >= world_size:
            raise ValueError(
                f"environment variables {rank_key}={rank} and {size_key}={world_size} "
                "disagree: the rank must be below the world size"
            )
        return RankInfo(rank=rank, world_size=world_size, local_rank=local_rank)
    return RankInfo()


def get_rank_info() -> RankInfo:
    """Return this process's rank information.

    Uses ``torch.distributed`` when torch is already imported and a process group
    is initialised (the local rank still comes from the environment), and the
    launcher's environment variables otherwise. Never imports torch.
    """
    from_env = rank_info_from_environ()
    dist = sys.modules.get("torch.distributed")
    if dist is None:
        return from_env
    try:
        if not (dist.is_available() and dist.is_initialized()):
            return from_env
        return RankInfo(
            rank=int(dist.get_rank()),
            world_size=int(dist.get_world_size()),
            local_rank=from_env.local_rank,
        )
    except (AttributeError, RuntimeError):
        return from_env
