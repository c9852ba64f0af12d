"""Import an optional integration, or say which extra installs it."""

from __future__ import annotations

import importlib
from types import ModuleType


def import_optional(module: str, *, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` for ``purpose``; if it is missing, name the extra to install.

    Args:
        module: the module to import, e.g. ``"torch.utils.tensorboard"``.
        extra: the extra of the ``mme`` meta-package that installs it, e.g. ``"tensorboard"``.
        purpose: what needs it, for the message, e.g. ``"TensorboardVisBackend"``.

    Raises:
        ImportError: ``module`` (or a module it needs) is not installed. The message
            reads ``... Install it with: pip install "mme[tensorboard]"``.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        missing = error.name or module
        raise ImportError(
            f"{purpose} needs the '{missing}' package, which is not installed. "
            f'Install it with: pip install "mme[{extra}]"',
            name=missing,
        ) from error
