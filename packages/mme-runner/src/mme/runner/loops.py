"""The four built-in loops and ``BaseLoop`` for custom ones (RUN-09..RUN-12).

A loop owns one dataloader and drives the model over it, calling the Runner's hooks at the
mount points: ``EpochBasedTrainLoop`` (``max_epochs``, validation every ``val_interval``
epochs from ``val_begin``), ``IterBasedTrainLoop`` (``max_iters``, validation every
``val_interval`` iterations, 1000 by default), ``ValLoop`` and ``TestLoop``.
"""

from __future__ import annotations

import bisect
import logging
from abc import ABCMeta, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

import torch
from torch.utils.data import DataLoader

from mme.registry import LOOPS
from mme.runner.resume_state import rng_preserved

if TYPE_CHECKING:
    from mme.runner.runner import Runner

_logger = logging.getLogger("mme.runner")


class BaseLoop(metaclass=ABCMeta):
    """Base class of loops: holds the runner and the loop's dataloader; subclasses write ``run``.

    Args:
        runner: The runner.
        dataloader: A DataLoader, or its config dict (built with
            `Runner.build_dataloader`, seeded by the runner's ``randomness``).
    """

    dataloader: Any
    stop_training: bool = False
    #: Set by a resume that restored the sampler's position (resume_state.py).
    _data_resumed: bool = False
    _resumed_batches: int = 0

    def __init__(self, runner: Runner, dataloader: DataLoader | dict) -> None:
        self._runner = runner
        if isinstance(dataloader, dict):
            randomness = getattr(runner, "_randomness_cfg", {}) or {}
            self.dataloader = runner.build_dataloader(
                dataloader,
                seed=runner.seed,
                diff_rank_seed=bool(randomness.get("diff_rank_seed", False)),
            )
        else:
            self.dataloader = dataloader

    @property
    def runner(self) -> Runner:
        """The runner of this loop."""
        return self._runner

    @abstractmethod
    def run(self) -> Any:
        """Run the loop."""


def _dataset_meta(dataloader: Any) -> dict | None:
    dataset = getattr(dataloader, "dataset", None)
    meta = getattr(dataset, "metainfo", None)
    return dict(meta) if isinstance(meta, dict) else None


def calc_dynamic_intervals(
    start_interval: int, dynamic_interval_list: Sequence[tuple[int, int]] | None
) -> tuple[list[int], list[int]]:
    """Milestones and intervals from ``[(milestone, interval), ...]`` (sorted, ascending)."""
    milestones, intervals = [0], [start_interval]
    for index, item in enumerate(dynamic_interval_list or []):
        if not (isinstance(item, tuple | list) and len(item) == 2):
            raise ValueError(
                f"dynamic_intervals[{index}] must be a (milestone, interval) pair, got {item!r}"
            )
        milestones.append(int(item[0]))
        intervals.append(int(item[1]))
    if milestones != sorted(milestones):
        raise ValueError(f"dynamic_intervals milestones must increase, got {milestones[1:]}")
    return milestones, intervals


def _check_positive(value: Any, name: str, loop: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"train_cfg ({loop}): {name} must be a positive int, got {value!r}")


