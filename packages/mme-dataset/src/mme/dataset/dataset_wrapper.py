"""Dataset wrappers: ``ConcatDataset``, ``RepeatDataset``, ``ClassBalancedDataset``.

They take datasets as instances or as ``DATASETS`` config dicts, keep the wrapped
dataset's meta information, support ``lazy_init`` (``full_init`` runs once, on first use
at the latest) and keep their index tables in NumPy arrays, which DataLoader workers share
with the main process instead of copying.
"""

from __future__ import annotations

import abc
import bisect
import copy
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from torch.utils.data import Dataset

from mme.dataset._notes import add_note
from mme.dataset.base_dataset import BaseDataset, force_full_init
from mme.logging import print_log
from mme.registry import DATASETS


def _build(dataset: Any) -> Any:
    """A dataset from a config dict, or the dataset itself."""
    if isinstance(dataset, Mapping):
        return DATASETS.build(dict(dataset))
    if isinstance(dataset, (BaseDataset, _Wrapper)):
        return dataset
    raise TypeError(
        "elements in datasets sequence should be config or "
        f"`BaseDataset` instance, but got {type(dataset)}"
    )


def _metainfo_of(dataset: Any) -> dict[str, Any]:
    metainfo = getattr(dataset, "metainfo", None)
    return dict(metainfo) if isinstance(metainfo, Mapping) else {}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # comparisons that do not give one bool
        return a is b


class _Wrapper(Dataset[Any], abc.ABC):
    """What the three wrappers share: meta information, lazy init, no subsets."""

    _fully_initialized: bool = False
    _metainfo: dict[str, Any]

    @property
    def metainfo(self) -> dict[str, Any]:
        """A copy of the meta information."""
        return copy.deepcopy(self._metainfo)

    @abc.abstractmethod
    def full_init(self) -> None:
        """Fully initialise the wrapped dataset(s) and the index table (once)."""

    @abc.abstractmethod
    def _index(self, idx: int) -> tuple[Any, int]:
        """The dataset that holds sample ``idx`` and the sample's index in it."""

    @force_full_init
    def get_data_info(self, idx: int) -> dict[str, Any]:
        """The data info of sample ``idx`` of the wrapped dataset(s)."""
        dataset, index = self._index(idx)
        info: dict[str, Any] = dataset.get_data_info(index)
        return info

    @force_full_init
    def get_cat_ids(self, idx: int) -> list[int]:
        """The category ids of sample ``idx`` (from the wrapped dataset's ``get_cat_ids``),
        so that wrappers can be wrapped by ``ClassBalancedDataset``."""
        dataset, index = self._index(idx)
        ids: list[int] = dataset.get_cat_ids(index)
        return ids

    def __getitem__(self, idx: int) -> Any:
        if not self._fully_initialized:
            print_log(
                "Please call `full_init` method manually to accelerate the speed.",
                logger="current",
                level=logging.WARNING,
            )
            self.full_init()
        dataset, index = self._index(idx)
        return dataset[index]

    def _out_of_range(self, idx: int, size: int) -> IndexError:
        return IndexError(
            f"{type(self).__name__}: index {idx} is out of range for a dataset of {size} samples"
        )

    def get_subset_(self, indices: int | Sequence[int]) -> None:
        """Not supported: take the subset of the wrapped dataset (its ``indices``)."""
        raise NotImplementedError(self._no_subset())

    def get_subset(self, indices: int | Sequence[int]) -> Any:
        """Not supported: take the subset of the wrapped dataset (its ``indices``)."""
        raise NotImplementedError(self._no_subset())

    def _no_subset(self) -> str:
        name = type(self).__name__
        return (
            f"`{name}` does not support `get_subset` and `get_subset_`: a subset of a wrapper "
            f"is ambiguous. Take the subset of the wrapped dataset first (its `indices` "
            f"argument or its `get_subset`), then wrap it with `{name}`."
        )


