"""Per-batch seeding of dataloaders built by the runner (mme.runner.sample_seeding).

The runner wraps loaders with workers; the wrappers also work in the main process (reseeding
its streams afterwards), which is where most of these tests read them, to count and compare.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from mme.dataset import DefaultSampler, InfiniteSampler
from mme.runner import Runner, sample_seeding
from mme.runner.sample_seeding import (
    SeededDataset,
    SeededIndex,
    SeededSampler,
    sample_seed,
    seeded,
)

pytestmark = pytest.mark.spec("RUN-22")


class Draws(Dataset):
    """Sample ``i`` is ``(i, a draw from torch's default generator)``."""

    def __len__(self) -> int:
        return 12

    def __getitem__(self, index: int) -> tuple[int, float]:
        assert type(index) is int
        return index, float(torch.rand(()))


class BatchedDraws(Draws):
    """Reads a whole batch at once, as torch's ``__getitems__`` protocol allows."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def __getitems__(self, indices: list[int]) -> list[tuple[int, float]]:
        self.calls.append(list(indices))
        return [self[index] for index in indices]


def loader(dataset: Any, batch_size: int | None = 4, **options: Any) -> DataLoader:
    """A DataLoader over ``dataset`` wrapped as the runner wraps one with workers."""
    sampler = DefaultSampler(dataset, shuffle=True, seed=3)
    every = batch_size or 1
    dataset, sampler = seeded(dataset, sampler, seed=3, batch_size=every)
    return DataLoader(
        dataset, sampler=sampler, batch_size=batch_size, collate_fn=lambda b: b, **options
    )


def test_the_runner_seeds_loaders_with_workers_only() -> None:
    def built(num_workers: int) -> DataLoader:
        cfg = dict(
            dataset=Draws(),
            sampler=dict(type="DefaultSampler"),
            batch_size=4,
            num_workers=num_workers,
        )
        return Runner.build_dataloader(cfg, seed=3)

    assert isinstance(built(2).dataset, SeededDataset)
    assert isinstance(built(2).sampler, SeededSampler)
    assert built(2).sampler.batch_size == 4
    assert isinstance(built(0).dataset, Draws)  # the checkpoint's random states suffice
    assert isinstance(built(0).sampler, DefaultSampler)


def test_workers_read_the_same_batches_as_the_main_process() -> None:
    assert list(loader(Draws(), num_workers=2)) == list(loader(Draws()))


def test_the_main_process_seeds_twice_per_batch_not_per_sample(monkeypatch) -> None:
    calls = []
    seed_all = sample_seeding._seed_all
    monkeypatch.setattr(sample_seeding, "_seed_all", lambda s: (calls.append(s), seed_all(s)))
    batches = list(loader(Draws()))
    assert len(batches) == 3
    assert len(calls) == 6  # once before each batch, once after it (the stream goes on)


def test_a_batch_is_the_same_whatever_came_before_and_the_training_stream_goes_on() -> None:
    random.seed(0)
    torch.manual_seed(0)
    first = list(loader(Draws()))
    after_first = torch.rand(())
    random.seed(1)
    torch.manual_seed(1)
    second = list(loader(Draws()))
    assert first == second  # the data does not depend on the main process's state...
    random.seed(0)  # (the streams are reseeded from a draw of Python's generator)
    torch.manual_seed(0)
    list(loader(Draws()))
    assert torch.equal(torch.rand(()), after_first)  # ...which goes on from its own past
    draws = [value for batch in first for _, value in batch]
    assert len(set(draws)) == len(draws)  # samples of one batch draw different numbers


def test_a_batched_dataset_reads_each_batch_once_with_plain_ints() -> None:
    dataset = BatchedDraws()
    batches = list(loader(dataset))
    assert [[i for i, _ in batch] for batch in batches] == dataset.calls
    assert all(type(i) is int for call in dataset.calls for i in call)
    assert batches == list(loader(Draws()))  # the same seeding as reading one by one


def test_only_the_first_index_of_each_batch_carries_a_seed() -> None:
    sampler = SeededSampler(DefaultSampler(Draws(), shuffle=True, seed=0), seed=7, batch_size=4)
    indices = list(sampler)
    assert [isinstance(i, SeededIndex) for i in indices] == [True, False, False, False] * 3
    assert indices[0].seed == sample_seed(7, 0, indices[0])
    sampler.set_epoch(1)  # the wrapped sampler's attribute
    first = next(iter(sampler))
    assert first.seed == sample_seed(7, 1, first)


def test_without_auto_batching_every_sample_is_seeded_on_its_own() -> None:
    samples = list(loader(Draws(), batch_size=None))
    assert len(samples) == 12
    again = list(loader(Draws(), batch_size=None))
    assert samples == again
    sampler = SeededSampler(DefaultSampler(Draws(), seed=0), seed=7)
    assert all(isinstance(i, SeededIndex) for i in sampler)


def test_an_endless_stream_seeds_batches_by_their_pass() -> None:
    inner = InfiniteSampler(Draws(), shuffle=False, seed=0)
    stream = iter(SeededSampler(inner, seed=7, batch_size=4))
    firsts = [next(stream) for _ in range(8)][::4]  # two batches of pass 0
    firsts += [next(stream) for _ in range(20)][::4]  # batch 3 ends pass 0, 4-7 are pass 1
    assert [int(i) for i in firsts] == [0, 4, 8, 0, 4, 8, 0]
    assert [i.seed for i in firsts[:3]] == [sample_seed(7, 0, i) for i in (0, 4, 8)]
    assert [i.seed for i in firsts[3:6]] == [sample_seed(7, 1, i) for i in (0, 4, 8)]
    assert firsts[6].seed == sample_seed(7, 2, 0)


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="SeededSampler: batch_size must be at least 1, got 0"):
        SeededSampler([0, 1], seed=0, batch_size=0)


def test_seeding_leaves_python_and_numpy_streams_going_on_from_their_past() -> None:
    random.seed(0)
    list(loader(Draws()))
    after = random.random()
    random.seed(0)
    list(loader(Draws()))
    assert random.random() == after
