"""Collect per-rank results (e.g. predictions of an evaluation loop) on rank 0, in dataset order."""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mme.dist._suggest import did_you_mean
from mme.dist.objects import gather_object
from mme.dist.query import barrier, cpu_group, get_rank, get_world_size

DEVICES = ("cpu", "gpu")


def collect_results(
    results: Sequence[Any],
    size: int,
    device: str = "cpu",
    tmpdir: str | os.PathLike[str] | None = None,
) -> list[Any] | None:
    """Gather every rank's results on rank 0 in dataset order and drop the sampler's padding.

    Rank ``r`` is expected to hold the results of samples ``r, r + world_size, r + 2 *
    world_size, ...`` (what DefaultSampler hands out, padded so that every rank gets as many);
    rank 0 gets them interleaved back into dataset order and truncated to ``size``.

    Args:
        results: this rank's results, one item per sample.
        size: number of samples in the dataset (the padding beyond it is dropped).
        device: ``'cpu'`` gathers through a gloo group and never touches GPU memory;
            ``'gpu'`` gathers through the default group (CUDA memory with nccl).
        tmpdir: with ``device='cpu'``, a directory every rank can reach (shared filesystem)
            to pass the results through files instead of the process group. Only the part
            files written there are removed afterwards.

    Returns:
        The ordered results on rank 0, ``None`` on the other ranks.
    """
    if device not in DEVICES:
        raise ValueError(
            f"collect_results: device={device!r} is not one of {DEVICES}."
            f"{did_you_mean(str(device), DEVICES)}"
        )
    if device == "gpu":
        if tmpdir is not None:
            raise ValueError(
                "collect_results: tmpdir is only used with device='cpu'; with device='gpu' "
                "the results go through the process group."
            )
        return collect_results_gpu(results, size)
    return collect_results_cpu(results, size, tmpdir)


def collect_results_cpu(
    result_part: Sequence[Any], size: int, tmpdir: str | os.PathLike[str] | None = None
) -> list[Any] | None:
    """`collect_results` with ``device='cpu'``: through a gloo group or ``tmpdir`` files."""
    part = _as_list(result_part, size)
    if get_world_size() == 1:
        return _ordered([part], size)
    if tmpdir is None:
        parts = gather_object(part, dst=0, group=cpu_group())
    else:
        parts = _gather_through_directory(part, Path(tmpdir))
    return _ordered(parts, size) if parts is not None else None


def collect_results_gpu(result_part: Sequence[Any], size: int) -> list[Any] | None:
    """`collect_results` with ``device='gpu'``: through the default process group."""
    part = _as_list(result_part, size)
    if get_world_size() == 1:
        return _ordered([part], size)
    parts = gather_object(part, dst=0)
    return _ordered(parts, size) if parts is not None else None


def _as_list(results: Sequence[Any], size: int) -> list[Any]:
    if isinstance(results, (str, bytes)) or not isinstance(results, Sequence):
        raise TypeError(
            f"collect_results: results must be a list of per-sample results, got "
            f"{type(results).__name__}."
        )
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"collect_results: size must be a non-negative int, got {size!r}.")
    return list(results)


def _ordered(parts: list[list[Any]], size: int) -> list[Any]:
    """Undo the interleaving (rank r holds samples r, r + n, ...) and drop the padding."""
    longest = max((len(part) for part in parts), default=0)
    ordered = [part[i] for i in range(longest) for part in parts if i < len(part)]
    if size > len(ordered):
        counts = ", ".join(f"rank {rank}: {len(part)}" for rank, part in enumerate(parts))
        raise ValueError(
            f"collect_results: size={size} but only {len(ordered)} results were collected "
            f"({counts}); size should be the dataset length and every sample should have a "
            "result."
        )
    return ordered[:size]


def _gather_through_directory(part: list[Any], directory: Path) -> list[list[Any]] | None:
    rank, world_size = get_rank(), get_world_size()
    group = cpu_group()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"part_{rank}.pkl"
    partial = directory / f".part_{rank}.pkl.tmp"
    with partial.open("wb") as stream:
        pickle.dump(part, stream, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(target)
    barrier(group)
    parts: list[list[Any]] | None = None
    if rank == 0:
        parts = []
        for other in range(world_size):
            path = directory / f"part_{other}.pkl"
            if not path.is_file():
                raise FileNotFoundError(
                    f"collect_results: {path} written by rank {other} is not visible on rank 0; "
                    "tmpdir must be on a filesystem every rank shares (or pass tmpdir=None to "
                    "gather through the process group)."
                )
            with path.open("rb") as stream:
                parts.append(pickle.load(stream))
    barrier(group)  # rank 0 has read every part: they may be removed and tmpdir reused
    if rank == 0:
        for other in range(world_size):
            (directory / f"part_{other}.pkl").unlink(missing_ok=True)
    return parts
