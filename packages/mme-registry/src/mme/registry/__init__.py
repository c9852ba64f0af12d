"""Registries: build objects from configs by name, with scopes and lazy locations.

This package never imports torch.
"""

__version__ = "0.1.0"
