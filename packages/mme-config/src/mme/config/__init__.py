"""Config files for training recipes: Python, JSON and YAML with inheritance.

Configuration is plain data: a tree of dicts, lists and scalars read from a file,
merged with its ``_base_`` files and command-line overrides. This package never
imports torch.
"""

__version__ = "0.1.0"
