"""``IterTimerHook``: data-loading and iteration times, and the ETA, into the MessageHub."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mme.registry import HOOKS
from mme.runner.hooks.hook import DATA_BATCH, Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner

#: The clock the hook reads (a module global so that tests can substitute a fake one).
clock = time.perf_counter


@HOOKS.register_module()
class IterTimerHook(Hook):
    """Records ``<mode>/data_time`` and ``<mode>/time`` every iteration and the ``eta``.

    ``data_time`` is the time from the end of the previous iteration to the start of this
    one (waiting for the dataloader); ``time`` the whole iteration. The ETA is the mean
    iteration time of this run times the iterations left.
    """

    priority = "NORMAL"

    def __init__(self) -> None:
        self._t = 0.0
        self._start_iter = 0
        self._max_iters = 0
        self._train_total = 0.0
        self._eval_total = 0.0

    def before_train(self, runner: Runner) -> None:
        self._start_iter = runner.iter
        self._max_iters = runner.max_iters
        self._train_total = 0.0

    # Training iterations have their own methods: the shortest path, run every step.
    def before_train_iter(
        self, runner: Runner, batch_idx: int, data_batch: DATA_BATCH = None
    ) -> None:
        runner.message_hub.update_scalar("train/data_time", clock() - self._t)

    def after_train_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        now = clock()
        elapsed = now - self._t
        self._t = now
        hub = runner.message_hub
        hub.update_scalar("train/time", elapsed)
        self._train_total += elapsed
        iteration = runner.iter
        done = iteration - self._start_iter + 1
        hub.update_info("eta", self._train_total / done * (self._max_iters - iteration - 1))

    def _before_epoch(self, runner: Runner, mode: str = "train") -> None:
        if mode != "train":
            self._eval_total = 0.0
        self._t = clock()

    def _before_iter(
        self, runner: Runner, batch_idx: int, data_batch: DATA_BATCH = None, mode: str = "train"
    ) -> None:
        runner.message_hub.update_scalar(f"{mode}/data_time", clock() - self._t)

    def _after_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | dict | None = None,
        mode: str = "train",
    ) -> None:
        if mode == "train":
            self.after_train_iter(runner, batch_idx, data_batch, outputs)  # type: ignore[arg-type]
            return
        now = clock()
        elapsed = now - self._t
        hub = runner.message_hub
        hub.update_scalar(f"{mode}/time", elapsed)
        self._t = now
        self._eval_total += elapsed
        loader = runner.val_dataloader if mode == "val" else runner.test_dataloader
        left = len(loader) - batch_idx - 1
        hub.update_info("eta", self._eval_total / (batch_idx + 1) * left)
