"""Optimizer wrappers, optimizer wrapper constructors and parameter schedulers.

Importing ``mme.optim`` registers every ``torch.optim`` optimizer in ``OPTIMIZERS``,
the wrappers in ``OPTIM_WRAPPERS``, the constructors in ``OPTIM_WRAPPER_CONSTRUCTORS``
and the schedulers in ``PARAM_SCHEDULERS`` (the registries of ``mme.registry`` list
this package as a location, so building by name imports it).
"""

from mme.optim.amp_optim_wrapper import AmpOptimWrapper
from mme.optim.base import BaseOptimWrapper
from mme.optim.builder import build_optim_wrapper
from mme.optim.default_constructor import DefaultOptimWrapperConstructor
from mme.optim.optim_wrapper import OptimWrapper
from mme.optim.optim_wrapper_dict import OptimWrapperDict
from mme.optim.optimizers import OPTIONAL_OPTIMIZERS, TORCH_OPTIMIZERS
from mme.optim.scale_lr import auto_scale_lr
from mme.optim.scheduler import *  # noqa: F403 (the scheduler names, as MMEngine exports them)
from mme.optim.scheduler import __all__ as _scheduler_names
from mme.optim.simulate import simulate_schedule
from mme.optim.zero_optimizer import ZeroRedundancyOptimizer
from mme.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIMIZERS

__version__ = "0.1.0"

__all__ = [
    *_scheduler_names,
    "OPTIMIZERS",
    "OPTIM_WRAPPER_CONSTRUCTORS",
    "OPTIONAL_OPTIMIZERS",
    "TORCH_OPTIMIZERS",
    "AmpOptimWrapper",
    "BaseOptimWrapper",
    "DefaultOptimWrapperConstructor",
    "OptimWrapper",
    "OptimWrapperDict",
    "ZeroRedundancyOptimizer",
    "auto_scale_lr",
    "build_optim_wrapper",
    "simulate_schedule",
]
