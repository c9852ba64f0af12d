"""worker_init_fn: augmentations differ per worker, rank and epoch, and repeat exactly."""

from __future__ import annotations

import functools
import random
from typing import Any

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset, get_worker_info

from mme.dataset import worker_init_fn
from mme.dataset.seeding import worker_seed


class RandomAugment(Dataset[Any]):
    """Each sample draws from the three random generators a pipeline may use."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> tuple[int, int, float, float, float]:
        info = get_worker_info()
        worker = -1 if info is None else info.id
        return index, worker, random.random(), float(np.random.rand()), torch.rand(1).item()


def _pass(rank: int, seed: int, loader_seed: int, epochs: int = 1) -> list[list[Any]]:
    loader = DataLoader(
        RandomAugment(),
        batch_size=None,
        num_workers=2,
        worker_init_fn=functools.partial(worker_init_fn, num_workers=2, rank=rank, seed=seed),
        generator=torch.Generator().manual_seed(loader_seed),
        multiprocessing_context="fork",
    )
    return [[list(sample) for sample in loader] for _ in range(epochs)]


@pytest.mark.spec("RUN-30", "DS-24")
def test_workers_ranks_and_epochs_draw_differently_and_runs_repeat() -> None:
    first = _pass(rank=0, seed=42, loader_seed=0, epochs=2)
    again = _pass(rank=0, seed=42, loader_seed=0, epochs=2)
    assert first == again  # the same seed repeats every draw
    epoch0, epoch1 = first
    by_worker = {w: [s[2:] for s in epoch0 if s[1] == w] for w in (0, 1)}
    assert by_worker[0] != by_worker[1]
    assert [s[2:] for s in epoch0] != [s[2:] for s in epoch1]  # a new pass, new draws
    other_rank = _pass(rank=1, seed=42, loader_seed=0)[0]
    assert [s[2:] for s in other_rank] != [s[2:] for s in epoch0]
    other_seed = _pass(rank=0, seed=43, loader_seed=0)[0]
    assert [s[2:] for s in other_seed] != [s[2:] for s in epoch0]


@pytest.mark.spec("RUN-30")
def test_worker_seeds_do_not_collide_like_a_sum_would() -> None:
    # MMEngine's num_workers * rank + worker_id + seed gives these two the same seed
    assert worker_seed(0, 0, 1) != worker_seed(1, 0, 0)
    seeds = {worker_seed(s, r, w) for s in range(4) for r in range(4) for w in range(4)}
    assert len(seeds) == 64
    assert all(0 <= s < 2**32 for s in seeds)


@pytest.mark.spec("RUN-30")
def test_outside_a_worker_it_seeds_the_three_generators() -> None:
    worker_init_fn(0, num_workers=1, rank=0, seed=7)
    draws = (random.random(), float(np.random.rand()), torch.rand(1).item())
    worker_init_fn(0, num_workers=1, rank=0, seed=7)
    assert (random.random(), float(np.random.rand()), torch.rand(1).item()) == draws