@DATASETS.register_module()
class ConcatDataset(_Wrapper):
    """The datasets one after the other.

    Args:
        datasets: Datasets or ``DATASETS`` config dicts.
        lazy_init: Defer ``full_init`` of the datasets to the first use.
        ignore_keys: Meta information keys that may differ between the datasets;
            all other keys must be equal. The meta information is the first dataset's.
    """

    def __init__(
        self,
        datasets: Sequence[BaseDataset | Mapping[str, Any]],
        lazy_init: bool = False,
        ignore_keys: str | list[str] | None = None,
    ) -> None:
        if isinstance(datasets, (Mapping, BaseDataset)) or not isinstance(datasets, Sequence):
            raise TypeError(
                f"ConcatDataset: datasets must be a list of datasets or config dicts, got "
                f"{type(datasets).__name__}"
            )
        self.datasets: list[Any] = [_build(dataset) for dataset in datasets]
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets is empty; give at least one dataset")
        if ignore_keys is None:
            self.ignore_keys: list[str] = []
        elif isinstance(ignore_keys, str):
            self.ignore_keys = [ignore_keys]
        elif isinstance(ignore_keys, list) and all(isinstance(k, str) for k in ignore_keys):
            self.ignore_keys = list(ignore_keys)
        else:
            raise TypeError(f"ignore_keys should be a list or str, but got {type(ignore_keys)}")
        self._metainfo = _metainfo_of(self.datasets[0])
        self._check_metainfo()
        self.cumulative_sizes: list[int] = []
        if not lazy_init:
            self.full_init()

    def _check_metainfo(self) -> None:
        metainfos = [_metainfo_of(dataset) for dataset in self.datasets]
        keys = sorted({key for metainfo in metainfos for key in metainfo} - set(self.ignore_keys))
        first = metainfos[0]
        for i, metainfo in enumerate(metainfos):
            for key in keys:
                if key not in metainfo or key not in first:
                    where = i if key not in metainfo else 0
                    raise ValueError(
                        f"ConcatDataset: the meta information of dataset {where} "
                        f"({type(self.datasets[where]).__name__}) has no {key!r}, which the other "
                        f"datasets have; add {key!r} to ignore_keys if that is intended"
                    )
                if not _same(first[key], metainfo[key]):
                    raise ValueError(
                        f"ConcatDataset: the meta information {key!r} of dataset {i} "
                        f"({type(self.datasets[i]).__name__}), {metainfo[key]!r}, differs from "
                        f"that of dataset 0, {first[key]!r}; concatenated datasets must agree, "
                        f"or pass ignore_keys=[{key!r}]"
                    )

    def full_init(self) -> None:
        """Fully initialise every dataset and compute the cumulative sizes (once)."""
        if self._fully_initialized:
            return
        total = 0
        sizes = []
        for dataset in self.datasets:
            if hasattr(dataset, "full_init"):
                dataset.full_init()
            total += len(dataset)
            sizes.append(total)
        self.cumulative_sizes = sizes
        self._fully_initialized = True

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> tuple[int, int]:
        """``(dataset index, sample index in it)`` of global index ``idx``."""
        size = self.cumulative_sizes[-1]
        if idx < 0:
            idx += size
        if not 0 <= idx < size:
            raise self._out_of_range(idx if idx >= size else idx - size, size)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        return which, idx - (self.cumulative_sizes[which - 1] if which else 0)

    def _index(self, idx: int) -> tuple[Any, int]:
        which, index = self._get_ori_dataset_idx(idx)
        return self.datasets[which], index

    @force_full_init
    def __len__(self) -> int:
        return self.cumulative_sizes[-1]


