"""Evaluation (``mmengine.evaluator``): metrics, the Evaluator that runs them, DumpResults.

A metric's ``process`` accumulates per-batch results; ``evaluate(size)`` gathers them from
every rank in dataset order (dropping the sampler's padding), computes on rank 0 and
broadcasts the metrics to every rank.
"""

from mme.runner.evaluator.evaluator import Evaluator
from mme.runner.evaluator.metric import BaseMetric, DumpResults
from mme.runner.evaluator.utils import get_metric_value

__all__ = ["BaseMetric", "DumpResults", "Evaluator", "get_metric_value"]
