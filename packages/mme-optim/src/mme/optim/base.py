"""BaseOptimWrapper: what every optimizer wrapper offers (the abstract part of OPT-01)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import torch
from torch.optim import Optimizer


class BaseOptimWrapper(ABC):
    """The interface of optimizer wrappers: the update steps, and reading and saving the
    optimizer's settings and state.

    Subclasses define ``update_params``, ``backward``, ``zero_grad`` and ``step``; the
    rest reads the wrapped ``optimizer``.

    Args:
        optimizer: The ``torch.optim.Optimizer`` to wrap.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: optimizer must be a torch.optim.Optimizer, got "
                f"{type(optimizer).__name__}; build it first, or pass a config to "
                "build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.01)))"
            )
        self.optimizer = optimizer

    @abstractmethod
    def update_params(self, loss: torch.Tensor, *args: Any, **kwargs: Any) -> None:
        """Update the parameters from ``loss`` (backward, step, zero_grad)."""

    @abstractmethod
    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """Compute the gradients of ``loss``."""

    @abstractmethod
    def zero_grad(self, **kwargs: Any) -> None:
        """Clear the gradients."""

    @abstractmethod
    def step(self, **kwargs: Any) -> None:
        """Update the parameters from their gradients."""

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """The optimizer's ``param_groups`` (the live list)."""
        return self.optimizer.param_groups

    @property
    def defaults(self) -> dict[str, Any]:
        """The optimizer's ``defaults``."""
        return self.optimizer.defaults

    def get_lr(self) -> dict[str, list[float]]:
        """``{'lr': [lr of each param group]}``."""
        return {"lr": [group["lr"] for group in self.optimizer.param_groups]}

    def get_momentum(self) -> dict[str, list[float]]:
        """``{'momentum': [...]}``: ``momentum``, else ``betas[0]``, else 0 per group."""
        momentum = []
        for group in self.optimizer.param_groups:
            if "momentum" in group:
                momentum.append(group["momentum"])
            elif "betas" in group:
                momentum.append(group["betas"][0])
            else:
                momentum.append(0)
        return {"momentum": momentum}

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state dict."""
        return self.optimizer.state_dict()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load the optimizer's state dict."""
        self.optimizer.load_state_dict(state_dict)
