"""``ParamSchedulerHook``: steps the parameter schedulers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mme.registry import HOOKS
from mme.runner.hooks.hook import DATA_BATCH, Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner


def _schedulers(runner: Runner) -> Iterator[Any]:
    schedulers = runner.param_schedulers
    if schedulers is None:
        return
    if isinstance(schedulers, dict):
        for group in schedulers.values():
            yield from group
    else:
        yield from schedulers


@HOOKS.register_module()
class ParamSchedulerHook(Hook):
    """Steps iteration-based schedulers after every iteration and epoch-based ones after every
    epoch; schedulers that need metrics (``ReduceOnPlateau``) step after validation."""

    priority = "LOW"

    def __init__(self) -> None:
        self._by_iter: list[Any] | None = None

    def get_triggered_stages(self) -> list[str]:
        # Once the schedulers are known (before_train), skip the per-iteration point if no
        # scheduler steps by iteration.
        stages = super().get_triggered_stages()
        if self._by_iter == []:
            stages.remove("after_train_iter")
        return stages

    def before_train(self, runner: Runner) -> None:
        everything = list(_schedulers(runner))
        self._by_iter = [s for s in everything if not s.by_epoch and not _needs_metrics(s)]
        self._by_epoch = [s for s in everything if s.by_epoch and not _needs_metrics(s)]
        self._by_metrics = [s for s in everything if _needs_metrics(s)]

    def after_train_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        for scheduler in self._by_iter or ():
            scheduler.step()

    def after_train_epoch(self, runner: Runner) -> None:
        for scheduler in self._by_epoch:
            scheduler.step()

    def after_val_epoch(self, runner: Runner, metrics: dict[str, float] | None = None) -> None:
        if metrics:
            for scheduler in getattr(self, "_by_metrics", []):
                scheduler.step(metrics)


def _needs_metrics(scheduler: Any) -> bool:
    return bool(getattr(scheduler, "need_val_args", False))
