"""Averaged models (RUN-18): a copy of a model whose weights follow the trained ones.

``ExponentialMovingAverage``, ``MomentumAnnealingEMA`` and ``StochasticWeightAverage`` are
registered in ``MODELS``; ``EMAHook`` builds one of them (``ema_type``) and validates with its
weights. Every built-in average is a linear interpolation ``avg += w * (src - avg)`` with a
per-step weight ``w``, applied to all the tensors of one device and dtype in one fused
``torch._foreach_lerp_`` call. The step counter is kept in Python (mirrored in the ``steps``
buffer for checkpoints), so an update never waits for a GPU.
"""

from __future__ import annotations

import copy
import logging
from abc import abstractmethod
from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor, nn

from mme.registry import MODELS

_logger = logging.getLogger("mme.runner")


def _grouped(
    pairs: Iterable[tuple[Tensor, Tensor]],
) -> dict[tuple[torch.device, torch.dtype], tuple[list[Tensor], list[Tensor]]]:
    groups: dict[tuple[torch.device, torch.dtype], tuple[list[Tensor], list[Tensor]]] = {}
    for avg, src in pairs:
        avgs, srcs = groups.setdefault((avg.device, avg.dtype), ([], []))
        avgs.append(avg)
        srcs.append(src if src.device == avg.device else src.to(avg.device, non_blocking=True))
    return groups


class BaseAveragedModel(nn.Module):
    """A copy of ``model`` whose parameters are an average of the model's over training.

    Subclasses give the average by ``avg_func`` (in-place, on one tensor); the built-in ones
    also give ``lerp_weight(steps)``, which lets every tensor be updated in one fused call.

    Args:
        model: The model to average (deep-copied; the copy does not require grad).
        interval: Average every ``interval`` calls of ``update_parameters``.
        device: Keep the averaged copy on this device (e.g. ``'cpu'`` to save GPU memory).
        update_buffers: Average the buffers too (BatchNorm statistics); otherwise they are
            copied from the model at every update.
    """

    steps: Tensor

    def __init__(
        self,
        model: nn.Module,
        interval: int = 1,
        device: torch.device | str | None = None,
        update_buffers: bool = False,
    ) -> None:
        super().__init__()
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(
                f"{type(self).__name__}: interval must be an int >= 1, got {interval!r}"
            )
        self.module = copy.deepcopy(model).requires_grad_(False)
        self.interval = interval
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("steps", torch.tensor(0, dtype=torch.long, device=device))
        self._steps = 0
        self.update_buffers = update_buffers
        self.avg_parameters: dict[str, Tensor]
        if update_buffers:
            self.avg_parameters = dict(self.module.state_dict(keep_vars=True))
        else:
            self.avg_parameters = dict(self.module.named_parameters())

    @abstractmethod
    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: int) -> None:
        """Update ``averaged_param`` in place from ``source_param`` at update ``steps``."""

    def lerp_weight(self, steps: int) -> float | None:
        """The weight ``w`` of ``avg += w * (src - avg)`` at update ``steps``, or None when
        the average is not a linear interpolation (then ``avg_func`` runs per tensor)."""
        return None

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The averaged model's forward."""
        return self.module(*args, **kwargs)

    @torch.no_grad()
    def update_parameters(self, model: nn.Module) -> None:
        """Fold the current weights of ``model`` into the average (the first call copies them)."""
        source = (
            dict(model.state_dict(keep_vars=True))
            if self.update_buffers
            else dict(model.named_parameters())
        )
        missing = [name for name in self.avg_parameters if name not in source]
        if missing:
            raise KeyError(
                f"{type(self).__name__}.update_parameters: the model has no {missing[0]!r} "
                f"(it is not the model this average was built from)"
            )
        steps = self._steps
        if steps == 0:
            for name, avg in self.avg_parameters.items():
                avg.copy_(source[name])
        elif steps % self.interval == 0:
            floats = [
                (avg, source[name].detach())
                for name, avg in self.avg_parameters.items()
                if avg.is_floating_point()
            ]
            weight = self.lerp_weight(steps)
            if weight is None:
                for avg, src in floats:
                    self.avg_func(avg, src.to(avg.device), steps)
            else:
                for avgs, srcs in _grouped(floats).values():
                    torch._foreach_lerp_(avgs, srcs, weight)
        if not self.update_buffers:
            pairs = [
                (b, s.detach()) for b, s in zip(self.module.buffers(), model.buffers(), strict=True)
            ]
            for avgs, srcs in _grouped(pairs).values():
                torch._foreach_copy_(avgs, srcs)
        self._steps = steps + 1
        self.steps.fill_(self._steps)

    def _load_from_state_dict(self, state_dict: Any, prefix: str, *args: Any) -> None:
        super()._load_from_state_dict(state_dict, prefix, *args)
        if prefix + "steps" in state_dict:
            self._steps = int(state_dict[prefix + "steps"])


