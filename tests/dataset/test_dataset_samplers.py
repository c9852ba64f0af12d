"""DefaultSampler and InfiniteSampler in one process, with pretend ranks for the splits.

The real two-process runs are in test_dataset_distributed.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import torch

import mme.dataset.sampler as sampler_module
from mme.dataset import DefaultSampler, InfiniteSampler


def _as_rank(monkeypatch: pytest.MonkeyPatch, rank: int, world_size: int) -> None:
    monkeypatch.setattr(sampler_module, "get_dist_info", lambda: (rank, world_size))


def _shares(monkeypatch: pytest.MonkeyPatch, world_size: int, make: Any) -> list[list[int]]:
    shares = []
    for rank in range(world_size):
        _as_rank(monkeypatch, rank, world_size)
        shares.append(list(make()))
    return shares


def _interleave(shares: list[list[int]]) -> list[int]:
    return [i for step in itertools.zip_longest(*shares) for i in step if i is not None]


@pytest.mark.spec("DS-20")
def test_shuffled_order_is_the_seeded_permutation_of_the_epoch() -> None:
    sampler = DefaultSampler(list(range(10)), shuffle=True, seed=3)
    expected = torch.randperm(10, generator=torch.Generator().manual_seed(3)).tolist()
    assert list(sampler) == expected
    assert list(sampler) == expected  # the same epoch gives the same order again
    sampler.set_epoch(1)
    epoch1 = list(sampler)
    assert epoch1 == torch.randperm(10, generator=torch.Generator().manual_seed(4)).tolist()
    assert epoch1 != expected
    assert sorted(epoch1) == list(range(10))


@pytest.mark.spec("DS-20")
def test_without_shuffle_the_order_is_the_dataset_order() -> None:
    sampler = DefaultSampler(range(5), shuffle=False, seed=0)
    assert list(sampler) == [0, 1, 2, 3, 4]
    sampler.set_epoch(7)
    assert list(sampler) == [0, 1, 2, 3, 4]
    assert len(sampler) == 5


@pytest.mark.spec("DS-20")
@pytest.mark.parametrize(("size", "world_size"), [(10, 2), (10, 3), (7, 4), (3, 5), (1, 2)])
def test_rank_shares_are_equal_and_interleave_to_the_one_process_order(
    monkeypatch: pytest.MonkeyPatch, size: int, world_size: int
) -> None:
    _as_rank(monkeypatch, 0, 1)
    alone = list(DefaultSampler(range(size), seed=11))
    shares = _shares(monkeypatch, world_size, lambda: DefaultSampler(range(size), seed=11))
    per_rank = -(-size // world_size)
    assert [len(share) for share in shares] == [per_rank] * world_size
    merged = _interleave(shares)
    assert merged[:size] == alone  # the same order as one process
    assert merged[size:] == (alone * world_size)[: len(merged) - size]  # padded from the start
    # every index is used, the padding only repeats the fewest possible
    assert set(merged) == set(range(size))


@pytest.mark.spec("DS-20")
def test_without_round_up_nothing_is_padded_or_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    shares = _shares(monkeypatch, 3, lambda: DefaultSampler(range(10), seed=0, round_up=False))
    assert [len(s) for s in shares] == [4, 3, 3]
    _as_rank(monkeypatch, 1, 3)
    assert len(DefaultSampler(range(10), seed=0, round_up=False)) == 3
    assert sorted(itertools.chain(*shares)) == list(range(10))


@pytest.mark.spec("DS-20")
def test_seed_none_is_drawn_once_and_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def fake_sync() -> int:
        calls.append(1)
        return 1234

    monkeypatch.setattr(sampler_module, "sync_random_seed", fake_sync)
    sampler = DefaultSampler(range(4))
    assert sampler.seed == 1234
    assert InfiniteSampler(range(4)).seed == 1234
    assert len(calls) == 2
    DefaultSampler(range(4), seed=5)
    assert len(calls) == 2  # an explicit seed is not synchronised


@pytest.mark.spec("DS-20")
def test_resume_mid_epoch_yields_exactly_the_rest() -> None:
    sampler = DefaultSampler(range(20), seed=7)
    sampler.set_epoch(2)
    full = list(sampler)
    iterator: Iterator[int] = iter(sampler)
    taken = [next(iterator) for _ in range(6)]
    state = sampler.state_dict()
    assert state["epoch"] == 2
    assert state["consumed"] == 6
    assert state["position"] == 6
    assert all(type(v) in (int, bool) for v in state.values())  # weights_only friendly

    restored = DefaultSampler(range(20), seed=99)  # the state's seed wins
    restored.load_state_dict(state)
    restored.set_epoch(2)  # the runner sets the epoch before the pass: the point is kept
    rest = list(restored)
    assert taken + rest == full
    assert restored.state_dict()["consumed"] == 20
    restored.set_epoch(3)  # later epochs are whole again
    assert len(list(restored)) == 20


@pytest.mark.spec("DS-20")
def test_resume_with_the_loops_count_instead_of_the_prefetched_one() -> None:
    sampler = DefaultSampler(range(12), seed=1)
    full = list(sampler)
    iterator = iter(sampler)
    for _ in range(8):  # a DataLoader with workers fetched 8 indices ahead ...
        next(iterator)
    state = sampler.state_dict(consumed=4)  # ... but the loop used 4
    restored = DefaultSampler(range(12), seed=1)
    restored.load_state_dict(state)
    assert list(restored) == full[4:]


@pytest.mark.spec("DS-20")
def test_resume_on_another_number_of_ranks(monkeypatch: pytest.MonkeyPatch) -> None:
    _as_rank(monkeypatch, 0, 1)
    alone = list(DefaultSampler(range(11), seed=5))
    states = []
    for rank in range(2):
        _as_rank(monkeypatch, rank, 2)
        sampler = DefaultSampler(range(11), seed=5)
        iterator = iter(sampler)
        for _ in range(3):
            next(iterator)
        states.append(sampler.state_dict())
    assert states[0]["position"] == 6
    # continue on 3 ranks from rank 0's state: positions 6.. of the same order
    shares = []
    for rank in range(3):
        _as_rank(monkeypatch, rank, 3)
        sampler = DefaultSampler(range(11), seed=5)
        sampler.load_state_dict(states[0])
        shares.append(list(sampler))
    assert [len(s) for s in shares] == [2, 2, 2]
    merged = _interleave(shares)
    assert merged[:5] == alone[6:]
    assert merged[5:] == alone[:1]  # padded from the start of the order


@pytest.mark.spec("DS-20")
def test_load_state_dict_rejects_bad_states() -> None:
    sampler = DefaultSampler(range(10), seed=0)
    state = sampler.state_dict()
    with pytest.raises(ValueError, match="dataset of 10 samples, this dataset has 9"):
        DefaultSampler(range(9), seed=0).load_state_dict(state)
    with pytest.raises(KeyError, match="the state has no 'consumed'"):
        sampler.load_state_dict({"epoch": 0, "seed": 0, "world_size": 1})
    with pytest.raises(TypeError, match="state must be a dict, got list"):
        sampler.load_state_dict([])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="consumed must be an int >= 0, got -1"):
        sampler.state_dict(consumed=-1)


@pytest.mark.spec("DS-20", "DS-21")
def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="DefaultSampler: dataset must have a length"):
        DefaultSampler(iter(range(3)))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="DefaultSampler: seed must be an int >= 0, got '1'"):
        DefaultSampler(range(3), seed="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="set_epoch: epoch must be an int"):
        DefaultSampler(range(3), seed=0).set_epoch(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="InfiniteSampler: the dataset is empty"):
        InfiniteSampler([], seed=0)


@pytest.mark.spec("DS-21")
def test_infinite_sampler_streams_seeded_permutations() -> None:
    sampler = InfiniteSampler(range(4), seed=2)
    stream = list(itertools.islice(sampler, 12))
    expected = []
    for cycle in range(3):
        generator = torch.Generator().manual_seed(2 + cycle)
        expected += torch.randperm(4, generator=generator).tolist()
    assert stream == expected
    assert len(sampler) == 4
    assert list(itertools.islice(InfiniteSampler(range(3), shuffle=False, seed=0), 7)) == [
        0, 1, 2, 0, 1, 2, 0,
    ]  # fmt: skip


@pytest.mark.spec("DS-21")
def test_infinite_shares_interleave_to_the_one_process_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _as_rank(monkeypatch, 0, 1)
    alone = list(itertools.islice(InfiniteSampler(range(5), seed=9), 30))
    shares = []
    for rank in range(3):
        _as_rank(monkeypatch, rank, 3)
        shares.append(list(itertools.islice(InfiniteSampler(range(5), seed=9), 10)))
    assert _interleave(shares) == alone


@pytest.mark.spec("DS-21")
def test_infinite_sampler_resumes_and_set_epoch_changes_nothing() -> None:
    sampler = InfiniteSampler(range(7), seed=4)
    sampler.set_epoch(3)
    stream = list(itertools.islice(iter(sampler), 40))
    iterator = iter(sampler)
    for _ in range(17):
        next(iterator)
    state = sampler.state_dict()
    assert state["consumed"] == 17
    restored = InfiniteSampler(range(7), seed=0)
    restored.load_state_dict(state)
    assert list(itertools.islice(iter(restored), 23)) == stream[17:]
    assert restored.state_dict()["consumed"] == 40
    with pytest.raises(ValueError, match="dataset of 7 samples, this dataset has 8"):
        InfiniteSampler(range(8), seed=0).load_state_dict(state)


@pytest.mark.spec("DS-20", "DS-24")
def test_sampler_drives_a_dataloader() -> None:
    data = list(range(10))
    sampler = DefaultSampler(data, seed=0)
    loader = torch.utils.data.DataLoader(data, batch_size=4, sampler=sampler)
    batches = [batch.tolist() for batch in loader]
    assert list(itertools.chain(*batches)) == list(sampler)
    assert [len(b) for b in batches] == [4, 4, 2]
