"""build_optim_wrapper: an optimizer wrapper for a model from a config (OPT-09, OPT-11)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from mme.optim.optim_wrapper import OptimWrapper
from mme.registry import OPTIM_WRAPPER_CONSTRUCTORS


def build_optim_wrapper(model: nn.Module, cfg: Mapping[str, Any]) -> OptimWrapper:
    """Build the optimizer wrapper of ``model`` described by ``cfg``.

    ``cfg`` is the ``optim_wrapper`` config: ``optimizer`` (a config dict whose ``type``
    is a name registered in ``OPTIMIZERS`` or an optimizer class, or an optimizer
    already built), ``type`` of the wrapper (default ``'OptimWrapper'``), its arguments,
    ``paramwise_cfg``, and ``constructor`` (default
    ``'DefaultOptimWrapperConstructor'``, a name in ``OPTIM_WRAPPER_CONSTRUCTORS``).

    Examples:
        >>> import torch
        >>> wrapper = build_optim_wrapper(
        ...     torch.nn.Linear(1, 1), dict(optimizer=dict(type='SGD', lr=0.01)))
        >>> wrapper.get_lr()
        {'lr': [0.01]}
    """
    if not isinstance(cfg, Mapping):
        raise TypeError(
            "build_optim_wrapper: cfg must be an optim_wrapper config dict such as "
            f"dict(optimizer=dict(type='SGD', lr=0.01)), got {type(cfg).__name__}"
        )
    wrapper_cfg = dict(cfg)
    constructor_type = wrapper_cfg.pop("constructor", "DefaultOptimWrapperConstructor")
    paramwise_cfg = wrapper_cfg.pop("paramwise_cfg", None)
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
        {"type": constructor_type, "optim_wrapper_cfg": wrapper_cfg, "paramwise_cfg": paramwise_cfg}
    )
    return constructor(model)