@MODELS.register_module()
class ExponentialMovingAverage(BaseAveragedModel):
    """``avg = (1 - momentum) * avg + momentum * src`` at every ``interval``-th update.

    ``momentum`` is the weight of the *new* value (MMEngine's convention: it is
    ``1 - decay`` of the usual EMA formula), so it is a small number.

    Args:
        model: The model to average.
        momentum: In (0, 1); default 0.0002.
        interval: Average every ``interval`` updates.
        device: Keep the average on this device.
        update_buffers: Average the buffers too.
    """

    def __init__(
        self,
        model: nn.Module,
        momentum: float = 0.0002,
        interval: int = 1,
        device: torch.device | str | None = None,
        update_buffers: bool = False,
    ) -> None:
        super().__init__(model, interval, device, update_buffers)
        if not 0.0 < momentum < 1.0:
            raise ValueError(f"{type(self).__name__}: momentum must be in (0, 1), got {momentum}")
        if momentum > 0.5:
            _logger.warning(
                "The momentum of EMA is the weight of the new value (1 - decay of the usual "
                "formula) and is usually small; got %s. Did you mean %s?",
                momentum,
                round(1 - momentum, 6),
            )
        self.momentum = momentum

    def lerp_weight(self, steps: int) -> float:
        """``momentum``."""
        return self.momentum

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: int) -> None:
        """``averaged_param.lerp_(source_param, momentum)``."""
        averaged_param.lerp_(source_param, self.lerp_weight(steps))


@MODELS.register_module()
class MomentumAnnealingEMA(ExponentialMovingAverage):
    """EMA whose momentum starts large and anneals: ``max(momentum, gamma / (gamma + steps))``.

    Args:
        model: The model to average.
        momentum: The final (smallest) momentum.
        gamma: How fast the momentum anneals (> 0; larger is slower).
        interval: Average every ``interval`` updates.
        device: Keep the average on this device.
        update_buffers: Average the buffers too.
    """

    def __init__(
        self,
        model: nn.Module,
        momentum: float = 0.0002,
        gamma: int = 100,
        interval: int = 1,
        device: torch.device | str | None = None,
        update_buffers: bool = False,
    ) -> None:
        super().__init__(model, momentum, interval, device, update_buffers)
        if gamma <= 0:
            raise ValueError(f"MomentumAnnealingEMA: gamma must be > 0, got {gamma}")
        self.gamma = gamma

    def lerp_weight(self, steps: int) -> float:
        """``max(momentum, gamma / (gamma + steps))``."""
        return max(self.momentum, self.gamma / (self.gamma + steps))


@MODELS.register_module()
class StochasticWeightAverage(BaseAveragedModel):
    """The plain mean of the weights seen at every ``interval``-th update (SWA)."""

    def lerp_weight(self, steps: int) -> float:
        """``1 / (steps // interval + 1)``: the running mean's weight of the new value."""
        return 1.0 / float(steps // self.interval + 1)

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: int) -> None:
        """``averaged_param += (source_param - averaged_param) / (steps // interval + 1)``."""
        averaged_param.lerp_(source_param, self.lerp_weight(steps))