@DATASETS.register_module()
class RepeatDataset(_Wrapper):
    """The dataset ``times`` times over (fewer epoch boundaries for small datasets).

    Args:
        dataset: A dataset or a ``DATASETS`` config dict.
        times: How many times to repeat it.
        lazy_init: Defer ``full_init`` to the first use.
    """

    def __init__(
        self, dataset: BaseDataset | Mapping[str, Any], times: int, lazy_init: bool = False
    ) -> None:
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise TypeError(f"RepeatDataset: times must be an int >= 1, got {times!r}")
        self.dataset = _build(dataset)
        self.times = times
        self._metainfo = _metainfo_of(self.dataset)
        self._ori_len = 0
        if not lazy_init:
            self.full_init()

    def full_init(self) -> None:
        """Fully initialise the wrapped dataset (once)."""
        if self._fully_initialized:
            return
        if hasattr(self.dataset, "full_init"):
            self.dataset.full_init()
        self._ori_len = len(self.dataset)
        self._fully_initialized = True

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> int:
        """The index in the wrapped dataset of index ``idx``."""
        size = self.times * self._ori_len
        if not -size <= idx < size:
            raise self._out_of_range(idx, size)
        return idx % self._ori_len

    def _index(self, idx: int) -> tuple[Any, int]:
        return self.dataset, self._get_ori_dataset_idx(idx)

    @force_full_init
    def __len__(self) -> int:
        return self.times * self._ori_len


@DATASETS.register_module()
class ClassBalancedDataset(_Wrapper):
    """Repeat samples of rare categories (repeat factor sampling, LVIS).

    The frequency ``f(c)`` of category ``c`` is the fraction of samples that contain it;
    its repeat factor is ``r(c) = max(1, sqrt(oversample_thr / f(c)))``; a sample is
    repeated ``ceil(max r(c) over its categories)`` times (once if it has none). The
    wrapped dataset must implement ``get_cat_ids(idx)``.

    Args:
        dataset: A dataset or a ``DATASETS`` config dict.
        oversample_thr: Categories rarer than this fraction are oversampled.
        lazy_init: Defer ``full_init`` to the first use.
    """

    def __init__(
        self,
        dataset: BaseDataset | Mapping[str, Any],
        oversample_thr: float,
        lazy_init: bool = False,
    ) -> None:
        if isinstance(oversample_thr, bool) or not isinstance(oversample_thr, (int, float)):
            raise TypeError(
                f"ClassBalancedDataset: oversample_thr must be a number, got {oversample_thr!r}"
            )
        self.dataset = _build(dataset)
        self.oversample_thr = float(oversample_thr)
        self._metainfo = _metainfo_of(self.dataset)
        self.repeat_indices = np.zeros(0, dtype=np.int64)
        if not lazy_init:
            self.full_init()

    def full_init(self) -> None:
        """Fully initialise the wrapped dataset and compute the repeated indices (once)."""
        if self._fully_initialized:
            return
        if hasattr(self.dataset, "full_init"):
            self.dataset.full_init()
        factors = self._get_repeat_factors(self.dataset, self.oversample_thr)
        counts = np.ceil(np.asarray(factors, dtype=np.float64)).astype(np.int64)
        self.repeat_indices = np.repeat(np.arange(len(factors), dtype=np.int64), counts)
        self._fully_initialized = True

    def _get_repeat_factors(self, dataset: Any, repeat_thr: float) -> list[float]:
        """The repeat factor of every sample of ``dataset``."""
        size = len(dataset)
        cat_ids: list[set[int]] = []
        for idx in range(size):
            try:
                ids = dataset.get_cat_ids(idx)
            except Exception as error:
                add_note(error, f"ClassBalancedDataset: calling get_cat_ids({idx}) failed")
                raise
            cat_ids.append(set(ids))
        frequency: dict[int, float] = {}
        for ids in cat_ids:
            for cat in ids:
                frequency[cat] = frequency.get(cat, 0.0) + 1.0
        repeat = {
            cat: max(1.0, math.sqrt(repeat_thr / (count / size)))
            for cat, count in frequency.items()
        }
        return [max((repeat[cat] for cat in ids), default=1.0) for ids in cat_ids]

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> int:
        """The index in the wrapped dataset of index ``idx``."""
        size = len(self.repeat_indices)
        if not -size <= idx < size:
            raise self._out_of_range(idx, size)
        return int(self.repeat_indices[idx])

    def _index(self, idx: int) -> tuple[Any, int]:
        return self.dataset, self._get_ori_dataset_idx(idx)

    @force_full_init
    def __len__(self) -> int:
        return len(self.repeat_indices)
