"""Learning-rate schedulers: the generic schedulers with ``param_name='lr'``."""

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


class LRSchedulerMixin:
    """Schedules the learning rate: ``param_name='lr'``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__signature__ = fixed_param_signature(cls)  # type: ignore[attr-defined]

    def __init__(self, optimizer: Any, *args: Any, **kwargs: Any) -> None:
        check_arguments(type(self), (optimizer, *args), kwargs)
        super().__init__(optimizer, "lr", *args, **kwargs)  # type: ignore[call-arg]


@PARAM_SCHEDULERS.register_module()
class ConstantLR(LRSchedulerMixin, ConstantParamScheduler):
    """Multiply the lr by ``factor`` until the last step of ``[begin, end)``."""


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingLR(LRSchedulerMixin, CosineAnnealingParamScheduler):
    """Cosine annealing of the lr to ``eta_min`` over ``T_max`` steps."""


@PARAM_SCHEDULERS.register_module()
class CosineRestartLR(LRSchedulerMixin, CosineRestartParamScheduler):
    """Cosine annealing of the lr with restarts (``periods``, ``restart_weights``)."""


@PARAM_SCHEDULERS.register_module()
class ExponentialLR(LRSchedulerMixin, ExponentialParamScheduler):
    """Multiply the lr by ``gamma`` every step."""


@PARAM_SCHEDULERS.register_module()
class LinearLR(LRSchedulerMixin, LinearParamScheduler):
    """Linear change of the lr (a warm-up): ``start_factor`` to ``end_factor``."""


@PARAM_SCHEDULERS.register_module()
class MultiStepLR(LRSchedulerMixin, MultiStepParamScheduler):
    """Multiply the lr by ``gamma`` at each of ``milestones``."""


@PARAM_SCHEDULERS.register_module()
class OneCycleLR(LRSchedulerMixin, OneCycleParamScheduler):
    """The 1cycle learning-rate policy (``eta_max``, ``total_steps``)."""


@PARAM_SCHEDULERS.register_module()
class PolyLR(LRSchedulerMixin, PolyParamScheduler):
    """Polynomial decay of the lr to ``eta_min``."""


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauLR(LRSchedulerMixin, ReduceOnPlateauParamScheduler):
    """Reduce the lr when the ``monitor`` metric stops improving."""


@PARAM_SCHEDULERS.register_module()
class StepLR(LRSchedulerMixin, StepParamScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` steps."""
