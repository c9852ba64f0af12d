"""Fixing ``param_name`` of a generic scheduler: the LR and Momentum forms."""

from __future__ import annotations

import inspect
from typing import Any

from mme.optim._suggest import did_you_mean


def fixed_param_signature(cls: type) -> inspect.Signature:
    """The signature of ``cls``'s generic base without ``param_name``.

    Set as ``__signature__`` so that the registry's argument checks and the API docs
    show the real arguments of ``LinearLR`` and its kin, not ``*args, **kwargs``.
    """
    generic = next(
        base
        for base in cls.__mro__[1:]
        if base.__name__.endswith("ParamScheduler") and "__init__" in vars(base)
    )
    signature = inspect.signature(vars(generic)["__init__"])
    params = [p for name, p in signature.parameters.items() if name not in ("self", "param_name")]
    return signature.replace(parameters=params, return_annotation=inspect.Signature.empty)


def check_arguments(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Raise a TypeError naming ``cls`` and the argument when they do not fit."""
    signature: inspect.Signature = cls.__signature__  # type: ignore[attr-defined]
    try:
        signature.bind(*args, **kwargs)
    except TypeError as error:
        accepted = [n for n in signature.parameters if n != "optimizer"]
        unknown = [k for k in kwargs if k not in signature.parameters]
        hint = ""
        if unknown:
            hint = f" Unknown argument {unknown[0]!r}.{did_you_mean(unknown[0], accepted)}"
        raise TypeError(
            f"{cls.__name__}: {error}.{hint} Arguments: {', '.join(accepted)}"
        ) from None
