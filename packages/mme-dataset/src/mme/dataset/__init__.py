"""Datasets, dataset wrappers, samplers, transforms and collate functions."""

__version__ = "0.1.0"
