"""A training run with every source of randomness, for the exact-resume tests.

The dataset augments each sample with Python's ``random``, NumPy and torch; the model has
dropout; the sampler shuffles; a warm-up and a step schedule change the learning rate;
gradients may accumulate over several iterations. `train` runs it, optionally stopping
(as a crash would) right after the checkpoint of iteration ``stop_at``; `outcome` reads what
an exact resume must reproduce.
"""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from mme.runner import Hook, Runner

try:
    from .runner_toys import AccuracyEvaluator, ToyBase
except ImportError:  # loaded as a script or a tests/dist scenario, with tests/runner on sys.path
    from runner_toys import AccuracyEvaluator, ToyBase  # type: ignore[no-redef]


class NoisyPoints(Dataset):
    """``n`` 2-D points; every read adds noise from random, NumPy and torch."""

    def __init__(self, n: int = 16) -> None:
        g = torch.Generator().manual_seed(1)
        self.x = torch.randn(n, 2, generator=g)
        self.y = (self.x.sum(1) > 0).long()

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        noise = torch.rand(2) * 0.1 + float(np.random.rand()) * 0.1 + random.random() * 0.1
        return self.x[index] + noise, self.y[index]


class DropoutNet(ToyBase):
    """A two-class MLP with dropout (draws from the main process's torch stream)."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 2))

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor, mode: str = "tensor") -> Any:
        logits = self.net(inputs)
        if mode == "loss":
            return dict(loss=nn.functional.cross_entropy(logits, labels))
        return list(zip(logits.argmax(1).tolist(), labels.tolist(), strict=True))


class Crash(RuntimeError):
    """Raised by `StopAfter` to end a run as a crash would."""


class StopAfter(Hook):
    """Raise `Crash` after iteration ``iteration`` (after its checkpoint: lowest priority)."""

    priority = "LOWEST"

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def after_train_iter(
        self, runner: Runner, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if runner.iter + 1 == self.iteration:
            raise Crash(f"stopped after iteration {self.iteration}")


def config(
    work_dir: Path,
    by_epoch: bool = True,
    num_workers: int = 0,
    accumulate: int = 1,
    resume: bool = False,
    stop_at: int | None = None,
    length: int = 3,
    launcher: str = "none",
    async_save: bool = False,
    validate: bool = False,
) -> dict[str, Any]:
    """The Runner arguments of the run (``length`` epochs of 4 iterations, or 12 iterations),
    validating every epoch (or 5 iterations) on augmented data when ``validate``."""
    sampler = dict(type="DefaultSampler" if by_epoch else "InfiniteSampler", shuffle=True)
    train_cfg = (
        dict(by_epoch=True, max_epochs=length) if by_epoch else dict(by_epoch=False, max_iters=12)
    )
    schedules: list[dict[str, Any]] = [
        dict(type="LinearLR", start_factor=0.5, by_epoch=False, begin=0, end=5),
        dict(type="MultiStepLR", milestones=[2] if by_epoch else [7], by_epoch=by_epoch),
    ]
    # An object, not a registered type: this module may be loaded twice (as tests.runner's
    # and, by the scripts, on its own), and each copy must catch its own Crash.
    custom_hooks: list[Any] = [] if stop_at is None else [StopAfter(stop_at)]
    if validate:
        train_cfg["val_interval"] = 1 if by_epoch else 5
    validation: dict[str, Any] = (
        dict(
            val_dataloader=dict(
                dataset=NoisyPoints(8),  # draws from the main process's streams
                sampler=dict(type="DefaultSampler", shuffle=False),
                batch_size=4,
                collate_fn=dict(type="default_collate"),
            ),
            val_evaluator=AccuracyEvaluator(),
            val_cfg=dict(),
        )
        if validate
        else {}
    )
    return dict(
        **validation,
        model=DropoutNet(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=NoisyPoints(16),
            sampler=sampler,
            batch_size=4,
            num_workers=num_workers,
            collate_fn=dict(type="default_collate"),
        ),
        train_cfg=train_cfg,
        optim_wrapper=dict(
            optimizer=dict(type="SGD", lr=0.1, momentum=0.9), accumulative_counts=accumulate
        ),
        param_scheduler=schedules,
        default_hooks=dict(
            checkpoint=dict(
                type="CheckpointHook", by_epoch=False, interval=1, async_save=async_save
            ),
            logger=dict(type="LoggerHook", interval=1),
        ),
        custom_hooks=custom_hooks,
        log_processor=dict(by_epoch=by_epoch),
        randomness=dict(seed=0),
        resume=resume,
        launcher=launcher,
    )


def train(work_dir: Path, **options: Any) -> Runner:
    """Train the run of `config`; a `Crash` (``stop_at``) is caught and the runner returned."""
    torch.manual_seed(123)  # the model's initial weights
    runner = Runner(**config(work_dir, **options))
    with contextlib.suppress(Crash):
        runner.train()
    return runner


def logged(runner: Runner) -> dict[int, dict[str, float]]:
    """The logged scalars of ``runner``'s run by step (loss and lr; times differ)."""
    path = Path(runner.log_dir, "vis_data", "scalars.json")
    if not path.exists():  # not the main process
        return {}
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return {
        r["step"]: {k: r[k] for k in ("loss", "lr") if k in r}
        for r in records
        if "loss" in r or "lr" in r  # not the validation's records
    }


def outcome(runner: Runner) -> dict[str, Any]:
    """What must not change: weights, optimizer, schedulers, logged losses, the count."""
    from mme.runner.checkpoint import unwrap

    return dict(
        weights={k: v.clone() for k, v in unwrap(runner.model).state_dict().items()},
        optimizer=runner.optim_wrapper.state_dict(),
        schedulers=[s.state_dict() for s in runner.param_schedulers],
        logged=logged(runner),
        iter=runner.iter,
        epoch=runner.epoch,
    )


def assert_same(
    full: dict[str, Any], resumed: dict[str, Any], after: int, logs: bool = True
) -> None:
    """Bit-identical weights and optimizer state, equal schedulers and logged values."""
    assert (full["iter"], full["epoch"]) == (resumed["iter"], resumed["epoch"])
    assert full["weights"].keys() == resumed["weights"].keys()
    for key, value in full["weights"].items():
        assert torch.equal(value, resumed["weights"][key]), key
    _assert_tree_equal(full["optimizer"], resumed["optimizer"], "optimizer")
    assert full["schedulers"] == resumed["schedulers"]
    expected = {step: v for step, v in full["logged"].items() if step > after}
    got = {step: v for step, v in resumed["logged"].items() if step > after}
    assert expected or not logs, "the full run logged nothing after the stop"
    assert got == expected


def _assert_tree_equal(a: Any, b: Any, where: str) -> None:
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor), where
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_tree_equal(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_tree_equal(x, y, f"{where}[{index}]")
    else:
        assert a == b, where
