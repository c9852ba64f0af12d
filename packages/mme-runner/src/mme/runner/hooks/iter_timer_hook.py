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
        self._train_total = 0.0
        self._eval_total = 0.0

    def before_train(self, runner: Runner) -> None:
        self._start_iter = runner.iter
        self._train_total = 0.0

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
        now = clock()
        elapsed = now - self._t
        hub = runner.message_hub
        hub.update_scalar(f"{mode}/time", elapsed)
        self._t = now
        if mode == "train":
            self._train_total += elapsed
            done = runner.iter - self._start_iter + 1
            hub.update_info("eta", self._train_total / done * (runner.max_iters - runner.iter - 1))
        else:
            self._eval_total += elapsed
            loader = runner.val_dataloader if mode == "val" else runner.test_dataloader
            left = len(loader) - batch_idx - 1
            hub.update_info("eta", self._eval_total / (batch_idx + 1) * left)
