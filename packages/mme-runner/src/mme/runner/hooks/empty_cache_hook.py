"""``EmptyCacheHook``: releases cached CUDA memory at chosen points (RUN-19)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from mme.registry import HOOKS
from mme.runner.hooks.hook import DATA_BATCH, Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner


@HOOKS.register_module()
class EmptyCacheHook(Hook):
    """Calls ``torch.cuda.empty_cache()`` before/after epochs and/or after iterations.

    Args:
        before_epoch: Before every epoch.
        after_epoch: After every epoch (the default).
        after_iter: After every iteration.

    Only the chosen points are hooked: ``after_iter=False`` costs nothing per iteration.
    """

    priority = "NORMAL"

    def __init__(
        self, before_epoch: bool = False, after_epoch: bool = True, after_iter: bool = False
    ) -> None:
        self._do_before_epoch = before_epoch
        self._do_after_epoch = after_epoch
        self._do_after_iter = after_iter

    def get_triggered_stages(self) -> list[str]:
        chosen = []
        for mode in ("train", "val", "test"):
            if self._do_before_epoch:
                chosen.append(f"before_{mode}_epoch")
            if self._do_after_epoch:
                chosen.append(f"after_{mode}_epoch")
            if self._do_after_iter:
                chosen.append(f"after_{mode}_iter")
        return chosen

    @staticmethod
    def _empty() -> None:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def _before_epoch(self, runner: Runner, mode: str = "train") -> None:
        if self._do_before_epoch:
            self._empty()

    def _after_epoch(self, runner: Runner, mode: str = "train") -> None:
        if self._do_after_epoch:
            self._empty()

    def _after_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | dict | None = None,
        mode: str = "train",
    ) -> None:
        if self._do_after_iter:
            self._empty()
