"""Config files for training recipes: Python, JSON and YAML with inheritance.

Configuration is plain data: a tree of dicts, lists and scalars read from a file,
merged with its ``_base_`` files and command-line overrides. This package never
imports torch.
"""

from mme.config.config import Config
from mme.config.config_dict import ConfigDict

__all__ = ["Config", "ConfigDict"]
__version__ = "0.1.0"
