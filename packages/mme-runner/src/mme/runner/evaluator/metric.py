"""BaseMetric: accumulate per-batch results, compute metrics from all ranks' results on rank 0."""

from __future__ import annotations

import logging
import os
from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from typing import Any

import torch

from mme.dist import (
    all_gather_object,
    broadcast_object_list,
    collect_results,
    get_world_size,
    is_main_process,
)
from mme.registry import METRICS
from mme.runner.structures import BaseDataElement

_logger = logging.getLogger("mme.runner.evaluator")
COLLECT_DEVICES = ("cpu", "gpu")


class BaseMetric(metaclass=ABCMeta):
    """Base class of metrics: ``process`` each batch, ``compute_metrics`` once at the end.

    ``process(data_batch, data_samples)`` appends what the metric needs to ``self.results``
    (one entry per sample lets the padding of a distributed sampler be dropped exactly).
    ``evaluate(size)`` gathers the results of every rank on rank 0 in dataset order, keeps the
    first ``size``, calls ``compute_metrics`` there only, broadcasts the metrics to every rank,
    and clears ``self.results``.

    Args:
        collect_device: ``'cpu'`` (gather through a gloo group, or files with
            ``collect_dir``) or ``'gpu'`` (through the default group, e.g. nccl).
        prefix: put before every metric name, ``'prefix/name'``; default
            `default_prefix`.
        collect_dir: a directory every rank can reach, to gather through files (cpu only).
    """

    #: The prefix used when ``prefix`` is not given (``None``: no prefix).
    default_prefix: str | None = None

    def __init__(
        self,
        collect_device: str = "cpu",
        prefix: str | None = None,
        collect_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if collect_device not in COLLECT_DEVICES:
            raise ValueError(
                f"{type(self).__name__}: collect_device must "
                f"be 'cpu' or 'gpu', got {collect_device!r}."
            )
        if collect_dir is not None and collect_device != "cpu":
            raise ValueError(
                f"{type(self).__name__}: collect_dir is only used with collect_device='cpu', "
                f"got collect_device={collect_device!r}."
            )
        self._dataset_meta: dict[str, Any] | None = None
        self.collect_device = collect_device
        self.collect_dir = collect_dir
        self.results: list[Any] = []
        self.prefix = prefix or self.default_prefix

    @property
    def dataset_meta(self) -> dict[str, Any] | None:
        """The meta information of the dataset (class names...), set by the Evaluator."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict[str, Any] | None) -> None:
        self._dataset_meta = dataset_meta

    @abstractmethod
    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Append the results of one batch to ``self.results``."""

    @abstractmethod
    def compute_metrics(self, results: list[Any]) -> dict[str, Any]:
        """The metrics (name -> value) from the results of the whole dataset."""

    def evaluate(self, size: int) -> dict[str, Any]:
        """The metrics of the whole dataset of ``size`` samples, on every rank."""
        name = type(self).__name__
        if not self.results:
            _logger.warning(
                "%s got empty `self.results` at evaluate(): process() appended nothing. Make "
                "sure process() adds the results of each batch to self.results (and that the "
                "evaluation loop ran at least one batch on this rank).",
                name,
            )
        kept = self._collect(size)
        metrics: list[Any] = [None]
        if is_main_process():
            assert kept is not None
            computed = self.compute_metrics(_to_cpu(kept))
            if not isinstance(computed, dict):
                raise TypeError(
                    f"{name}.compute_metrics must return a dict, got {type(computed).__name__}"
                )
            if self.prefix:
                computed = {f"{self.prefix}/{key}": value for key, value in computed.items()}
            metrics = [computed]
        broadcast_object_list(metrics)
        self.results.clear()
        return metrics[0]

    def _collect(self, size: int) -> list[Any] | None:
        world_size = get_world_size()
        if world_size == 1:
            return list(self.results[:size])
        # Results are normally one per sample; a metric that stores one per batch has fewer
        # than ``size`` (then nothing can be dropped, and the padding is counted).
        total = sum(all_gather_object(len(self.results)))
        padding = -size % world_size
        if total < size and padding:
            _logger.warning(
                "%s: %d results for a dataset of %d samples on %d ranks: the results are not "
                "one per sample, so the %d sample(s) the sampler repeats to even out the ranks "
                "are counted too. Append one result per sample in process() to count every "
                "sample once.",
                type(self).__name__,
                total,
                size,
                world_size,
                padding,
            )
        tmpdir = self.collect_dir if self.collect_device == "cpu" else None
        return collect_results(self.results, min(size, total), self.collect_device, tmpdir)


def _to_cpu(data: Any) -> Any:
    """``data`` with every tensor and data element moved to the CPU."""
    if isinstance(data, (torch.Tensor, BaseDataElement)):
        return data.cpu()
    if isinstance(data, list):
        return [_to_cpu(item) for item in data]
    if isinstance(data, tuple):
        return tuple(_to_cpu(item) for item in data)
    if isinstance(data, dict):
        return {key: _to_cpu(value) for key, value in data.items()}
    return data


@METRICS.register_module()
class DumpResults(BaseMetric):
    """Save the model's predictions to a pickle file instead of computing metrics.

    Args:
        out_file_path: the ``.pkl``/``.pickle`` file to write (any ``mme.fileio`` path).
        collect_device: see ``BaseMetric``.
        collect_dir: see ``BaseMetric``.
    """

    def __init__(
        self,
        out_file_path: str,
        collect_device: str = "cpu",
        collect_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(collect_device=collect_device, collect_dir=collect_dir)
        if not str(out_file_path).endswith((".pkl", ".pickle")):
            raise ValueError(
                f"DumpResults: out_file_path must be a .pkl or .pickle file, got {out_file_path!r}."
            )
        self.out_file_path = out_file_path

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep the predictions (on the CPU)."""
        self.results.extend(_to_cpu(list(data_samples)))

    def compute_metrics(self, results: list[Any]) -> dict[str, Any]:
        """Write ``results`` to the file; no metric."""
        from mme.fileio import dump  # imported on use: fsspec is slow to import

        dump(results, self.out_file_path)
        _logger.info("Results have been saved to %s.", self.out_file_path)
        return {}
