"""``PreemptionHook``: on SIGTERM, finish the iteration, save a resumable checkpoint, exit.

Clusters announce preemption with a signal before they kill a job (SLURM sends SIGTERM,
or the signal of ``--signal``, some time before SIGKILL; Kubernetes sends SIGTERM and
waits ``terminationGracePeriodSeconds``). With this hook the signal handler only sets a
flag; at the end of the current iteration the runner saves ``preempted_iter_{N}.pth``
(with everything an exact resume needs), points ``last_checkpoint`` at it, logs why, and
exits with status ``128 + signal number`` (143 for SIGTERM), or ``exit_code``. A job
started again with ``resume=True`` continues as if nothing had happened.

In a distributed run the ranks agree on the stopping iteration: at the end of every
``sync_interval``-th iteration they all-reduce (max) a one-element CPU tensor over a gloo
group, so that a signal seen by any rank stops all of them after the same iteration. The
cost is one tiny CPU all-reduce per check (tens of microseconds on one machine, a network
round trip across machines); it never synchronises a GPU.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch

from mme.registry import HOOKS
from mme.runner.hooks.hook import DATA_BATCH, Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner


def _signal_number(value: int | str) -> int:
    if isinstance(value, int):
        return value
    name = value.upper()
    if not name.startswith("SIG"):
        name = "SIG" + name
    number = getattr(signal, name, None)
    if not isinstance(number, int):
        known = sorted(s.name for s in signal.Signals)
        from mme.runner._suggest import did_you_mean

        raise ValueError(f"PreemptionHook: unknown signal {value!r}.{did_you_mean(name, known)}")
    return int(number)


@HOOKS.register_module()
class PreemptionHook(Hook):
    """Stop cleanly on a preemption signal, with a checkpoint to resume exactly from.

    Args:
        signals: The signals to handle (names or numbers), default ``('SIGTERM',)``.
        exit_code: The exit status after saving; default ``128 + signal number``.
        sync_interval: In a distributed run, agree on stopping every this many iterations
            (1: stop after the iteration in which the signal came).

    Examples:
        >>> runner = Runner(..., custom_hooks=[dict(type='PreemptionHook')])  # doctest: +SKIP
    """

    priority = "LOWEST"  # after CheckpointHook: a periodic save of this iteration comes first

    def __init__(
        self,
        signals: Sequence[int | str] = ("SIGTERM",),
        exit_code: int | None = None,
        sync_interval: int = 1,
    ) -> None:
        if isinstance(signals, str | int):
            signals = [signals]
        self.signals = [_signal_number(s) for s in signals]
        if not self.signals:
            raise ValueError("PreemptionHook: signals is empty; give at least one")
        if (
            isinstance(sync_interval, bool)
            or not isinstance(sync_interval, int)
            or sync_interval < 1
        ):
            raise ValueError(
                f"PreemptionHook: sync_interval must be a positive int, got {sync_interval!r}"
            )
        self.exit_code = exit_code
        self.sync_interval = sync_interval
        self.received: int | None = None
        self._previous: dict[int, Any] = {}
        self._group: Any = None

    # -------------------------------------------------------------- mount points
    def before_train(self, runner: Runner) -> None:
        self.received = None
        if threading.current_thread() is not threading.main_thread():
            runner.logger.warning(
                "PreemptionHook: training does not run in the main thread, where signal "
                "handlers must be installed; preemption signals are not handled"
            )
            return
        for number in self.signals:
            self._previous[number] = signal.signal(number, self._handle)
        if runner.distributed:
            import torch.distributed as torch_dist

            if torch_dist.get_backend() != "gloo":
                self._group = torch_dist.new_group(backend="gloo")

    def after_train_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        if (runner.iter + 1) % self.sync_interval:
            return
        received = self._agree(runner)
        if received:
            self._stop(runner, received)

    def after_train(self, runner: Runner) -> None:
        self._restore_handlers()

    # ------------------------------------------------------------------- helpers
    def _handle(self, signum: int, frame: Any) -> None:
        self.received = signum  # only a flag: the iteration in progress finishes first

    def _agree(self, runner: Runner) -> int:
        """The signal any rank received (0 if none), the same on every rank."""
        mine = self.received or 0
        if not runner.distributed:
            return mine
        import torch.distributed as torch_dist

        flag = torch.tensor([mine], dtype=torch.int64)
        torch_dist.all_reduce(flag, op=torch_dist.ReduceOp.MAX, group=self._group)
        return int(flag.item())

    def _stop(self, runner: Runner, signum: int) -> None:
        from mme.dist import barrier, is_main_process
        from mme.fileio import atomic_write, join_path

        step = runner.iter + 1
        name = signal.Signals(signum).name
        filename = f"preempted_iter_{step}.pth"
        runner.logger.warning(
            f"Received {name}: stopping after iteration {step}; saving {filename} to resume from"
        )
        runner.save_checkpoint(runner.work_dir, filename, by_epoch=False)
        writer = getattr(runner, "checkpoint_writer", None)
        if writer is not None:  # CheckpointHook(async_save=True): the file must be complete
            writer.wait()
        path = join_path(runner.work_dir, filename)
        if is_main_process():
            atomic_write(os.path.join(runner.work_dir, "last_checkpoint"), path)
        if runner.distributed:
            barrier()
        code = 128 + signum if self.exit_code is None else self.exit_code
        runner.logger.warning(
            f"Saved {path}; exiting with status {code}. Start the job again with resume=True "
            "(mme train --resume) to continue exactly from here."
        )
        self._restore_handlers()
        for handler in runner.logger.handlers:
            handler.flush()
        close = getattr(runner.visualizer, "close", None)
        if callable(close):
            close()
        raise SystemExit(code)

    def _restore_handlers(self) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        self._previous = {}
