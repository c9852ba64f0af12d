"""Config files for training recipes: Python, JSON and YAML with inheritance.

Configuration is plain data: a tree of dicts, lists and scalars read from a file,
merged with its ``_base_`` files and command-line overrides. This package never
imports torch. `DictAction` (argparse), `Explanation` and `Origin` (provenance, only
needed to explain) are imported on first access, which keeps `import mme.config` fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mme.config.config import Config
from mme.config.config_dict import ConfigDict
from mme.config.errors import (
    ConfigError,
    ConfigFileTypeError,
    ConfigKeyError,
    ConfigTypeError,
    CustomImportError,
)
from mme.config.hub import get_config
from mme.config.lazy import LazyObject, read_base

if TYPE_CHECKING:
    from mme.config.overrides import DictAction
    from mme.config.provenance import Explanation, Origin

_LAZY = {
    "DictAction": "mme.config.overrides",
    "Explanation": "mme.config.provenance",
    "Origin": "mme.config.provenance",
}

__all__ = [
    "Config",
    "ConfigDict",
    "ConfigError",
    "ConfigFileTypeError",
    "ConfigKeyError",
    "ConfigTypeError",
    "CustomImportError",
    "DictAction",
    "Explanation",
    "LazyObject",
    "Origin",
    "get_config",
    "read_base",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mme.config' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
