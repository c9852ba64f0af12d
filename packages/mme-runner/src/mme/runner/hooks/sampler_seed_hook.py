"""``DistSamplerSeedHook``: a new shuffle every epoch (the sampler's ``set_epoch``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mme.registry import HOOKS
from mme.runner.hooks.hook import Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner


@HOOKS.register_module()
class DistSamplerSeedHook(Hook):
    """Calls ``set_epoch(epoch)`` on the training sampler (or batch sampler's sampler) before
    each epoch, so that shuffling differs between epochs and agrees between ranks."""

    priority = "NORMAL"

    def before_train_epoch(self, runner: Runner) -> None:
        from mme.runner.loops import IterBasedTrainLoop

        if isinstance(runner.train_loop, IterBasedTrainLoop):
            return  # its iterator calls set_epoch at each pass; a resumed pass must stay put
        loader = runner.train_loop.dataloader
        for holder in (loader, getattr(loader, "batch_sampler", None)):
            sampler: Any = getattr(holder, "sampler", None)
            if hasattr(sampler, "set_epoch"):
                sampler.set_epoch(runner.epoch)
                return
