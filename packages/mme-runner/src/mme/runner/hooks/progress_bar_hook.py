"""``ProgressBarHook``: a rich progress bar with ETA for train, val and test on a terminal.

The Runner adds it by itself when standard output is a terminal (rank 0 only); log lines then
print above the bar. Off a terminal (a pipe, a file, CI) it is not added and costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mme.registry import HOOKS
from mme.runner.hooks.hook import DATA_BATCH, Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """Draws one bar for training (iterations) and one per validation or test run."""

    priority = "LOWEST"

    def __init__(self) -> None:
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}

    def _start(self) -> Any:
        if self._progress is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                redirect_stdout=True,
                redirect_stderr=True,
            )
            self._progress.start()
        return self._progress

    def _stop_if_idle(self) -> None:
        if self._progress is not None and not self._tasks:
            self._progress.stop()
            self._progress = None

    def before_train(self, runner: Runner) -> None:
        progress = self._start()
        self._tasks["train"] = progress.add_task(
            "train", total=runner.max_iters, completed=runner.iter
        )

    def after_train(self, runner: Runner) -> None:
        self._finish("train")

    def _before_epoch(self, runner: Runner, mode: str = "train") -> None:
        if mode != "train":
            loader = runner.val_dataloader if mode == "val" else runner.test_dataloader
            self._tasks[mode] = self._start().add_task(mode, total=len(loader))

    def _after_epoch(self, runner: Runner, mode: str = "train") -> None:
        if mode != "train":
            self._finish(mode)

    def _after_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | dict | None = None,
        mode: str = "train",
    ) -> None:
        task = self._tasks.get(mode)
        if task is not None:
            self._progress.advance(task)

    def after_run(self, runner: Runner) -> None:
        for mode in list(self._tasks):
            self._finish(mode)

    def _finish(self, mode: str) -> None:
        task = self._tasks.pop(mode, None)
        if task is not None and self._progress is not None:
            self._progress.remove_task(task)
        self._stop_if_idle()
