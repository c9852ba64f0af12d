"""Property tests of the samplers: for any dataset size, number of ranks, resume point and
new number of ranks, the ranks together yield the one-process order, and a resumed run
yields exactly the rest of it."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mme.dataset.sampler as sampler_module
from mme.dataset import DefaultSampler, InfiniteSampler


def _interleave(shares: list[list[int]]) -> list[int]:
    return [i for step in itertools.zip_longest(*shares) for i in step if i is not None]


class _Rank:
    """Pretend to be rank ``rank`` of ``world`` inside a with-block."""

    def __init__(self, rank: int, world: int) -> None:
        self.rank, self.world = rank, world

    def __enter__(self) -> None:
        self.saved = sampler_module.get_dist_info
        sampler_module.get_dist_info = lambda: (self.rank, self.world)  # type: ignore[assignment]

    def __exit__(self, *exc: object) -> None:
        sampler_module.get_dist_info = self.saved  # type: ignore[assignment]


@pytest.mark.spec("DS-20")
@settings(max_examples=150, deadline=None)
@given(
    size=st.integers(1, 40),
    world=st.integers(1, 5),
    new_world=st.integers(1, 5),
    steps=st.integers(0, 12),
    epoch=st.integers(0, 3),
    shuffle=st.booleans(),
)
def test_default_sampler_resumes_on_any_number_of_ranks(
    size: int, world: int, new_world: int, steps: int, epoch: int, shuffle: bool
) -> None:
    with _Rank(0, 1):
        alone = DefaultSampler(range(size), shuffle=shuffle, seed=5)
        alone.set_epoch(epoch)
        order = list(alone)
    per_rank = -(-size // world)
    steps = min(steps, per_rank)
    states = []
    for rank in range(world):
        with _Rank(rank, world):
            sampler = DefaultSampler(range(size), shuffle=shuffle, seed=5)
            sampler.set_epoch(epoch)
            iterator = iter(sampler)
            for _ in range(steps):
                next(iterator)
            states.append(sampler.state_dict())
    assert {s["position"] for s in states} == {steps * world}
    rest = []
    for rank in range(new_world):
        with _Rank(rank, new_world):
            resumed = DefaultSampler(range(size), shuffle=not shuffle, seed=0)
            resumed.load_state_dict(states[0])
            resumed.set_epoch(epoch)
            rest.append(list(resumed))
    lengths = {len(share) for share in rest}
    assert len(lengths) == 1  # round_up: equal shares
    merged = _interleave(rest)
    done = min(steps * world, size)
    assert merged[: size - done] == order[done:]  # exactly the rest, in order
    assert set(merged[size - done :]) <= set(order)  # then only padding


@pytest.mark.spec("DS-21")
@settings(max_examples=100, deadline=None)
@given(
    size=st.integers(1, 20),
    world=st.integers(1, 4),
    new_world=st.integers(1, 4),
    steps=st.integers(0, 30),
)
def test_infinite_sampler_resumes_on_any_number_of_ranks(
    size: int, world: int, new_world: int, steps: int
) -> None:
    with _Rank(0, 1):
        stream = list(itertools.islice(InfiniteSampler(range(size), seed=3), steps * world + 40))
    with _Rank(0, world):
        sampler = InfiniteSampler(range(size), seed=3)
        iterator = iter(sampler)
        for _ in range(steps):
            next(iterator)
        state = sampler.state_dict()
    shares = []
    for rank in range(new_world):
        with _Rank(rank, new_world):
            resumed = InfiniteSampler(range(size), seed=0)
            resumed.load_state_dict(state)
            shares.append(list(itertools.islice(iter(resumed), 40 // new_world)))
    merged = _interleave(shares)
    assert merged == stream[steps * world : steps * world + len(merged)]
