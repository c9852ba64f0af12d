"""Per-batch random state for DataLoader workers: augmentations that survive a resume.

A random augmentation draws from the random state of the process that runs it. In the main
process (``num_workers=0``) that state is saved in every checkpoint and restored on resume,
so the augmentations repeat by themselves. A worker's state comes from a base seed drawn
when the iterator is created, and a resumed DataLoader starts its workers afresh and hands
them batches in another assignment: their draws do not repeat. So the runner seeds the
batches of loaders with workers.

`SeededSampler` wraps a sampler and marks the first index of every batch: it yields a
`SeededIndex`, an int that carries a seed mixed from the run's seed, the sampler's epoch (or
pass over an endless stream) and that index; the other indices pass through untouched.
`SeededDataset` wraps the dataset and, for a batch that starts with such an index, seeds
Python's ``random``, NumPy and torch (CPU) once before reading the batch's samples. A
resumed run reads the same batches, so its augmentations repeat exactly, with any number of
workers. The cost is one seeding per batch, in the worker (about 12 microseconds).

Used in the main process, `SeededDataset` reseeds the streams afterwards from a number drawn
from Python's generator just before, so the process's streams (dropout, for instance)
continue as a function of their own past, not of the data.

Without auto-batching (``batch_size=None``) or with a ``batch_sampler`` (whose batches need
not be consecutive runs of the sampler's indices), every index is marked and a sample read
on its own is seeded on its own. The runner wraps the loaders with workers that it builds
from config dicts (the usual case); a DataLoader object passed to the Runner is used as it is.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence, Sized
from functools import partial
from itertools import islice
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler, get_worker_info

_MASK = (1 << 64) - 1


def _mix(value: int) -> int:
    """splitmix64's finaliser: a well-spread 64-bit value from any 64-bit value."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """The 32-bit seed of sample ``index`` in ``epoch`` of a run seeded ``seed``."""
    return _mix(_mix(_mix(seed & _MASK) ^ (epoch & _MASK)) ^ (index & _MASK)) & 0xFFFFFFFF


class SeededIndex(int):
    """A dataset index that carries the seed of its sample (``seed``)."""

    seed: int

    def __new__(cls, value: int, seed: int) -> SeededIndex:
        obj = super().__new__(cls, value)
        obj.seed = seed
        return obj

    def __reduce__(self) -> tuple[Any, tuple[int, int]]:
        return SeededIndex, (int(self), self.seed)


class SeededSampler(Sampler[int]):
    """Yields the indices of ``sampler``, every ``batch_size``-th one (the first of each
    batch) as a `SeededIndex` seeded (seed, epoch, index).

    The epoch is the wrapped sampler's ``epoch`` (``DefaultSampler``), the pass over the
    dataset for an endless stream (``InfiniteSampler``), else the number of passes so far.
    ``set_epoch``, ``state_dict``, ``load_state_dict`` and other attributes are the wrapped
    sampler's.
    """

    def __init__(self, sampler: Any, seed: int, batch_size: int = 1) -> None:
        if batch_size < 1:
            raise ValueError(f"SeededSampler: batch_size must be at least 1, got {batch_size}")
        self.sampler = sampler
        self.seed = int(seed)
        self.batch_size = int(batch_size)
        self._passes = 0

    def __iter__(self) -> Iterator[int]:
        inner = self.sampler
        iterator = iter(inner)
        seed, rest = self.seed, self.batch_size - 1
        epoch = getattr(inner, "epoch", None)
        if epoch is None and type(inner).__name__ == "InfiniteSampler":
            # Global stream position of this rank's next index: the pass is position // size.
            position = int(inner.state_dict()["position"]) + int(inner.rank)
            size, step = int(inner.size), int(inner.world_size) * self.batch_size
            for first in iterator:
                yield SeededIndex(first, sample_seed(seed, position // size, first))
                position += step
                if rest:
                    yield from islice(iterator, rest)
            return
        if epoch is None:
            epoch = self._passes
        self._passes += 1
        for first in iterator:
            yield SeededIndex(first, sample_seed(seed, epoch, first))
            if rest:
                yield from islice(iterator, rest)

    def __len__(self) -> int:
        return len(self.sampler)

    def __getattr__(self, name: str) -> Any:
        if name == "sampler":  # not set yet (unpickling)
            raise AttributeError(name)
        return getattr(self.sampler, name)


class SeededDataset(Dataset):
    """Reads samples with the random state seeded from the ``seed`` of the batch's first
    index (or of the index itself, read alone), when it has one.

    Every other attribute (``metainfo``, ``pipeline``...) is the wrapped dataset's.
    """

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getattr__(self, name: str) -> Any:
        if name == "dataset":  # not set yet (unpickling)
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __getitem__(self, index: Any) -> Any:
        seed = getattr(index, "seed", None)
        dataset = self.dataset
        if seed is None:
            return dataset[index]
        return _read_seeded(seed, lambda: dataset[int(index)])

    def __getitems__(self, indices: Sequence[Any]) -> list[Any]:
        """The samples of one batch, read after one seeding (the DataLoader's batched fetch)."""
        plain = [int(index) for index in indices]
        seed = getattr(indices[0], "seed", None) if len(indices) else None
        if seed is None:
            return self._read(plain)
        return _read_seeded(seed, partial(self._read, plain))

    def _read(self, indices: list[int]) -> list[Any]:
        batched = getattr(self.dataset, "__getitems__", None)
        if batched is not None:
            return list(batched(indices))
        dataset = self.dataset
        return [dataset[index] for index in indices]


def _read_seeded(seed: int, read: Callable[[], Any]) -> Any:
    if get_worker_info() is not None:  # a worker's state matters to nobody else
        _seed_all(seed)
        return read()
    # Saving and restoring the states costs ~10x more (NumPy copies its whole state):
    # reseed afterwards from a number drawn before, so the process's streams go on as a
    # function of their own past, never of the data.
    follow = random.getrandbits(32)
    _seed_all(seed)
    try:
        return read()
    finally:
        _seed_all(follow)


def _seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.default_generator.manual_seed(seed)  # CPU only: the CUDA streams stay the model's


def seeded(dataset: Any, sampler: Any, seed: int, batch_size: int = 1) -> tuple[Any, Any]:
    """``(SeededDataset(dataset), SeededSampler(sampler, seed, batch_size))``, or both
    unchanged when the dataset is not map-style. ``batch_size`` is the DataLoader's, whose
    batches are consecutive runs of the sampler's indices; 1 seeds every index."""
    if not isinstance(dataset, Sized) or not isinstance(sampler, Sized):
        return dataset, sampler
    return SeededDataset(dataset), SeededSampler(sampler, seed, batch_size)
