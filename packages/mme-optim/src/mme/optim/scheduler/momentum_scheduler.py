"""Momentum schedulers: ``momentum`` of SGD-like optimizers, ``betas[0]`` of Adam-like ones."""

from __future__ import annotations

from typing import Any

from mme.optim.scheduler._mixin import check_arguments, fixed_param_signature
from mme.optim.scheduler.param_scheduler import (
    ConstantParamScheduler,
    CosineAnnealingParamScheduler,
    CosineRestartParamScheduler,
    ExponentialParamScheduler,
    LinearParamScheduler,
    MultiStepParamScheduler,
    OneCycleParamScheduler,
    PolyParamScheduler,
    ReduceOnPlateauParamScheduler,
    StepParamScheduler,
)
from mme.registry import PARAM_SCHEDULERS


class MomentumSchedulerMixin:
    """Schedules the momentum: ``param_name='momentum'``.

    For optimizers with ``betas`` (Adam, AdamW...), a ``momentum`` entry mirroring
    ``betas[0]`` is added to each param group, and every step writes it back into
    ``betas[0]``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__signature__ = fixed_param_signature(cls)  # type: ignore[attr-defined]

    def __init__(self, optimizer: Any, *args: Any, **kwargs: Any) -> None:
        check_arguments(type(self), (optimizer, *args), kwargs)
        groups = getattr(optimizer, "param_groups", None) or [{}]
        self.use_betas = False
        if "momentum" not in groups[0]:
            if "betas" not in groups[0]:
                keys = [k for k in groups[0] if k != "params"]
                raise ValueError(
                    f"{type(self).__name__}: the optimizer {type(optimizer).__name__} has "
                    f"neither 'momentum' nor 'betas' to schedule (its keys: {', '.join(keys)})"
                )
            self.use_betas = True
            for group in optimizer.param_groups:
                group["momentum"] = group["betas"][0]
        super().__init__(optimizer, "momentum", *args, **kwargs)  # type: ignore[call-arg]

    def step(self, *args: Any, **kwargs: Any) -> None:
        """Step, then copy ``momentum`` into ``betas[0]`` for Adam-like optimizers."""
        super().step(*args, **kwargs)  # type: ignore[misc]
        if self.use_betas:
            for group in self.optimizer.param_groups:  # type: ignore[attr-defined]
                group["betas"] = (group["momentum"], *group["betas"][1:])


@PARAM_SCHEDULERS.register_module()
class ConstantMomentum(MomentumSchedulerMixin, ConstantParamScheduler):
    """Multiply the momentum by ``factor`` until the last step of ``[begin, end)``."""


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingMomentum(MomentumSchedulerMixin, CosineAnnealingParamScheduler):
    """Cosine annealing of the momentum to ``eta_min`` over ``T_max`` steps."""


@PARAM_SCHEDULERS.register_module()
class CosineRestartMomentum(MomentumSchedulerMixin, CosineRestartParamScheduler):
    """Cosine annealing of the momentum with restarts."""


@PARAM_SCHEDULERS.register_module()
class ExponentialMomentum(MomentumSchedulerMixin, ExponentialParamScheduler):
    """Multiply the momentum by ``gamma`` every step."""


@PARAM_SCHEDULERS.register_module()
class LinearMomentum(MomentumSchedulerMixin, LinearParamScheduler):
    """Linear change of the momentum: ``start_factor`` to ``end_factor``."""


@PARAM_SCHEDULERS.register_module()
class MultiStepMomentum(MomentumSchedulerMixin, MultiStepParamScheduler):
    """Multiply the momentum by ``gamma`` at each of ``milestones``."""


@PARAM_SCHEDULERS.register_module()
class OneCycleMomentum(MomentumSchedulerMixin, OneCycleParamScheduler):
    """The 1cycle policy applied to the momentum."""


@PARAM_SCHEDULERS.register_module()
class PolyMomentum(MomentumSchedulerMixin, PolyParamScheduler):
    """Polynomial decay of the momentum to ``eta_min``."""


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauMomentum(MomentumSchedulerMixin, ReduceOnPlateauParamScheduler):
    """Reduce the momentum when the ``monitor`` metric stops improving."""


@PARAM_SCHEDULERS.register_module()
class StepMomentum(MomentumSchedulerMixin, StepParamScheduler):
    """Multiply the momentum by ``gamma`` every ``step_size`` steps."""
