"""Visualization: the global ``Visualizer`` and its storage backends."""

from mme.runner.visualization.vis_backend import BaseVisBackend, LocalVisBackend
from mme.runner.visualization.visualizer import Visualizer

__all__ = ["BaseVisBackend", "LocalVisBackend", "Visualizer"]
