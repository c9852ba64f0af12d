"""``EMAHook``: keeps an averaged copy of the model and validates/tests with it (RUN-18).

The average is built before the run from ``ema_type`` (a model registered in ``MODELS``:
``ExponentialMovingAverage`` by default, ``MomentumAnnealingEMA``, ``StochasticWeightAverage``
or your own ``BaseAveragedModel``) and updated after every training iteration. Before a
validation or test epoch the averaged weights are swapped into the model; after it, they are
swapped back, so training continues from the trained weights.

Checkpoints hold the averaged weights as ``state_dict`` (a checkpoint deploys as is) and the
trained ones, with the average's step count, as ``ema_state_dict`` (keys ``module.<name>``);
resuming swaps them back.
"""

from __future__ import annotations

import copy
import itertools
import logging
from typing import TYPE_CHECKING, Any

import torch

from mme.registry import HOOKS, MODELS
from mme.runner.hooks.hook import Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner

_logger = logging.getLogger("mme.runner")


@HOOKS.register_module()
class EMAHook(Hook):
    """Validate and test with an exponential moving average (or another average) of the model.

    Args:
        ema_type: The averaged model's registered name (``'ExponentialMovingAverage'``,
            ``'MomentumAnnealingEMA'``, ``'StochasticWeightAverage'``).
        strict_load: Load the average's weights strictly from a checkpoint.
        begin_iter: Start averaging at this iteration (before it, the average copies the
            model).
        begin_epoch: Start averaging at this epoch (not together with ``begin_iter``).
        **kwargs: Arguments of the averaged model (``momentum``, ``interval``, ``device``,
            ``update_buffers``...).

    Examples:
        >>> custom_hooks = [dict(type='EMAHook', momentum=0.001)]
        >>> custom_hooks = [dict(type='EMAHook', ema_type='StochasticWeightAverage')]
    """

    priority = "NORMAL"

    def __init__(
        self,
        ema_type: str = "ExponentialMovingAverage",
        strict_load: bool = False,
        begin_iter: int = 0,
        begin_epoch: int = 0,
        **kwargs: Any,
    ) -> None:
        if begin_iter != 0 and begin_epoch != 0:
            raise ValueError("EMAHook: set begin_iter or begin_epoch, not both")
        if begin_iter < 0 or begin_epoch < 0:
            raise ValueError(
                f"EMAHook: begin_iter and begin_epoch must be >= 0, got {begin_iter} and "
                f"{begin_epoch}"
            )
        try:
            found = MODELS.get(ema_type)
        except KeyError as error:
            raise KeyError(f"EMAHook: ema_type: {error.args[0]}") from None
        if found is None:
            raise KeyError(f"EMAHook: ema_type {ema_type!r} is not registered in MODELS")
        self.ema_cfg = dict(type=ema_type, **kwargs)
        self.strict_load = strict_load
        self.begin_iter = begin_iter
        self.begin_epoch = begin_epoch
        self.enabled_by_epoch = begin_epoch > 0
        self.ema_model: Any = None
        self.src_model: Any = None

    def before_run(self, runner: Runner) -> None:
        """Build the averaged copy of the (unwrapped) model."""
        from mme.runner.model.wrappers import is_model_wrapper

        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self.src_model = model
        self.ema_model = MODELS.build(self.ema_cfg, default_args=dict(model=model))

    def before_train(self, runner: Runner) -> None:
        """Check that averaging starts before training ends."""
        if self.enabled_by_epoch and self.begin_epoch > runner.max_epochs:
            raise ValueError(
                f"EMAHook: begin_epoch={self.begin_epoch} is after the last epoch "
                f"(max_epochs={runner.max_epochs}): the average would never start"
            )
        if not self.enabled_by_epoch and self.begin_iter > runner.max_iters:
            raise ValueError(
                f"EMAHook: begin_iter={self.begin_iter} is after the last iteration "
                f"(max_iters={runner.max_iters}): the average would never start"
            )

    def after_train_iter(
        self, runner: Runner, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        """Fold the new weights into the average (or copy them, before it starts)."""
        if self._started(runner):
            self.ema_model.update_parameters(self.src_model)
        else:
            ema = self.ema_model.module.state_dict()
            src = self.src_model.state_dict()
            with torch.no_grad():
                for name, tensor in ema.items():
                    tensor.copy_(src[name])

    def before_val_epoch(self, runner: Runner) -> None:
        """Validate with the averaged weights."""
        self._swap_parameters()

    def after_val_epoch(self, runner: Runner, metrics: dict | None = None) -> None:
        """Back to the trained weights."""
        self._swap_parameters()

    def before_test_epoch(self, runner: Runner) -> None:
        """Test with the averaged weights."""
        self._swap_parameters()

    def after_test_epoch(self, runner: Runner, metrics: dict | None = None) -> None:
        """Back to the trained weights."""
        self._swap_parameters()

    def before_save_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        """Save the average; ``state_dict`` gets the averaged weights, ``ema_state_dict``
        the trained ones."""
        from mme.runner.checkpoint import weights_to_cpu

        checkpoint["ema_state_dict"] = weights_to_cpu(self.ema_model.state_dict())
        self._swap_state_dict(checkpoint)

    def after_load_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        """Resume the average (and put the trained weights back into the model), or start
        the average from the loaded weights."""
        from mme.runner.checkpoint import load_state_dict

        if self.ema_model is None:
            self.before_run(runner)
        resuming = bool(getattr(runner, "_resume", False))
        if "ema_state_dict" in checkpoint and resuming:
            self._swap_state_dict(checkpoint)
            self.ema_model.load_state_dict(checkpoint["ema_state_dict"], strict=self.strict_load)
            # The runner may have loaded ``state_dict`` (then the averaged weights) into the
            # model before calling this hook: load the trained weights again.
            load_state_dict(self.src_model, checkpoint["state_dict"], strict=self.strict_load)
            return
        if resuming:
            _logger.warning(
                "The checkpoint has no 'ema_state_dict': EMAHook starts the average from its "
                "'state_dict'"
            )
        load_state_dict(
            self.ema_model.module,
            copy.deepcopy(checkpoint.get("state_dict", checkpoint)),
            strict=self.strict_load,
        )

    # ----------------------------------------------------------------- helpers
    def _started(self, runner: Runner) -> bool:
        if self.enabled_by_epoch:
            return runner.epoch + 1 >= self.begin_epoch
        return runner.iter + 1 >= self.begin_iter

    @torch.no_grad()
    def _swap_parameters(self) -> None:
        if self.ema_model is None:
            return
        avg: Any = self.ema_model.module.parameters()
        src: Any = self.src_model.parameters()
        if self.ema_model.update_buffers:
            avg = itertools.chain(avg, self.ema_model.module.buffers())
            src = itertools.chain(src, self.src_model.buffers())
        for p_avg, p_src in zip(avg, src, strict=True):
            held = p_avg.detach().clone()
            p_avg.copy_(p_src)
            p_src.copy_(held)

    @staticmethod
    def _swap_state_dict(checkpoint: dict) -> None:
        model_state = checkpoint["state_dict"]
        ema_state = checkpoint["ema_state_dict"]
        for key in ema_state:
            if key.startswith("module.") and key[7:] in model_state:
                ema_state[key], model_state[key[7:]] = model_state[key[7:]], ema_state[key]
