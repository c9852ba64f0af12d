"""The Runner: training loops, hooks, models, evaluators, checkpoints, visualization."""

__version__ = "0.1.0"