@LOOPS.register_module()
class EpochBasedTrainLoop(BaseLoop):
    """Trains for ``max_epochs`` epochs, validating every ``val_interval`` epochs.

    Args:
        runner: The runner.
        dataloader: The training dataloader or its config.
        max_epochs: Epochs to train.
        val_begin: The first epoch after which validation runs (default 1).
        val_interval: Validate every this many epochs (default 1), and after the last one.
        dynamic_intervals: ``[(epoch, interval), ...]``: from ``epoch`` on, validate every
            ``interval`` epochs.
    """

    def __init__(
        self,
        runner: Runner,
        dataloader: DataLoader | dict,
        max_epochs: int,
        val_begin: int = 1,
        val_interval: int = 1,
        dynamic_intervals: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        _check_positive(max_epochs, "max_epochs", "EpochBasedTrainLoop")
        _check_positive(val_interval, "val_interval", "EpochBasedTrainLoop")
        super().__init__(runner, dataloader)
        self._max_epochs = max_epochs
        self._max_iters = max_epochs * len(self.dataloader)
        self._epoch = 0
        self._iter = 0
        self.val_begin = val_begin
        self.val_interval = val_interval
        self.stop_training = False
        meta = _dataset_meta(self.dataloader)
        if meta is not None:
            runner.visualizer.dataset_meta = meta
        self.dynamic_milestones, self.dynamic_intervals = calc_dynamic_intervals(
            val_interval, dynamic_intervals
        )

    @property
    def max_epochs(self) -> int:
        """Epochs to train."""
        return self._max_epochs

    @property
    def max_iters(self) -> int:
        """Total iterations: ``max_epochs * len(dataloader)``."""
        return self._max_iters

    @property
    def epoch(self) -> int:
        """Epochs finished so far."""
        return self._epoch

    @property
    def iter(self) -> int:
        """Iterations finished so far."""
        return self._iter

    def run(self) -> torch.nn.Module:
        """Train; return the model."""
        runner = self.runner
        runner.call_hook("before_train")
        while self._epoch < self._max_epochs and not self.stop_training:
            self.run_epoch()
            self._decide_current_val_interval()
            if (
                runner.val_loop is not None
                and self._epoch >= self.val_begin
                and (self._epoch % self.val_interval == 0 or self._epoch == self._max_epochs)
            ):
                with rng_preserved():  # validating moves no training stream
                    runner.val_loop.run()
        runner.call_hook("after_train")
        return runner.model

    def run_epoch(self) -> None:
        """Train one epoch."""
        runner = self.runner
        runner.call_hook("before_train_epoch")
        runner.model.train()
        # After a mid-epoch resume the sampler yields the rest of the epoch: count from there.
        start, self._resumed_batches = self._resumed_batches, 0
        for idx, data_batch in enumerate(self.dataloader, start):
            self.run_iter(idx, data_batch)
        runner.call_hook("after_train_epoch")
        self._epoch += 1

    def run_iter(self, idx: int, data_batch: Any) -> None:
        """One training step on ``data_batch``."""
        runner = self._runner
        runner.call_hook("before_train_iter", batch_idx=idx, data_batch=data_batch)
        outputs = runner.model.train_step(data_batch, optim_wrapper=runner.optim_wrapper)
        runner.call_hook("after_train_iter", batch_idx=idx, data_batch=data_batch, outputs=outputs)
        self._iter += 1

    def _decide_current_val_interval(self) -> None:
        step = bisect.bisect(self.dynamic_milestones, self._epoch + 1)
        self.val_interval = self.dynamic_intervals[step - 1]


class _InfiniteIterator:
    """Iterates a dataloader forever, starting a new epoch (``set_epoch``) when it ends."""

    def __init__(self, dataloader: DataLoader) -> None:
        self._dataloader = dataloader
        self._iterator: Iterator = iter(dataloader)
        self._epoch = 0

    def __iter__(self) -> _InfiniteIterator:
        return self

    def __next__(self) -> Any:
        try:
            return next(self._iterator)
        except StopIteration:
            self._epoch += 1
            for holder in (self._dataloader, getattr(self._dataloader, "batch_sampler", None)):
                sampler: Any = getattr(holder, "sampler", None)
                if hasattr(sampler, "set_epoch"):
                    sampler.set_epoch(self._epoch)
            self._iterator = iter(self._dataloader)
            try:
                return next(self._iterator)
            except StopIteration:
                raise RuntimeError("the training dataloader yields no batch") from None


@LOOPS.register_module()
class IterBasedTrainLoop(BaseLoop):
    """Trains for ``max_iters`` iterations, validating every ``val_interval`` iterations.

    Args:
        runner: The runner.
        dataloader: The training dataloader or its config; it is restarted when exhausted.
        max_iters: Iterations to train.
        val_begin: The first iteration after which validation runs (default 1).
        val_interval: Validate every this many iterations (default 1000), and at the end.
        dynamic_intervals: ``[(iteration, interval), ...]``.
    """

    def __init__(
        self,
        runner: Runner,
        dataloader: DataLoader | dict,
        max_iters: int,
        val_begin: int = 1,
        val_interval: int = 1000,
        dynamic_intervals: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        _check_positive(max_iters, "max_iters", "IterBasedTrainLoop")
        _check_positive(val_interval, "val_interval", "IterBasedTrainLoop")
        super().__init__(runner, dataloader)
        self._max_iters = max_iters
        self._max_epochs = 1
        self._epoch = 0
        self._iter = 0
        self.val_begin = val_begin
        self.val_interval = val_interval
        self.stop_training = False
        meta = _dataset_meta(self.dataloader)
        if meta is not None:
            runner.visualizer.dataset_meta = meta
        self.dataloader_iterator = _InfiniteIterator(self.dataloader)
        self.dynamic_milestones, self.dynamic_intervals = calc_dynamic_intervals(
            val_interval, dynamic_intervals
        )

    @property
    def max_epochs(self) -> int:
        """Always 1: iteration-based training has one pass of hooks' epoch points."""
        return self._max_epochs

    @property
    def max_iters(self) -> int:
        """Iterations to train."""
        return self._max_iters

    @property
    def epoch(self) -> int:
        """0 during training, 1 after."""
        return self._epoch

    @property
    def iter(self) -> int:
        """Iterations finished so far."""
        return self._iter

    def run(self) -> torch.nn.Module:
        """Train; return the model."""
        runner = self.runner
        runner.call_hook("before_train")
        runner.call_hook("before_train_epoch")
        if self._iter > 0 and not self._data_resumed:
            _logger.info(
                "Advance dataloader %d steps to skip data that has already been trained",
                self._iter,
            )
            for _ in range(self._iter):
                next(self.dataloader_iterator)
        while self._iter < self._max_iters and not self.stop_training:
            runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if (
                runner.val_loop is not None
                and self._iter >= self.val_begin
                and (self._iter % self.val_interval == 0 or self._iter == self._max_iters)
            ):
                with rng_preserved():  # validating moves no training stream
                    runner.val_loop.run()
        runner.call_hook("after_train_epoch")
        runner.call_hook("after_train")
        return runner.model

    def run_iter(self, data_batch: Any) -> None:
        """One training step on ``data_batch``."""
        runner = self.runner
        idx = self._iter
        runner.call_hook("before_train_iter", batch_idx=idx, data_batch=data_batch)
        outputs = runner.model.train_step(data_batch, optim_wrapper=runner.optim_wrapper)
        runner.call_hook("after_train_iter", batch_idx=idx, data_batch=data_batch, outputs=outputs)
        self._iter += 1

    def _decide_current_val_interval(self) -> None:
        step = bisect.bisect(self.dynamic_milestones, self._iter + 1)
        self.val_interval = self.dynamic_intervals[step - 1]


def _autocast(enabled: bool, model: Any) -> Any:
    if not enabled:
        return nullcontext()
    try:
        device_type = next(model.parameters()).device.type
    except (StopIteration, AttributeError):
        device_type = "cpu"
    dtype = torch.float16 if device_type == "cuda" else torch.bfloat16
    return torch.autocast(device_type=device_type, dtype=dtype)


class _EvalLoop(BaseLoop):
    """What ValLoop and TestLoop share: run the model over the data, then evaluate."""

    mode = "val"

    def __init__(
        self,
        runner: Runner,
        dataloader: DataLoader | dict,
        evaluator: Any,
        fp16: bool = False,
    ) -> None:
        super().__init__(runner, dataloader)
        if isinstance(evaluator, dict | list):
            self.evaluator = runner.build_evaluator(evaluator)
        else:
            self.evaluator = evaluator
        meta = _dataset_meta(self.dataloader)
        if meta is not None and hasattr(self.evaluator, "dataset_meta"):
            self.evaluator.dataset_meta = meta
            runner.visualizer.dataset_meta = meta
        self.fp16 = fp16

    def run(self) -> dict[str, Any]:
        """Run the model over the data and return the evaluator's metrics."""
        runner, mode = self.runner, self.mode
        runner.call_hook(f"before_{mode}")
        runner.call_hook(f"before_{mode}_epoch")
        runner.model.eval()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        runner.call_hook(f"after_{mode}_epoch", metrics=metrics)
        runner.call_hook(f"after_{mode}")
        return metrics

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: Any) -> None:
        """Predict on one batch and hand the predictions to the evaluator."""
        runner, mode = self.runner, self.mode
        runner.call_hook(f"before_{mode}_iter", batch_idx=idx, data_batch=data_batch)
        with _autocast(self.fp16, runner.model):
            step = runner.model.val_step if mode == "val" else runner.model.test_step
            outputs = step(data_batch)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        runner.call_hook(
            f"after_{mode}_iter", batch_idx=idx, data_batch=data_batch, outputs=outputs
        )


@LOOPS.register_module()
class ValLoop(_EvalLoop):
    """Validation: ``model.val_step`` on every batch, then ``evaluator.evaluate``.

    Args:
        runner: The runner.
        dataloader: The validation dataloader or its config.
        evaluator: An evaluator, or the config of one or more metrics.
        fp16: Run the model under autocast.
    """

    mode = "val"


@LOOPS.register_module()
class TestLoop(_EvalLoop):
    """Test: ``model.test_step`` on every batch, then ``evaluator.evaluate``.

    Args:
        runner: The runner.
        dataloader: The test dataloader or its config.
        evaluator: An evaluator, or the config of one or more metrics.
        fp16: Run the model under autocast.
    """

    mode = "test"
