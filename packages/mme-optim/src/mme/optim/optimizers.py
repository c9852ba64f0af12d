"""Registration of every ``torch.optim`` optimizer in ``OPTIMIZERS`` (OPT-10, REG-15).

Also ``DAdaptAdaGrad``, ``DAdaptAdam``, ``DAdaptSGD`` (package ``dadaptation``) and
``Lion`` (package ``lion-pytorch``) when those packages are installed.
"""

from __future__ import annotations

import importlib
import inspect

import torch

from mme.registry import OPTIMIZERS

#: module -> names of optional third-party optimizers registered when importable.
_OPTIONAL = {
    "dadaptation": ("DAdaptAdaGrad", "DAdaptAdam", "DAdaptSGD"),
    "lion_pytorch": ("Lion",),
}


def register_torch_optimizers() -> list[str]:
    """Register every optimizer class of ``torch.optim``; return their names."""
    names = []
    for name in dir(torch.optim):
        if name.startswith("_"):
            continue
        obj = getattr(torch.optim, name)
        if (
            inspect.isclass(obj)
            and issubclass(obj, torch.optim.Optimizer)
            and obj is not torch.optim.Optimizer
        ):
            if name not in OPTIMIZERS.module_dict:
                OPTIMIZERS.register_module(module=obj)
            names.append(name)
    return names


def register_optional_optimizers() -> list[str]:
    """Register the optimizers of dadaptation and lion-pytorch that are installed."""
    names = []
    for module_name, class_names in _OPTIONAL.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in class_names:
            cls = getattr(module, name, None)
            if cls is not None and name not in OPTIMIZERS.module_dict:
                OPTIMIZERS.register_module(name=name, module=cls)
                names.append(name)
    return names


TORCH_OPTIMIZERS = register_torch_optimizers()
OPTIONAL_OPTIMIZERS = register_optional_optimizers()
