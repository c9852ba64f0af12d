"""``LoggerHook``: writes the log lines and sends the scalars to the visualizer (RUN-17)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mme.dist import is_main_process
from mme.registry import HOOKS
from mme.runner.hooks.hook import DATA_BATCH, Hook
from mme.runner.log_processor import LogProcessor
from mme.runner.visualization.vis_backend import plain_scalar

if TYPE_CHECKING:
    from mme.runner.runner import Runner


@HOOKS.register_module()
class LoggerHook(Hook):
    """Logs every ``interval`` iterations and after each evaluation (a default hook).

    Args:
        interval: Log every this many iterations (default 10).
        ignore_last: Skip the last iterations of an epoch that do not fill an interval.
        interval_exp_name: Log the experiment name every this many iterations.
        out_dir: Also copy the log files there (any mme.fileio URI) after the run.
        out_suffix: Suffixes of the files copied to ``out_dir``.
        keep_local: Keep the local log files after copying them to ``out_dir``.
        log_metric_by_epoch: Record evaluation scalars at the epoch (True) or the iteration.
        backend_args: Arguments of the storage backend of ``out_dir``.
    """

    priority = "BELOW_NORMAL"

    def __init__(
        self,
        interval: int = 10,
        ignore_last: bool = True,
        interval_exp_name: int = 1000,
        out_dir: str | None = None,
        out_suffix: str | Sequence[str] = (".json", ".log", ".py", "yaml"),
        keep_local: bool = True,
        log_metric_by_epoch: bool = True,
        backend_args: dict | None = None,
    ) -> None:
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f"LoggerHook: interval must be a positive int, got {interval!r}")
        if not isinstance(out_suffix, str | list | tuple):
            raise TypeError(
                f"LoggerHook: out_suffix must be a str or a sequence of str, got {out_suffix!r}"
            )
        self.interval = interval
        self.ignore_last = ignore_last
        self.interval_exp_name = interval_exp_name
        self.out_dir = out_dir
        self.out_suffix = (out_suffix,) if isinstance(out_suffix, str) else tuple(out_suffix)
        self.keep_local = keep_local
        self.log_metric_by_epoch = log_metric_by_epoch
        self.backend_args = backend_args
        self.json_log_path: str | None = None

    def before_run(self, runner: Runner) -> None:
        if self.out_dir is not None:
            from mme.fileio import join_path

            basename = os.path.basename(os.path.normpath(runner.work_dir))
            self.out_dir = join_path(self.out_dir, basename, backend_args=self.backend_args)
        self.json_log_path = f"{runner.timestamp}.json"

    def before_train(self, runner: Runner) -> None:
        self._train_length = len(runner.train_dataloader)  # read once, not every iteration

    def after_train_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        if self.every_n_train_iters(runner, self.interval_exp_name):
            runner.logger.info(f"Exp name: {runner.experiment_name}")
        length = self._train_length
        if not (
            self.every_n_inner_iters(batch_idx, self.interval)
            or (batch_idx + 1 == length and (not self.ignore_last or length <= self.interval))
        ):
            return
        processor = runner.log_processor
        if runner.logger.isEnabledFor(logging.INFO) or _formats_own_lines(processor):
            tag, line = processor.get_log_after_iter(runner, batch_idx, "train")
            runner.logger.info(line)
        else:  # the line would be dropped: only the scalars
            tag = processor.get_scalars_after_iter(runner, batch_idx, "train")
        runner.visualizer.add_scalars(tag, step=runner.iter + 1, file_path=self.json_log_path)

    def after_val_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        if self.every_n_inner_iters(batch_idx, self.interval):
            _, line = runner.log_processor.get_log_after_iter(runner, batch_idx, "val")
            runner.logger.info(line)

    def after_test_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        if self.every_n_inner_iters(batch_idx, self.interval):
            _, line = runner.log_processor.get_log_after_iter(runner, batch_idx, "test")
            runner.logger.info(line)

    def after_val_epoch(self, runner: Runner, metrics: dict[str, Any] | None = None) -> None:
        tag, line = runner.log_processor.get_log_after_epoch(
            runner, len(runner.val_dataloader), "val"
        )
        runner.logger.info(line)
        if self.log_metric_by_epoch:
            step = runner.epoch if runner.train_loop_built else 0
        else:
            step = runner.iter if runner.train_loop_built else 0
        runner.visualizer.add_scalars(_scalars(tag), step=step, file_path=self.json_log_path)

    def after_test_epoch(self, runner: Runner, metrics: dict[str, Any] | None = None) -> None:
        tag, line = runner.log_processor.get_log_after_epoch(
            runner, len(runner.test_dataloader), "test", with_non_scalar=True
        )
        runner.logger.info(line)
        if not is_main_process():
            return
        from mme.fileio import dump

        plain = {}
        for key, value in tag.items():
            try:
                plain[key] = plain_scalar(value)
            except (TypeError, ValueError, RuntimeError):
                plain[key] = value.tolist() if hasattr(value, "tolist") else str(value)
        dump(plain, os.path.join(runner.log_dir, self.json_log_path or "test.json"))

    def after_run(self, runner: Runner) -> None:
        runner.visualizer.close()  # flush the trackers (TensorBoard, W&B)
        if self.out_dir is None or not is_main_process():
            return
        from mme.fileio import copyfile_from_local, join_path

        for name in sorted(os.listdir(runner.log_dir)):
            local = os.path.join(runner.log_dir, name)
            if not (os.path.isfile(local) and name.endswith(self.out_suffix)):
                continue
            target = join_path(self.out_dir, name, backend_args=self.backend_args)
            copyfile_from_local(local, target, backend_args=self.backend_args)
            runner.logger.info(f"The file {local} is uploaded to {target}.")
            if not self.keep_local:
                os.remove(local)


def _formats_own_lines(processor: Any) -> bool:
    """Whether ``processor`` redefines ``get_log_after_iter`` (then it is always called: a
    custom processor may do more there than format the line)."""
    method = getattr(type(processor), "get_log_after_iter", None)
    return method is not LogProcessor.get_log_after_iter


def _scalars(tag: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in tag.items():
        try:
            out[key] = plain_scalar(value)
        except (TypeError, ValueError, RuntimeError):
            continue
    return out
