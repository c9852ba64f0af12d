"""``SyncBuffersHook``: averages model buffers (BatchNorm statistics) across ranks (RUN-20)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mme.dist import all_reduce_params, is_distributed
from mme.registry import HOOKS
from mme.runner.hooks.hook import Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner


@HOOKS.register_module()
class SyncBuffersHook(Hook):
    """After every training epoch (and before validation, for iteration-based training),
    replaces every buffer of the model by its mean over the ranks. No-op in one process."""

    priority = "NORMAL"

    def _sync(self, runner: Runner) -> None:
        if is_distributed():
            buffers = [b for b in runner.model.buffers() if b.is_floating_point()]
            if buffers:
                all_reduce_params(buffers, op="mean")

    def after_train_epoch(self, runner: Runner) -> None:
        self._sync(runner)

    def before_val_epoch(self, runner: Runner) -> None:
        self._sync(runner)
