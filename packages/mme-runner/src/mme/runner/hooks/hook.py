"""``Hook``: the base class of everything that runs at the Runner's 22 mount points (RUN-14).

A hook overrides only the mount points it needs. The Runner looks once, when the hook is
registered, at which methods a hook overrides, and calls each hook only at those points:
a mount point that no hook overrides costs nothing per iteration.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mme.runner.runner import Runner

DATA_BATCH = dict | tuple | list | None

#: The 22 mount points, in the order a training run with validation and a test meets them.
MOUNT_POINTS: tuple[str, ...] = (
    "before_run",
    "after_load_checkpoint",
    "before_train",
    "before_train_epoch",
    "before_train_iter",
    "after_train_iter",
    "after_train_epoch",
    "before_val",
    "before_val_epoch",
    "before_val_iter",
    "after_val_iter",
    "after_val_epoch",
    "after_val",
    "before_save_checkpoint",
    "after_train",
    "before_test",
    "before_test_epoch",
    "before_test_iter",
    "after_test_iter",
    "after_test_epoch",
    "after_test",
    "after_run",
)


class Hook:
    """Base class of hooks; subclasses override the mount points they need.

    ``priority`` (class attribute or ``priority=`` in the hook's config) orders hooks at every
    mount point; it defaults to ``'NORMAL'``.

    Examples:
        >>> from mme.runner.hooks import Hook
        >>> class PrintEpoch(Hook):
        ...     def after_train_epoch(self, runner):
        ...         print('finished epoch', runner.epoch)
    """

    priority: int | str = "NORMAL"

    def before_run(self, runner: Runner) -> None:
        """Before anything runs: once per ``train()``, ``val()`` or ``test()``."""

    def after_run(self, runner: Runner) -> None:
        """After everything ran."""

    def before_train(self, runner: Runner) -> None:
        """Before the first training epoch (after a resumed checkpoint was loaded)."""

    def after_train(self, runner: Runner) -> None:
        """After the last training epoch."""

    def before_val(self, runner: Runner) -> None:
        """Before a validation run."""

    def after_val(self, runner: Runner) -> None:
        """After a validation run."""

    def before_test(self, runner: Runner) -> None:
        """Before the test run."""

    def after_test(self, runner: Runner) -> None:
        """After the test run."""

    def before_save_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        """Before ``checkpoint`` (a dict, editable here) is written."""

    def after_load_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        """After ``checkpoint`` was loaded (weights and states restored)."""

    def before_train_epoch(self, runner: Runner) -> None:
        """Before each training epoch."""
        self._before_epoch(runner, mode="train")

    def before_val_epoch(self, runner: Runner) -> None:
        """Before the epoch of a validation run."""
        self._before_epoch(runner, mode="val")

    def before_test_epoch(self, runner: Runner) -> None:
        """Before the epoch of the test run."""
        self._before_epoch(runner, mode="test")

    def after_train_epoch(self, runner: Runner) -> None:
        """After each training epoch."""
        self._after_epoch(runner, mode="train")

    def after_val_epoch(self, runner: Runner, metrics: dict[str, float] | None = None) -> None:
        """After the epoch of a validation run, with the evaluator's ``metrics``."""
        self._after_epoch(runner, mode="val")

    def after_test_epoch(self, runner: Runner, metrics: dict[str, float] | None = None) -> None:
        """After the epoch of the test run, with the evaluator's ``metrics``."""
        self._after_epoch(runner, mode="test")

    def before_train_iter(
        self, runner: Runner, batch_idx: int, data_batch: DATA_BATCH = None
    ) -> None:
        """Before each training iteration."""
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode="train")

    def before_val_iter(
        self, runner: Runner, batch_idx: int, data_batch: DATA_BATCH = None
    ) -> None:
        """Before each validation iteration."""
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode="val")

    def before_test_iter(
        self, runner: Runner, batch_idx: int, data_batch: DATA_BATCH = None
    ) -> None:
        """Before each test iteration."""
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode="test")

    def after_train_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        """After each training iteration, with the model's ``outputs`` (the log variables)."""
        self._after_iter(
            runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs, mode="train"
        )

    def after_val_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        """After each validation iteration, with the model's predictions."""
        self._after_iter(
            runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs, mode="val"
        )

    def after_test_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        """After each test iteration, with the model's predictions."""
        self._after_iter(
            runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs, mode="test"
        )

    # Shared implementations: override these to act the same in train, val and test.
    def _before_epoch(self, runner: Runner, mode: str = "train") -> None:
        """Before an epoch of any ``mode``."""

    def _after_epoch(self, runner: Runner, mode: str = "train") -> None:
        """After an epoch of any ``mode``."""

    def _before_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        mode: str = "train",
    ) -> None:
        """Before an iteration of any ``mode``."""

    def _after_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | dict | None = None,
        mode: str = "train",
    ) -> None:
        """After an iteration of any ``mode``."""

    # Helpers
    def every_n_epochs(self, runner: Runner, n: int, start: int = 0) -> bool:
        """Whether the epoch that just ended is a multiple of ``n`` (counting from ``start``)."""
        done = runner.epoch + 1
        return n > 0 and done >= start and (done - start) % n == 0

    def every_n_inner_iters(self, batch_idx: int, n: int) -> bool:
        """Whether ``batch_idx + 1`` (the iteration within the epoch) is a multiple of ``n``."""
        return n > 0 and (batch_idx + 1) % n == 0

    def every_n_train_iters(self, runner: Runner, n: int, start: int = 0) -> bool:
        """Whether the training iteration that just ended is a multiple of ``n``."""
        done = runner.iter + 1
        return n > 0 and done >= start and (done - start) % n == 0

    def end_of_epoch(self, dataloader: Any, batch_idx: int) -> bool:
        """Whether ``batch_idx`` is the last iteration of an epoch over ``dataloader``."""
        return batch_idx + 1 == len(dataloader)

    def is_last_train_epoch(self, runner: Runner) -> bool:
        """Whether the epoch that just ended is the last one."""
        return runner.epoch + 1 == runner.max_epochs

    def is_last_train_iter(self, runner: Runner) -> bool:
        """Whether the training iteration that just ended is the last one."""
        return runner.iter + 1 == runner.max_iters

    def get_triggered_stages(self) -> list[str]:
        """The mount points this hook overrides (directly or through ``_before_epoch``...)."""
        return overridden_mount_points(type(self))


_SHARED = {
    "_before_epoch": ("before_train_epoch", "before_val_epoch", "before_test_epoch"),
    "_after_epoch": ("after_train_epoch", "after_val_epoch", "after_test_epoch"),
    "_before_iter": ("before_train_iter", "before_val_iter", "before_test_iter"),
    "_after_iter": ("after_train_iter", "after_val_iter", "after_test_iter"),
}


def overridden_mount_points(cls: type) -> list[str]:
    """The mount points whose method ``cls`` (a Hook subclass) defines differently from Hook.

    Methods that are not among the 22 (a custom loop's ``before_valloader2_iter``) count
    when ``cls`` defines them at all.
    """
    points: set[str] = set()
    for name in MOUNT_POINTS:
        if getattr(cls, name, None) is not getattr(Hook, name):
            points.add(name)
    for shared, names in _SHARED.items():
        if getattr(cls, shared, None) is not getattr(Hook, shared):
            points.update(names)
    return [name for name in MOUNT_POINTS if name in points]
