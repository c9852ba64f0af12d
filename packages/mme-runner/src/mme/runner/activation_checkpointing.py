"""``activation_checkpointing=[module names]``: recompute activations in backward (RUN-29).

Each named sub-module's forward runs under ``torch.utils.checkpoint.checkpoint`` (the
non-reentrant implementation): its intermediate activations are not kept for backward but
recomputed then, trading one more forward of those modules for their activation memory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from torch import nn
from torch.utils.checkpoint import checkpoint

from mme.runner._suggest import did_you_mean


def _checkpointed(forward: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(forward)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return checkpoint(forward, *args, use_reentrant=False, **kwargs)

    wrapper.__mme_checkpointed__ = True  # type: ignore[attr-defined]
    return wrapper


def turn_on_activation_checkpointing(model: nn.Module, modules: str | Sequence[str]) -> None:
    """Checkpoint the forward of each sub-module of ``model`` named in ``modules``
    (``'backbone.layer1'``...).

    Raises:
        KeyError: a name is not a sub-module of ``model`` (with the closest names).
    """
    names = [modules] if isinstance(modules, str) else list(modules)
    known = [name for name, _ in model.named_modules() if name]
    for name in names:
        try:
            module = model.get_submodule(name)
        except AttributeError:
            raise KeyError(
                f"activation_checkpointing: {type(model).__name__} has no sub-module {name!r}."
                f"{did_you_mean(name, known)}"
            ) from None
        if getattr(module.forward, "__mme_checkpointed__", False):
            continue
        module.forward = _checkpointed(module.forward)


def apply_memory_options(model: nn.Module, cfg: Any) -> None:
    """The config keys ``activation_checkpointing`` and ``efficient_conv_bn_eval`` (lists of
    sub-module names) applied to ``model``."""
    checkpointed = cfg.get("activation_checkpointing")
    if checkpointed:
        turn_on_activation_checkpointing(model, checkpointed)
    fused = cfg.get("efficient_conv_bn_eval")
    if fused:
        from mme.runner.model.efficient_conv_bn_eval import turn_on_efficient_conv_bn_eval

        turn_on_efficient_conv_bn_eval(model, fused)
