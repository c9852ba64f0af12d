"""Stopping and resuming changes nothing (RUN-22): weights, optimizer, schedulers, logs.

Each case trains the same run twice: once in one go, once stopped right after the
checkpoint of iteration ``k`` (as a crash would) and resumed with ``resume=True``. The
run shuffles, augments with Python's ``random``, NumPy and torch, has dropout, a warm-up and
a step schedule, and in some cases accumulates gradients over 3 iterations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from .resume_toys import assert_same, outcome, train

pytestmark = pytest.mark.spec("RUN-22")

_full_runs: dict[tuple[Any, ...], dict[str, Any]] = {}


def full_run(tmp_path_factory: pytest.TempPathFactory, **options: Any) -> dict[str, Any]:
    key = tuple(sorted(options.items()))
    if key not in _full_runs:
        _full_runs[key] = outcome(train(tmp_path_factory.mktemp("full"), **options))
    return _full_runs[key]


@pytest.mark.parametrize(
    ("options", "stop_at"),
    [
        pytest.param(dict(by_epoch=True, accumulate=3), 5, id="epoch-mid-epoch-accumulating"),
        pytest.param(dict(by_epoch=True, accumulate=3), 8, id="epoch-boundary"),
        pytest.param(dict(by_epoch=False, accumulate=3), 5, id="iter-accumulating"),
        pytest.param(dict(by_epoch=True, num_workers=2), 6, id="epoch-mid-epoch-2-workers"),
        pytest.param(dict(by_epoch=False, num_workers=2), 7, id="iter-2-workers"),
        pytest.param(dict(by_epoch=False, async_save=True), 5, id="iter-async-save"),
        pytest.param(dict(by_epoch=True, validate=True), 8, id="epoch-before-validation"),
        pytest.param(dict(by_epoch=False, validate=True), 5, id="iter-before-validation"),
    ],
)
def test_resume_is_bit_identical(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, options: dict, stop_at: int
) -> None:
    expected = full_run(tmp_path_factory, **options)
    stopped = train(tmp_path, stop_at=stop_at, **options)
    assert stopped.iter == stop_at - 1  # the crash came before the loop counted the iteration
    resumed = train(tmp_path, resume=True, **options)
    log = Path(resumed.log_dir, f"{resumed.timestamp}.log").read_text()
    assert f"iter: {stop_at}" in log.split("resumed epoch:")[1].splitlines()[0]
    assert_same(expected, outcome(resumed), after=stop_at)


def test_checkpoint_holds_plain_resume_state(tmp_path: Path) -> None:
    train(tmp_path, stop_at=5, accumulate=3)
    checkpoint = torch.load(tmp_path / "iter_5.pth", weights_only=True)
    state = checkpoint["resume_state"]
    assert state["world_size"] == 1
    assert state["batches_in_epoch"] == 1
    assert state["sampler"]["epoch"] == 1
    assert state["sampler"]["consumed"] == 4
    (rank0,) = state["ranks"]
    assert set(rank0["rng"]) >= {"python", "numpy", "torch"}
    assert set(rank0["grads"]) == {"net.0.weight", "net.0.bias", "net.3.weight", "net.3.bias"}
    after_group = torch.load(tmp_path / "iter_3.pth", weights_only=True)["resume_state"]
    assert "grads" not in after_group["ranks"][0]  # the group of 3 was complete: nothing saved


def test_validation_moves_no_training_stream(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Validating on augmented data (drawing from every stream) changes no training result."""
    plain = full_run(tmp_path_factory, by_epoch=True)
    validated = full_run(tmp_path_factory, by_epoch=True, validate=True)
    assert_same(plain, validated, after=0)


def test_worker_augmentations_depend_only_on_seed_epoch_and_batch() -> None:
    """The same samples with 1 or 2 workers, differing between epochs (sample_seeding.py)."""
    from mme.runner import Runner

    from .resume_toys import NoisyPoints

    def epochs(num_workers: int) -> list[torch.Tensor]:
        loader = Runner.build_dataloader(
            dict(
                dataset=NoisyPoints(8),
                sampler=dict(type="DefaultSampler", shuffle=True),
                batch_size=4,
                num_workers=num_workers,
                collate_fn=dict(type="default_collate"),
            ),
            seed=0,
        )
        out = []
        for epoch in range(2):
            loader.sampler.set_epoch(epoch)
            out.append(torch.cat([inputs for inputs, _ in loader]))
        return out

    torch.manual_seed(5)  # the main process's state must not matter
    one = epochs(1)
    torch.manual_seed(6)
    two = epochs(2)
    for a, b in zip(one, two, strict=True):
        assert torch.equal(a, b)
    assert not torch.equal(one[0].sort(0).values, one[1].sort(0).values)
