"""The Runner: training loops, hooks, models, evaluators, checkpoints, visualization.

The most used names are importable from here: ``from mme.runner import Runner, Hook,
BaseModel, BaseMetric``. Importing this package registers the built-in loops, hooks, log
processor and visualization classes in the root registries of ``mme.registry``.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

__version__ = "0.1.0"

from mme.runner.checkpoint import (
    CheckpointError,
    find_latest_checkpoint,
    get_state_dict,
    load_checkpoint,
    load_state_dict,
    save_checkpoint,
    weights_to_cpu,
)
from mme.runner.environment import set_random_seed
from mme.runner.hooks import (
    CheckpointHook,
    DistSamplerSeedHook,
    EarlyStoppingHook,
    EmptyCacheHook,
    Hook,
    IterTimerHook,
    LoggerHook,
    ParamSchedulerHook,
    RuntimeInfoHook,
    SyncBuffersHook,
)
from mme.runner.log_processor import LogProcessor
from mme.runner.loops import (
    BaseLoop,
    EpochBasedTrainLoop,
    IterBasedTrainLoop,
    TestLoop,
    ValLoop,
)
from mme.runner.preemption import PreemptionHook
from mme.runner.priority import Priority, get_priority
from mme.runner.runner import Runner, build_runner
from mme.runner.visualization import LocalVisBackend, Visualizer

#: Names of the model and evaluator subpackages, re-exported here on first access.
_LAZY = {
    "BaseModel": "mme.runner.model",
    "BaseDataPreprocessor": "mme.runner.model",
    "ImgDataPreprocessor": "mme.runner.model",
    "MMDistributedDataParallel": "mme.runner.model",
    "is_model_wrapper": "mme.runner.model",
    "BaseMetric": "mme.runner.evaluator",
    "Evaluator": "mme.runner.evaluator",
}

# The model and evaluator subpackages register their classes (MODELS, METRICS...) on import;
# the registries name this package as their location, so import them with it.
for _sub in ("mme.runner.model", "mme.runner.evaluator"):
    if importlib.util.find_spec(_sub) is not None:
        importlib.import_module(_sub)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mme.runner' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "BaseLoop",
    "CheckpointError",
    "CheckpointHook",
    "DistSamplerSeedHook",
    "EarlyStoppingHook",
    "EmptyCacheHook",
    "EpochBasedTrainLoop",
    "Hook",
    "IterBasedTrainLoop",
    "IterTimerHook",
    "LocalVisBackend",
    "LogProcessor",
    "LoggerHook",
    "ParamSchedulerHook",
    "PreemptionHook",
    "Priority",
    "Runner",
    "RuntimeInfoHook",
    "SyncBuffersHook",
    "TestLoop",
    "ValLoop",
    "Visualizer",
    "build_runner",
    "find_latest_checkpoint",
    "get_priority",
    "get_state_dict",
    "load_checkpoint",
    "load_state_dict",
    "save_checkpoint",
    "set_random_seed",
    "weights_to_cpu",
    *_LAZY,
]
