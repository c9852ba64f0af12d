"""Registries: build objects from configs by name, with scopes and lazy locations.

``Registry`` maps names to classes and functions and builds objects from configs
(``MODELS.build(dict(type='ResNet', depth=50))``). Registries form trees under the
root registries defined here (``MODELS``, ``OPTIMIZERS``, ...), so that packages can
use each other's modules with ``scope.Name`` keys or a ``_scope_`` config key.

This package never imports torch.
"""

from mme.registry.build_functions import MissingTypeError, build_from_cfg
from mme.registry.default_scope import DefaultScope, init_default_scope
from mme.registry.errors import (
    AlreadyRegisteredError,
    NotRegisteredError,
    RegistryError,
    UnknownScopeError,
)
from mme.registry.registry import Registry, RegistryState
from mme.registry.root import (
    DATA_SAMPLERS,
    DATASETS,
    EVALUATOR,
    FUNCTIONS,
    HOOKS,
    INFERENCERS,
    LOG_PROCESSORS,
    LOOPS,
    METRICS,
    MODEL_WRAPPERS,
    MODELS,
    OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIM_WRAPPERS,
    OPTIMIZERS,
    PARAM_SCHEDULERS,
    ROOT_REGISTRIES,
    RUNNER_CONSTRUCTORS,
    RUNNERS,
    STRATEGIES,
    TASK_UTILS,
    TRANSFORMS,
    VISBACKENDS,
    VISUALIZERS,
    WEIGHT_INITIALIZERS,
)
from mme.registry.scopes import forget_scope_imports, split_scope_key
from mme.registry.utils import count_registered_modules, traverse_registry_tree

__all__ = [
    "DATASETS",
    "DATA_SAMPLERS",
    "EVALUATOR",
    "FUNCTIONS",
    "HOOKS",
    "INFERENCERS",
    "LOG_PROCESSORS",
    "LOOPS",
    "METRICS",
    "MODELS",
    "MODEL_WRAPPERS",
    "OPTIMIZERS",
    "OPTIM_WRAPPERS",
    "OPTIM_WRAPPER_CONSTRUCTORS",
    "PARAM_SCHEDULERS",
    "ROOT_REGISTRIES",
    "RUNNERS",
    "RUNNER_CONSTRUCTORS",
    "STRATEGIES",
    "TASK_UTILS",
    "TRANSFORMS",
    "VISBACKENDS",
    "VISUALIZERS",
    "WEIGHT_INITIALIZERS",
    "AlreadyRegisteredError",
    "DefaultScope",
    "MissingTypeError",
    "NotRegisteredError",
    "Registry",
    "RegistryError",
    "RegistryState",
    "UnknownScopeError",
    "build_from_cfg",
    "count_registered_modules",
    "forget_scope_imports",
    "init_default_scope",
    "split_scope_key",
    "traverse_registry_tree",
]

__version__ = "0.1.0"
