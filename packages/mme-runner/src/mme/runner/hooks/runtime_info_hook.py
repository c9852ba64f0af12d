"""``RuntimeInfoHook``: epoch, iteration, learning rate, losses and metrics into the MessageHub."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from mme.registry import HOOKS
from mme.runner.hooks.hook import DATA_BATCH, Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner


def _is_scalar(value: Any) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    numel = getattr(value, "numel", None) or getattr(value, "size", None)
    if callable(numel):
        return bool(numel() == 1)
    return isinstance(numel, int) and numel == 1 and getattr(value, "ndim", 1) <= 1


@HOOKS.register_module()
class RuntimeInfoHook(Hook):
    """Keeps the runtime information of the MessageHub current (a default hook, VERY_HIGH).

    ``epoch``, ``iter``, ``max_epochs``, ``max_iters``, ``loop_stage``, ``dataset_meta``;
    the scalars ``train/lr`` (every optimizer's), ``train/<loss>`` after each iteration and
    ``val/<metric>`` / ``test/<metric>`` after each evaluation.
    """

    priority = "VERY_HIGH"

    def __init__(self) -> None:
        self._train_names: dict[str, str] = {}

    def before_run(self, runner: Runner) -> None:
        from mme.runner import __version__

        runner.message_hub.update_info_dict(
            dict(
                seed=runner.seed,
                experiment_name=runner.experiment_name,
                mme_version=__version__,
            )
        )

    def before_train(self, runner: Runner) -> None:
        hub = runner.message_hub
        hub.update_info("loop_stage", "train")
        hub.update_info("epoch", runner.epoch)
        hub.update_info("iter", runner.iter)
        hub.update_info("max_epochs", runner.max_epochs)
        hub.update_info("max_iters", runner.max_iters)
        meta = getattr(getattr(runner.train_dataloader, "dataset", None), "metainfo", None)
        if meta is not None:
            hub.update_info("dataset_meta", meta)

    def after_train(self, runner: Runner) -> None:
        runner.message_hub.pop_info("loop_stage")

    def before_train_epoch(self, runner: Runner) -> None:
        runner.message_hub.update_info("epoch", runner.epoch)

    def before_train_iter(
        self, runner: Runner, batch_idx: int, data_batch: DATA_BATCH = None
    ) -> None:
        hub = runner.message_hub
        hub.update_info("iter", runner.iter)
        names = self._train_names
        for key, lr in runner.optim_wrapper.get_lr().items():
            name = names.get(key)
            if name is None:
                name = names[key] = f"train/{key}"
            hub.update_scalar(name, lr[0])

    def after_train_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        if outputs:
            hub = runner.message_hub
            names = self._train_names
            for key, value in outputs.items():
                name = names.get(key)
                if name is None:
                    name = names[key] = f"train/{key}"
                # A CPU tensor is read now (no device to wait for); an accelerator tensor is
                # handed over as is and read at the logging interval.
                if type(value) is torch.Tensor and value.is_cpu:
                    value = value.item()
                hub.update_scalar(name, value)

    def before_val(self, runner: Runner) -> None:
        self._last_stage = runner.message_hub.get_info("loop_stage")
        runner.message_hub.update_info("loop_stage", "val")

    def after_val_epoch(self, runner: Runner, metrics: dict[str, Any] | None = None) -> None:
        self._record(runner, "val", metrics)

    def after_val(self, runner: Runner) -> None:
        last = getattr(self, "_last_stage", None)
        if last is None:
            runner.message_hub.pop_info("loop_stage")
        else:
            runner.message_hub.update_info("loop_stage", last)

    def before_test(self, runner: Runner) -> None:
        runner.message_hub.update_info("loop_stage", "test")

    def after_test_epoch(self, runner: Runner, metrics: dict[str, Any] | None = None) -> None:
        self._record(runner, "test", metrics)

    def after_test(self, runner: Runner) -> None:
        runner.message_hub.pop_info("loop_stage")

    @staticmethod
    def _record(runner: Runner, mode: str, metrics: dict[str, Any] | None) -> None:
        for key, value in (metrics or {}).items():
            if _is_scalar(value):
                runner.message_hub.update_scalar(f"{mode}/{key}", value)
            else:
                runner.message_hub.update_info(f"{mode}/{key}", value)
