"""Evaluator: runs one or more metrics and merges their results."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from mme.registry import EVALUATOR, METRICS
from mme.runner.evaluator.metric import BaseMetric
from mme.runner.structures import BaseDataElement


@EVALUATOR.register_module()
class Evaluator:
    """The metrics of a validation or test loop.

    Args:
        metrics: a metric, a config dict built by ``METRICS``, or a list of them.

    Examples:
        >>> class Count(BaseMetric):
        ...     def process(self, data_batch, data_samples):
        ...         self.results.extend(data_samples)
        ...     def compute_metrics(self, results):
        ...         return dict(count=len(results))
        >>> Evaluator(Count()).offline_evaluate([1, 2, 3])
        {'count': 3}
    """

    def __init__(
        self, metrics: BaseMetric | dict[str, Any] | Sequence[BaseMetric | dict[str, Any]]
    ) -> None:
        self._dataset_meta: dict[str, Any] | None = None
        items = list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
        self.metrics: list[BaseMetric] = []
        for index, metric in enumerate(items):
            built = METRICS.build(metric) if isinstance(metric, dict) else metric
            if not isinstance(built, BaseMetric):
                raise TypeError(
                    f"Evaluator: metric {index} must be a BaseMetric or a config dict, got "
                    f"{type(built).__name__}: {built!r}"
                )
            self.metrics.append(built)

    @property
    def dataset_meta(self) -> dict[str, Any] | None:
        """The dataset's meta information, passed on to every metric."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict[str, Any] | None) -> None:
        self._dataset_meta = dataset_meta
        for metric in self.metrics:
            metric.dataset_meta = dataset_meta

    def process(self, data_samples: Sequence[Any], data_batch: Any = None) -> None:
        """Give one batch of predictions (data elements become dicts) to every metric."""
        samples = [s.to_dict() if isinstance(s, BaseDataElement) else s for s in data_samples]
        for metric in self.metrics:
            metric.process(data_batch, samples)

    def evaluate(self, size: int) -> dict[str, Any]:
        """Every metric's results over the dataset of ``size`` samples, in one dict.

        Raises:
            ValueError: two metrics return the same name (the message names both).
        """
        merged: dict[str, Any] = {}
        owner: dict[str, str] = {}
        for metric in self.metrics:
            name = type(metric).__name__
            for key, value in metric.evaluate(size).items():
                if key in merged:
                    raise ValueError(
                        f"The metrics {owner[key]} and {name} both return {key!r}. Give them "
                        "different prefixes, e.g. prefix='val' in one metric's config."
                    )
                merged[key] = value
                owner[key] = name
        return merged

    def offline_evaluate(
        self, data_samples: Sequence[Any], data: Sequence[Any] | None = None, chunk_size: int = 1
    ) -> dict[str, Any]:
        """Evaluate saved predictions (and optionally their inputs) without a model.

        Args:
            data_samples: all predictions.
            data: the matching inputs, as long as ``data_samples``.
            chunk_size: the number of samples passed to ``process`` at a time.
        """
        if data is not None and len(data) != len(data_samples):
            raise ValueError(
                f"offline_evaluate: data has {len(data)} items "
                f"but data_samples has {len(data_samples)}."
            )
        if not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(
                f"offline_evaluate: chunk_size must be a positive int, got {chunk_size!r}."
            )
        size = 0
        data_chunks = _chunks(data, chunk_size) if data is not None else None
        for outputs in _chunks(data_samples, chunk_size):
            size += len(outputs)
            self.process(outputs, next(data_chunks) if data_chunks is not None else None)
        return self.evaluate(size)


def _chunks(seq: Sequence[Any], chunk_size: int) -> Iterator[list[Any]]:
    items = list(seq)
    for start in range(0, len(items), chunk_size):
        yield items[start : start + chunk_size]
