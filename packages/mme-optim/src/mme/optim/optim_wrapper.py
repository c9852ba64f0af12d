"""OptimWrapper: one interface for the parameter update (OPT-01, OPT-03..OPT-07).

``update_params(loss)`` is backward + step + zero_grad, with gradient accumulation
(``accumulative_counts``) and gradient clipping (``clip_grad``). Subclasses change how
the loss is scaled and how the optimizer steps (``AmpOptimWrapper``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import torch
from torch import nn
from torch.optim import Optimizer

from mme.logging import MessageHub, print_log
from mme.optim._suggest import did_you_mean
from mme.optim.base import BaseOptimWrapper
from mme.registry import OPTIM_WRAPPERS

#: What `OptimWrapper.optim_context` returns when the step needs no context (no DDP
#: accumulation step to keep local): one shared object, nothing built per step (a model's
#: ``train_step`` skips the ``with`` for any ``nullcontext``).
NULL_CONTEXT = nullcontext()

#: ``clip_grad`` keys accepted by each kind of clipping (besides ``type``).
_CLIP_KEYS = {
    "norm": ("max_norm", "norm_type", "error_if_nonfinite", "foreach"),
    "value": ("clip_value", "foreach"),
}


def _clip_settings(clip_grad: Any) -> tuple[str, dict[str, Any]] | None:
    """Check ``clip_grad`` and return ``(kind, kwargs)``, or None when clipping is off."""
    if clip_grad is None:
        return None
    if not isinstance(clip_grad, dict):
        raise TypeError(
            "OptimWrapper: clip_grad must be a dict such as dict(max_norm=1.0) or "
            f"dict(clip_value=0.2), or None; got {type(clip_grad).__name__}: {clip_grad!r}"
        )
    kwargs = dict(clip_grad)
    if not kwargs:
        return None
    kind = kwargs.pop("type", None)
    if kind is None:
        kind = "value" if "clip_value" in kwargs else "norm"
    if kind not in _CLIP_KEYS:
        raise ValueError(
            f"OptimWrapper: clip_grad type={kind!r} is not supported; use 'norm' "
            "(torch.nn.utils.clip_grad_norm_) or 'value' (clip_grad_value_)"
        )
    accepted = _CLIP_KEYS[kind]
    for key in kwargs:
        if key not in accepted:
            raise ValueError(
                f"OptimWrapper: clip_grad key {key!r} is not an argument of clipping by "
                f"{kind}.{did_you_mean(key, accepted)} Accepted: {', '.join(accepted)}"
            )
    required = "max_norm" if kind == "norm" else "clip_value"
    if required not in kwargs:
        raise ValueError(
            f"OptimWrapper: clip_grad={clip_grad!r} clips by {kind} but does not give {required!r}"
        )
    return kind, kwargs


def _has_batch_norm(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


@OPTIM_WRAPPERS.register_module()
class OptimWrapper(BaseOptimWrapper):
    """Wraps an optimizer: backward, step and zero_grad, accumulation and clipping.

    Args:
        optimizer: The ``torch.optim.Optimizer`` to wrap.
        accumulative_counts: Step and zero the gradients every this many
            ``update_params`` calls; the loss is divided by it meanwhile.
        clip_grad: ``dict(max_norm=..., norm_type=2)`` clips with
            ``torch.nn.utils.clip_grad_norm_`` (the norm goes to the message hub as
            ``train/grad_norm``); ``dict(clip_value=...)`` with ``clip_grad_value_``.

    Examples:
        >>> model = torch.nn.Linear(1, 1)
        >>> optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
        >>> optim_wrapper.get_lr()
        {'lr': [0.01]}
    """

    def __init__(
        self,
        optimizer: Optimizer,
        accumulative_counts: int = 1,
        clip_grad: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(optimizer)
        if (
            isinstance(accumulative_counts, bool)
            or not isinstance(accumulative_counts, int)
            or accumulative_counts < 1
        ):
            raise ValueError(
                f"{type(self).__name__}: accumulative_counts must be a positive int, got "
                f"{accumulative_counts!r}"
            )
        self._accumulative_counts = accumulative_counts
        clip = _clip_settings(clip_grad)
        self.clip_grad_kwargs: dict[str, Any] = {} if clip is None else clip[1]
        self._clip_func: Callable[..., Any] | None = None
        self.grad_name: str | None = None
        if clip is not None:
            if clip[0] == "norm":
                self._clip_func, self.grad_name = nn.utils.clip_grad_norm_, "grad_norm"
            else:
                self._clip_func = nn.utils.clip_grad_value_
        self._inner_count = 0
        self._max_counts = -1
        self._remainder_counts = -1
        # Without accumulation every step syncs and steps with the loss as it is, so the
        # checks that say so are skipped, unless a subclass redefines them.
        cls = type(self)
        self._no_accumulation = (
            accumulative_counts == 1
            and cls.scale_loss is OptimWrapper.scale_loss
            and cls.should_update is OptimWrapper.should_update
            and cls.should_sync is OptimWrapper.should_sync
        )

    # ------------------------------------------------------------------ update
    def update_params(
        self,
        loss: torch.Tensor,
        step_kwargs: dict[str, Any] | None = None,
        zero_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """Backward ``loss``; step and zero the gradients when an accumulation group ends."""
        plain = self._no_accumulation
        self.backward(loss if plain else self.scale_loss(loss))
        if plain or self.should_update():
            self.step(**(step_kwargs or {}))
            self.zero_grad(**(zero_kwargs or {}))

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """``loss.backward(**kwargs)``, counting the call for accumulation."""
        loss.backward(**kwargs)
        self._inner_count += 1

    def step(self, **kwargs: Any) -> None:
        """Clip the gradients if asked, then ``optimizer.step(**kwargs)``."""
        if self._clip_func is not None:
            self._clip_grad()
        self.optimizer.step(**kwargs)

    def zero_grad(self, **kwargs: Any) -> None:
        """``optimizer.zero_grad(**kwargs)``."""
        self.optimizer.zero_grad(**kwargs)

    def _clip_grad(self) -> None:
        params = [
            p
            for group in self.optimizer.param_groups
            for p in group["params"]
            if p.requires_grad and p.grad is not None
        ]
        if not params:
            return
        assert self._clip_func is not None
        grad: Any = self._clip_func(params, **self.clip_grad_kwargs)
        if self.grad_name is not None:
            # A tensor: the hub reads accelerator values later, in batches (no sync here).
            MessageHub.get_current_instance().update_scalar(f"train/{self.grad_name}", grad)

    # ------------------------------------------------------------ accumulation
    def optim_context(self, model: nn.Module) -> AbstractContextManager[Any]:
        """Wrap the forward: skips DDP's gradient all-reduce on accumulation steps."""
        # should_sync first: looking up a missing attribute of an nn.Module raises and
        # catches an AttributeError, a cost every step would pay.
        if not self._no_accumulation and not self.should_sync():
            no_sync = getattr(model, "no_sync", None)
            if no_sync is not None:
                return no_sync()
        return NULL_CONTEXT  # a shared, reusable context: nothing built per step

    def initialize_count_status(self, model: nn.Module, init_counts: int, max_counts: int) -> None:
        """Tell the wrapper where training starts and how many updates it has in all.

        The runner calls it before training (``cur_iter``, ``max_iters``). Knowing
        ``max_counts`` lets the last group, when ``max_counts`` is not a multiple of
        ``accumulative_counts``, step at the end with the loss divided by its real size.
        Called per epoch with ``(0, len(dataloader))``, each epoch's last group is closed.
        """
        self._inner_count = init_counts
        self._max_counts = max_counts
        if self._inner_count % self._accumulative_counts != 0:
            print_log(
                f"Resuming at count {init_counts}, which is not a multiple of "
                f"accumulative_counts={self._accumulative_counts}: the first accumulation "
                "group after resuming is shorter than the others.",
                logger="current",
                level=logging.WARNING,
            )
        if self._accumulative_counts > 1 and _has_batch_norm(model):
            print_log(
                "Gradient accumulation with a model that has BatchNorm layers: their "
                "statistics come from each small batch, not from the accumulated batch.",
                logger="current",
                level=logging.WARNING,
            )
        self._remainder_counts = self._max_counts % self._accumulative_counts

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        """Divide ``loss`` by the size of the accumulation group it belongs to."""
        if self._accumulative_counts == 1:
            return loss
        if self._max_counts == -1 or self._inner_count < self._max_counts - self._remainder_counts:
            return loss / self._accumulative_counts
        if self._inner_count >= self._max_counts:
            raise RuntimeError(
                f"{type(self).__name__}: update_params called {self._inner_count + 1} times, "
                f"more than max_counts={self._max_counts} given to initialize_count_status"
            )
        return loss / self._remainder_counts

    def should_update(self) -> bool:
        """Whether the last ``backward`` ended an accumulation group."""
        return (
            self._inner_count % self._accumulative_counts == 0
            or self._inner_count == self._max_counts
        )

    def should_sync(self) -> bool:
        """Whether the next ``backward`` ends a group (so gradients must be all-reduced)."""
        nxt = self._inner_count + 1
        return nxt % self._accumulative_counts == 0 or nxt == self._max_counts

    @property
    def inner_count(self) -> int:
        """How many times ``backward`` has been called (from ``init_counts``)."""
        return self._inner_count

    @property
    def accumulative_counts(self) -> int:
        """The accumulation group size."""
        return self._accumulative_counts

    def __repr__(self) -> str:
        clip = f", clip_grad={self.clip_grad_kwargs}" if self.clip_grad_kwargs else ""
        return (
            f"{type(self).__name__}(accumulative_counts={self._accumulative_counts}{clip}, "
            f"optimizer={self.optimizer!r})"
        )
