"""Config files for training recipes: Python, JSON and YAML with inheritance.

Configuration is plain data: a tree of dicts, lists and scalars read from a file,
merged with its ``_base_`` files and command-line overrides. This package never
imports torch.
"""

from mme.config.config import Config
from mme.config.config_dict import ConfigDict
from mme.config.errors import ConfigError, ConfigKeyError
from mme.config.hub import get_config
from mme.config.lazy import LazyObject, read_base
from mme.config.overrides import DictAction
from mme.config.provenance import Explanation, Origin

__all__ = [
    "Config",
    "ConfigDict",
    "ConfigError",
    "ConfigKeyError",
    "DictAction",
    "Explanation",
    "LazyObject",
    "Origin",
    "get_config",
    "read_base",
]
__version__ = "0.1.0"
