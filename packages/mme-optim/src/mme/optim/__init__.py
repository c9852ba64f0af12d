"""Optimizer wrappers, optimizer wrapper constructors and parameter schedulers."""

__version__ = "0.1.0"
