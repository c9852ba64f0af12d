"""OptimWrapperDict: several optimizer wrappers under names (OPT-08).

A read-mostly container for models with several optimizers (a GAN's generator and
discriminator): it aggregates learning rates, momentums and state dicts. It has no
``update_params``, ``backward``, ``step``, ``zero_grad`` or ``optim_context``: update
each part through its own wrapper (``optim_wrapper['gen'].update_params(loss)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from torch import nn

from mme.optim._suggest import did_you_mean
from mme.optim.optim_wrapper import OptimWrapper

_TRAINING_METHODS = ("update_params", "backward", "step", "zero_grad", "optim_context")


class OptimWrapperDict:
    """A dict of ``OptimWrapper`` by name.

    Examples:
        >>> import torch
        >>> gen, disc = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)
        >>> optim_dict = OptimWrapperDict(
        ...     gen=OptimWrapper(torch.optim.SGD(gen.parameters(), lr=0.01)),
        ...     disc=OptimWrapper(torch.optim.SGD(disc.parameters(), lr=0.01)))
        >>> optim_dict.get_lr()
        {'gen.lr': [0.01], 'disc.lr': [0.01]}
    """

    def __init__(self, **optim_wrapper_dict: OptimWrapper) -> None:
        for name, wrapper in optim_wrapper_dict.items():
            if not isinstance(wrapper, OptimWrapper):
                raise TypeError(
                    f"OptimWrapperDict: {name!r} must be an OptimWrapper, got "
                    f"{type(wrapper).__name__}"
                )
        self.optim_wrappers: dict[str, OptimWrapper] = dict(optim_wrapper_dict)

    def __getattr__(self, name: str) -> Any:
        if name in _TRAINING_METHODS:
            first = next(iter(self.optim_wrappers), "name")
            raise AttributeError(
                f"OptimWrapperDict has no {name!r}: call it on one of its wrappers, e.g. "
                f"optim_wrapper[{first!r}].{name}(...) (wrappers: "
                f"{', '.join(map(repr, self.optim_wrappers))})"
            )
        raise AttributeError(f"'OptimWrapperDict' object has no attribute {name!r}")

    def initialize_count_status(self, model: nn.Module, init_counts: int, max_counts: int) -> None:
        """Call ``initialize_count_status`` of every wrapper."""
        for wrapper in self.optim_wrappers.values():
            wrapper.initialize_count_status(model, init_counts, max_counts)

    def get_lr(self) -> dict[str, list[float]]:
        """``{'<name>.lr': [...]}`` for every wrapper."""
        return {f"{name}.lr": w.get_lr()["lr"] for name, w in self.optim_wrappers.items()}

    def get_momentum(self) -> dict[str, list[float]]:
        """``{'<name>.momentum': [...]}`` for every wrapper."""
        return {
            f"{name}.momentum": w.get_momentum()["momentum"]
            for name, w in self.optim_wrappers.items()
        }

    def state_dict(self) -> dict[str, Any]:
        """``{name: wrapper.state_dict()}``."""
        return {name: w.state_dict() for name, w in self.optim_wrappers.items()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load each wrapper's state; the names must match this dict's."""
        unknown = [name for name in state_dict if name not in self.optim_wrappers]
        if unknown:
            raise KeyError(
                f"OptimWrapperDict.load_state_dict: {unknown[0]!r} is not one of the "
                f"wrappers ({', '.join(map(repr, self.optim_wrappers))})."
                f"{did_you_mean(unknown[0], self.optim_wrappers)}"
            )
        for name, state in state_dict.items():
            self.optim_wrappers[name].load_state_dict(state)

    def items(self) -> Iterator[tuple[str, OptimWrapper]]:
        """``(name, wrapper)`` pairs."""
        yield from self.optim_wrappers.items()

    def values(self) -> Iterator[OptimWrapper]:
        """The wrappers."""
        yield from self.optim_wrappers.values()

    def keys(self) -> Iterator[str]:
        """The names."""
        yield from self.optim_wrappers.keys()

    def __getitem__(self, key: str) -> OptimWrapper:
        try:
            return self.optim_wrappers[key]
        except KeyError:
            names = ", ".join(map(repr, self.optim_wrappers))
            raise KeyError(
                f"OptimWrapperDict has no wrapper {key!r} (wrappers: {names})."
                f"{did_you_mean(key, self.optim_wrappers)}"
            ) from None

    def __contains__(self, key: object) -> bool:
        return key in self.optim_wrappers

    def __iter__(self) -> Iterator[str]:
        return iter(self.optim_wrappers)

    def __len__(self) -> int:
        return len(self.optim_wrappers)

    def __repr__(self) -> str:
        inner = "".join(f"\n  {name}: {w!r}" for name, w in self.optim_wrappers.items())
        return f"OptimWrapperDict({inner}\n)"
