"""``worker_init_fn``: seed each DataLoader worker from (seed, rank, worker id)."""

from __future__ import annotations

import gc
import random
import warnings

import numpy as np
import torch
from torch.utils.data import get_worker_info


def worker_seed(seed: int, rank: int, worker_id: int, iteration_seed: int = 0) -> int:
    """The 32-bit seed of worker ``worker_id`` of rank ``rank``.

    Mixed through NumPy's ``SeedSequence``, so that no two (seed, rank, worker) triples
    share a seed (MMEngine's ``num_workers * rank + worker_id + seed`` gives worker 1 of
    seed 0 the seed of worker 0 of seed 1). ``iteration_seed`` is PyTorch's per-iterator
    seed of the worker, which differs from one epoch to the next.
    """
    entropy = [seed & 0xFFFFFFFF, seed >> 32 & 0xFFFFFFFF, rank, worker_id, iteration_seed]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def worker_init_fn(
    worker_id: int,
    num_workers: int,
    rank: int,
    seed: int,
    disable_subprocess_warning: bool = False,
) -> None:
    """Seed Python's ``random``, NumPy and torch in a DataLoader worker.

    Use it with ``functools.partial(worker_init_fn, num_workers=n, rank=r, seed=s)`` as
    the ``worker_init_fn`` of a ``DataLoader`` (the runner does this when ``randomness``
    has a seed). Each worker of each rank gets its own seed, derived from ``(seed, rank,
    worker_id)`` and from the seed PyTorch gives the worker for this pass over the data:
    augmentations differ between workers, ranks and epochs, and a run with the same seed
    (and the same main-process random state) repeats them exactly.

    Args:
        worker_id: The worker's id in ``[0, num_workers - 1]``.
        num_workers: The number of workers (kept for MMEngine's signature).
        rank: The rank of this process (0 without distributed training).
        seed: The run's random seed.
        disable_subprocess_warning: Silence warnings in every worker but the first.
    """
    gc.freeze()  # inherited objects stay shared (see mme.dataset._serialize)
    info = get_worker_info()
    iteration_seed = 0 if info is None else int(info.seed) - worker_id
    value = worker_seed(int(seed), int(rank), int(worker_id), iteration_seed & 0xFFFFFFFFFFFF)
    random.seed(value)
    np.random.seed(value)
    torch.manual_seed(value)
    if disable_subprocess_warning and worker_id != 0:
        warnings.simplefilter("ignore")
