"""auto_scale_lr: scale the learning rate by the actual total batch size (OPT-23)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mme.dist import get_world_size
from mme.logging import print_log
from mme.optim._suggest import did_you_mean

_KEYS = ("enable", "base_batch_size")


def auto_scale_lr(
    optim_wrapper: Any,
    auto_scale_lr_cfg: Mapping[str, Any] | None,
    batch_size: int,
    world_size: int | None = None,
) -> float | None:
    """Multiply every learning rate by ``world_size * batch_size / base_batch_size``.

    Args:
        optim_wrapper: An ``OptimWrapper`` or ``OptimWrapperDict`` (before the parameter
            schedulers are built, since they record the initial learning rates).
        auto_scale_lr_cfg: ``dict(enable=True, base_batch_size=16)``: the runner's
            ``auto_scale_lr``; nothing is done when it is None or ``enable`` is false.
        batch_size: The batch size of one process's training data loader.
        world_size: The number of processes (default: the current world size).

    Returns:
        The ratio applied, or None when scaling is off.
    """
    if auto_scale_lr_cfg is None:
        return None
    if not isinstance(auto_scale_lr_cfg, Mapping):
        raise TypeError(
            "auto_scale_lr must be a dict such as dict(enable=True, base_batch_size=16), got "
            f"{type(auto_scale_lr_cfg).__name__}"
        )
    for key in auto_scale_lr_cfg:
        if key not in _KEYS:
            raise KeyError(
                f"auto_scale_lr: unknown key {key!r}.{did_you_mean(key, _KEYS)} Keys: "
                f"{', '.join(_KEYS)}"
            )
    if not auto_scale_lr_cfg.get("enable", False):
        return None
    base = auto_scale_lr_cfg.get("base_batch_size")
    if not isinstance(base, int) or isinstance(base, bool) or base <= 0:
        raise ValueError(
            "auto_scale_lr: base_batch_size must be a positive int (the total batch size the "
            f"learning rate was tuned for, e.g. 8 GPUs x 2 = 16), got {base!r}"
        )
    if not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"auto_scale_lr: batch_size must be a positive int, got {batch_size!r}")
    world = get_world_size() if world_size is None else world_size
    real = world * batch_size
    ratio = float(real) / float(base)
    wrappers = (
        list(optim_wrapper.values())
        if hasattr(optim_wrapper, "optim_wrappers")
        else [optim_wrapper]
    )
    for wrapper in wrappers:
        for i, group in enumerate(wrapper.param_groups):
            if "initial_lr" in group:
                raise RuntimeError(
                    f"auto_scale_lr: param_groups[{i}] already has 'initial_lr': a parameter "
                    "scheduler was built before scaling, so it would undo the scaling; scale "
                    "the learning rate first"
                )
    for wrapper in wrappers:
        for group in wrapper.param_groups:
            group["lr"] = group["lr"] * ratio
    print_log(
        f"LR is set based on batch size of {base} and the current batch size is {real}. "
        f"Scaling the original LR by {ratio}.",
        logger="current",
    )
    return ratio
