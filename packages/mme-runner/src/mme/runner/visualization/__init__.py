"""Visualization: the global ``Visualizer``, its drawing API and its storage backends."""

from mme.runner.visualization.tensorboard_backend import TensorboardVisBackend
from mme.runner.visualization.vis_backend import BaseVisBackend, LocalVisBackend
from mme.runner.visualization.visualizer import Visualizer
from mme.runner.visualization.wandb_backend import WandbVisBackend

__all__ = [
    "BaseVisBackend",
    "LocalVisBackend",
    "TensorboardVisBackend",
    "Visualizer",
    "WandbVisBackend",
]
