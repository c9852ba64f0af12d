"""``BaseDataset``: meta information, a data list and a pipeline.

The annotation file (json, yaml or pickle, anywhere mme.fileio reaches) holds a dict with
``metainfo`` and ``data_list``. Construction loads the meta information, joins
``data_root`` with ``ann_file`` and ``data_prefix`` and builds the pipeline; ``full_init``
(at construction, or on first use with ``lazy_init=True``) loads, filters, subsets and
serializes the data list.
"""

from __future__ import annotations

import copy
import functools
import logging
import operator
import os
import pickle
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import numpy as np
from torch.utils.data import Dataset

from mme import fileio
from mme.config import Config
from mme.dataset import _serialize
from mme.dataset._notes import add_note, did_you_mean
from mme.dataset.compose import Compose
from mme.logging import print_log

__all__ = ["BaseDataset", "Compose", "force_full_init"]

logger = logging.getLogger("mme.dataset")
_loads = pickle.loads

_F = TypeVar("_F", bound=Callable[..., Any])

_REQUIRED_KEYS = ("metainfo", "data_list")


def force_full_init(method: _F) -> _F:
    """Decorate a method so that it calls ``self.full_init()`` first when needed.

    The instance must have ``full_init``; ``self._fully_initialized`` tells whether it ran
    (it is set to True after the call).
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not getattr(self, "_fully_initialized", False):
            full_init = getattr(self, "full_init", None)
            if full_init is None:
                raise AttributeError(
                    f"{type(self).__name__}.{method.__name__} is decorated with "
                    f"force_full_init, but {type(self).__name__} has no full_init method"
                )
            logger.debug(
                "%s.%s calls full_init: the dataset was not fully initialized",
                type(self).__name__,
                method.__name__,
            )
            full_init()
            self._fully_initialized = True
        return method(self, *args, **kwargs)

    return cast(_F, wrapper)


def is_abs(path: str) -> bool:
    """Whether ``path`` is absolute: a local absolute path or a URI (``s3://...``)."""
    return "://" in path or os.path.isabs(path)


def _join(prefix: str, path: str) -> str:
    """``prefix`` joined with ``path``: ``/`` for URIs, the OS separator for local paths."""
    if "://" in prefix:
        return prefix + path if prefix.endswith("/") else f"{prefix}/{path}"
    return os.path.join(prefix, path)


def _check_indices(indices: Any, owner: str) -> None:
    if isinstance(indices, bool) or not (
        isinstance(indices, int)
        or (
            isinstance(indices, Sequence)
            and not isinstance(indices, (str, bytes))
            and all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in indices)
        )
    ):
        raise TypeError(
            f"{owner}: indices must be an int or a sequence of ints, got "
            f"{type(indices).__name__}: {indices!r}"
        )


class BaseDataset(Dataset[Any]):
    """The base class of datasets in the OpenMMLab 2.0 annotation format.

    Args:
        ann_file: The annotation file (json, yaml/yml or pickle/pkl), relative to
            ``data_root`` unless absolute or a URI.
        metainfo: Meta information (a dict or Config) that overrides, field by field,
            the class attribute ``METAINFO``, which overrides the annotation file's
            ``metainfo``. A string value that names an existing file is read as a list of
            lines (e.g. class names).
        data_root: The folder (or URI) that ``ann_file`` and ``data_prefix`` are relative to.
        data_prefix: Prefixes of the paths in the data infos, by key (``img_path=...``),
            joined with ``data_root`` and then with each data info's value of that key.
        filter_cfg: Settings for `filter_data` (no filtering by default).
        indices: Keep only these samples: an int ``n`` keeps the first ``n`` (the last
            ``-n`` if negative), a sequence keeps those indices.
        serialize_data: Keep the data list pickled in one NumPy buffer, shared by
            DataLoader workers instead of copied into each of them.
        pipeline: Transforms (callables or ``TRANSFORMS`` config dicts) applied to each
            data info by ``__getitem__``.
        test_mode: In test mode a pipeline that returns ``None`` is an error; otherwise
            another random sample is tried.
        lazy_init: Only load the meta information now; load the data list on first use
            (or by calling `full_init`).
        max_refetch: How many other samples to try when the pipeline returns ``None``.

    Examples:
        >>> class Toy(BaseDataset):
        ...     def load_data_list(self):
        ...         return [{"x": 1}, {"x": 2}]
        >>> dataset = Toy(pipeline=[lambda d: {**d, "y": d["x"] * 10}])
        >>> len(dataset), dataset[1]
        (2, {'x': 2, 'sample_idx': 1, 'y': 20})
    """

    METAINFO: dict[str, Any] = {}  # noqa: RUF012 (MMEngine's class attribute, read-only here)
    _fully_initialized: bool = False

    def __init__(
        self,
        ann_file: str | None = "",
        metainfo: Mapping[str, Any] | Config | None = None,
        data_root: str | None = "",
        data_prefix: Mapping[str, str] | None = None,
        filter_cfg: Mapping[str, Any] | None = None,
        indices: int | Sequence[int] | None = None,
        serialize_data: bool = True,
        pipeline: Sequence[Mapping[str, Any] | Callable[..., Any]] | None = None,
        test_mode: bool = False,
        lazy_init: bool = False,
        max_refetch: int = 1000,
    ) -> None:
        name = type(self).__name__
        self.ann_file = "" if ann_file is None else os.fspath(ann_file)
        self.data_root = "" if data_root is None else os.fspath(data_root)
        if data_prefix is None:
            data_prefix = {"img_path": ""}
        if not isinstance(data_prefix, Mapping):
            raise TypeError(
                f"{name}: data_prefix must be a dict such as dict(img_path='train/'), got "
                f"{type(data_prefix).__name__}"
            )
        self.data_prefix: dict[str, str] = dict(data_prefix)
        self.filter_cfg = copy.deepcopy(dict(filter_cfg)) if filter_cfg is not None else None
        if indices is not None:
            _check_indices(indices, name)
        self._indices = indices
        self.serialize_data = bool(serialize_data)
        self.test_mode = bool(test_mode)
        if isinstance(max_refetch, bool) or not isinstance(max_refetch, int) or max_refetch < 0:
            raise TypeError(f"{name}: max_refetch must be an int >= 0, got {max_refetch!r}")
        self.max_refetch = max_refetch
        self.data_list: list[dict[str, Any]] = []
        #: Memoryviews of the serialized buffers, the fast path of get_data_info (None
        #: until the data is serialized).
        self._views: tuple[memoryview, memoryview] | None = None
        self._data_bytes: np.ndarray = np.zeros(0, dtype=np.uint8)
        self._data_address: np.ndarray = np.zeros(0, dtype=np.int64)

        self._metainfo = self._load_metainfo(copy.deepcopy(metainfo))  # 1. meta information
        self._join_prefix()  # 2. paths
        self.pipeline = Compose(pipeline)  # 3. pipeline
        if not lazy_init:
            self.full_init()  # 4. data list

    # ------------------------------------------------------------------ initialisation
    @classmethod
    def _load_metainfo(cls, metainfo: Mapping[str, Any] | Config | None = None) -> dict[str, Any]:
        """``METAINFO`` overridden field by field by ``metainfo``."""
        merged = copy.deepcopy(cls.METAINFO)
        if metainfo is None:
            return merged
        if not isinstance(metainfo, (Mapping, Config)):
            raise TypeError(
                f"{cls.__name__}: metainfo must be a dict or a Config, got "
                f"{type(metainfo).__name__}: {metainfo!r}"
            )
        for key, value in metainfo.items():
            if isinstance(value, str) and value and _names_a_file(value):
                merged[key] = fileio.list_from_file(value)
            else:
                merged[key] = value
        return merged

    def _join_prefix(self) -> None:
        """Join ``data_root`` with ``ann_file`` and every ``data_prefix`` (unless absolute)."""
        if self.ann_file and self.data_root and not is_abs(self.ann_file):
            self.ann_file = fileio.join_path(self.data_root, self.ann_file)
        for key, prefix in self.data_prefix.items():
            if not isinstance(prefix, str):
                raise TypeError(
                    f"{type(self).__name__}: data_prefix[{key!r}] must be a str, got "
                    f"{type(prefix).__name__}: {prefix!r}"
                )
            if self.data_root and not is_abs(prefix):
                self.data_prefix[key] = fileio.join_path(self.data_root, prefix)

    def full_init(self) -> None:
        """Load the data list, filter it, take the ``indices`` subset, serialize it.

        Runs once; later calls return at once. With ``lazy_init=False`` the constructor
        calls it; otherwise the first ``len``, ``get_data_info``, ``[]`` or ``get_subset``
        does. Call it yourself before handing a lazy dataset to DataLoader workers, or
        every worker loads the annotation file again.
        """
        if self._fully_initialized:
            return
        name = type(self).__name__
        self.data_list = self._checked_list(self.load_data_list(), "load_data_list")
        self.data_list = self._checked_list(self.filter_data(), "filter_data")
        if self._indices is not None:
            self.data_list = [self.data_list[i] for i in self._positions(self._indices, name)]
        if self.serialize_data:
            self._data_bytes, self._data_address = _serialize.serialize(self.data_list)
            self.data_list = []
        _serialize.freeze_gc_in_forked_children()
        self._fully_initialized = True
        self._refresh_views()

    def _checked_list(self, data_list: Any, method: str) -> list[dict[str, Any]]:
        if not isinstance(data_list, list):
            raise TypeError(
                f"{type(self).__name__}.{method} must return a list of dicts, got "
                f"{type(data_list).__name__}"
            )
        for i, item in enumerate(data_list):
            if not isinstance(item, dict):
                raise TypeError(
                    f"{type(self).__name__}.{method} must return a list of dicts, but item "
                    f"{i} is a {type(item).__name__}: {item!r:.80}"
                )
        return data_list

    def load_data_list(self) -> list[dict[str, Any]]:
        """Read ``ann_file`` and parse each raw data info with `parse_data_info`.

        Override it for annotation files in another format; it must return a list of
        dicts, one per sample. The file's ``metainfo`` fills the fields that neither the
        ``metainfo`` argument nor ``METAINFO`` set.
        """
        name = type(self).__name__
        if not self.ann_file:
            raise ValueError(
                f"{name}: ann_file is empty. Pass ann_file= (an OpenMMLab 2.0 annotation "
                f"file) or override {name}.load_data_list to build the data list yourself"
            )
        try:
            annotations = fileio.load(self.ann_file)
        except FileNotFoundError as error:
            add_note(error, f"{name}: the annotation file ann_file={self.ann_file!r} is missing")
            raise
        if not isinstance(annotations, dict):
            raise TypeError(
                f"{name}: the annotation file {self.ann_file!r} must hold a dict with "
                f"'metainfo' and 'data_list', got a {type(annotations).__name__}"
            )
        for key in _REQUIRED_KEYS:
            if key not in annotations:
                hint = did_you_mean(key, [str(k) for k in annotations])
                raise ValueError(
                    f"{name}: the annotation file {self.ann_file!r} has no {key!r} key (it has "
                    f"{sorted(map(str, annotations))}); an OpenMMLab 2.0 annotation file needs "
                    f"'metainfo' and 'data_list'.{hint}"
                )
        file_metainfo, raw_list = annotations["metainfo"], annotations["data_list"]
        if not isinstance(file_metainfo, dict):
            raise TypeError(
                f"{name}: 'metainfo' of {self.ann_file!r} must be a dict, got "
                f"{type(file_metainfo).__name__}"
            )
        if not isinstance(raw_list, list):
            raise TypeError(
                f"{name}: 'data_list' of {self.ann_file!r} must be a list, got "
                f"{type(raw_list).__name__}"
            )
        for key, value in file_metainfo.items():
            self._metainfo.setdefault(key, value)

        data_list: list[dict[str, Any]] = []
        parse = self.parse_data_info
        for i, raw in enumerate(raw_list):
            try:
                info = parse(raw)
            except Exception as error:
                add_note(
                    error, f"{name}.parse_data_info failed on data_list[{i}] of {self.ann_file!r}"
                )
                raise
            if type(info) is dict:
                data_list.append(info)
            elif isinstance(info, list) and all(isinstance(item, dict) for item in info):
                data_list.extend(info)
            else:
                raise TypeError(
                    f"{name}.parse_data_info must return a dict or a list of dicts, got "
                    f"{_describe(info)} for data_list[{i}] of {self.ann_file!r}"
                )
        return data_list

    def parse_data_info(
        self, raw_data_info: dict[str, Any]
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """Turn one raw data info of the annotation file into one sample (or a list).

        The default joins each non-empty ``data_prefix`` with the value of its key.
        Override it to parse your format; ``self.data_prefix`` holds the prefixes.
        """
        if not isinstance(raw_data_info, dict):
            raise TypeError(f"a raw data info must be a dict, got {type(raw_data_info).__name__}")
        for key, prefix in self.data_prefix.items():
            if not prefix:
                continue
            if key not in raw_data_info:
                raise KeyError(
                    f"{type(self).__name__}: the data info has no {key!r} key, which "
                    f"data_prefix={self.data_prefix!r} joins to (keys: {sorted(raw_data_info)})"
                )
            raw_data_info[key] = _join(prefix, raw_data_info[key])
        return raw_data_info

    def filter_data(self) -> list[dict[str, Any]]:
        """The data list after filtering by ``self.filter_cfg``; the default keeps all.

        Override it (reading ``self.filter_cfg`` and ``self.data_list``) to drop samples.
        """
        return self.data_list

    # ------------------------------------------------------------------ access
    @property
    def metainfo(self) -> dict[str, Any]:
        """A copy of the meta information (changing it does not change the dataset)."""
        return copy.deepcopy(self._metainfo)

    @property
    def data_bytes(self) -> np.ndarray:
        """The pickled data infos, one after the other (uint8; with ``serialize_data``)."""
        return self._data_bytes

    @data_bytes.setter
    def data_bytes(self, value: np.ndarray) -> None:
        self._data_bytes = value
        self._refresh_views()

    @property
    def data_address(self) -> np.ndarray:
        """The end offset of each data info in `data_bytes` (int64)."""
        return self._data_address

    @data_address.setter
    def data_address(self, value: np.ndarray) -> None:
        self._data_address = value
        self._refresh_views()

    def _refresh_views(self) -> None:
        serialized = self.serialize_data and self._fully_initialized
        if serialized and len(self._data_bytes) >= (
            int(self._data_address[-1]) if len(self._data_address) else 0
        ):
            address = np.ascontiguousarray(self._data_address, dtype=np.int64)
            self._views = (memoryview(self._data_bytes.data), memoryview(address.data))
        else:
            self._views = None

    def _bad_index(self, idx: Any, size: int) -> Exception:
        if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)):
            return TypeError(
                f"{type(self).__name__}: an index must be an int, got {type(idx).__name__}: {idx!r}"
            )
        return IndexError(
            f"{type(self).__name__}: index {idx} is out of range for a dataset of {size} samples"
        )

    def get_data_info(self, idx: int) -> dict[str, Any]:
        """The data info of sample ``idx`` (a fresh dict), with its ``sample_idx``."""
        views = self._views
        if views is not None:  # serialized: the fast path
            data, ends = views
            try:
                end = ends[idx]
            except (IndexError, TypeError):
                raise self._bad_index(idx, len(ends)) from None
            if type(idx) is not int:  # NumPy or torch integers from a sampler
                idx = operator.index(idx)
            if idx < 0:
                idx += len(ends)
            info: dict[str, Any] = _loads(data[ends[idx - 1] if idx else 0 : end])
            info["sample_idx"] = idx
            return info
        if not self._fully_initialized:
            self.full_init()
            return self.get_data_info(idx)
        if self.serialize_data:  # an empty serialized dataset
            raise self._bad_index(idx, 0)
        try:
            info = copy.deepcopy(self.data_list[idx])
        except (IndexError, TypeError):
            raise self._bad_index(idx, len(self.data_list)) from None
        idx = operator.index(idx)
        info["sample_idx"] = idx if idx >= 0 else idx + len(self.data_list)
        return info

    def prepare_data(self, idx: int) -> Any:
        """Sample ``idx`` through the pipeline (``None`` if the pipeline rejects it)."""
        data_info = self.get_data_info(idx)
        pipeline = self.pipeline
        if type(pipeline) is Compose and not pipeline.transforms:
            return data_info
        try:
            return pipeline(data_info)
        except Exception as error:
            add_note(error, f"while preparing sample {idx} of {type(self).__name__}")
            raise

    def __getitem__(self, idx: int) -> Any:
        """Sample ``idx`` through the pipeline.

        When the pipeline returns ``None`` (a sample it cannot use), another random
        sample is tried, up to ``max_refetch`` times; in test mode that is an error.
        """
        if not self._fully_initialized:
            print_log(
                "Please call `full_init()` method manually to accelerate the speed.",
                logger="current",
                level=logging.WARNING,
            )
            self.full_init()
        data = self.prepare_data(idx)
        if data is not None:
            return data
        if self.test_mode:
            raise RuntimeError(
                f"{type(self).__name__}: the pipeline returned None for sample {idx} in test "
                "mode; a test pipeline must not drop samples"
            )
        for _ in range(self.max_refetch):
            data = self.prepare_data(self._rand_another())
            if data is not None:
                return data
        raise RuntimeError(
            f"{type(self).__name__}: the pipeline returned None for sample {idx} and for "
            f"{self.max_refetch} other random samples (max_refetch); check the pipeline and "
            "the data paths"
        )

    def _rand_another(self) -> int:
        """A random index (NumPy's global generator, which worker_init_fn seeds)."""
        return int(np.random.randint(0, len(self)))

    @force_full_init
    def __len__(self) -> int:
        """The number of samples (after filtering and ``indices``)."""
        return len(self.data_address) if self.serialize_data else len(self.data_list)

    def get_cat_ids(self, idx: int) -> list[int]:
        """The category ids of sample ``idx``; needed by ``ClassBalancedDataset``.

        Override it in datasets that have categories.
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not implement get_cat_ids(idx), which "
            "ClassBalancedDataset needs: return the category ids of sample idx as a list"
        )

    # ------------------------------------------------------------------ subsets
    def _positions(self, indices: int | Sequence[int], name: str) -> list[int]:
        """The non-negative positions that ``indices`` selects, checked against the length."""
        _check_indices(indices, name)
        serialized = self.serialize_data and self._fully_initialized
        size = len(self.data_address) if serialized else len(self.data_list)
        if isinstance(indices, int):
            if abs(indices) > size:
                raise IndexError(
                    f"{name}: indices={indices} asks for {abs(indices)} samples, but the "
                    f"dataset has only {size}"
                )
            return list(range(indices)) if indices >= 0 else list(range(size + indices, size))
        bad = [int(i) for i in indices if not -size <= i < size]
        if bad:
            raise IndexError(
                f"{name}: indices {bad[:5]} are out of range for a dataset of {size} samples"
            )
        return [int(i) % size if i < 0 else int(i) for i in indices]

    def _subset_data(self, indices: int | Sequence[int], copy_list: bool = False) -> None:
        """Keep only ``indices`` of the data (copying the data infos if ``copy_list``)."""
        positions = self._positions(indices, type(self).__name__)
        if not self.serialize_data:
            kept = [self.data_list[i] for i in positions]
            self.data_list = copy.deepcopy(kept) if copy_list else kept
        elif isinstance(indices, int):
            self._data_bytes, self._data_address = _serialize.prefix(
                self._data_bytes, self._data_address, indices
            )
        else:
            self._data_bytes, self._data_address = _serialize.subset(
                self._data_bytes, self._data_address, positions
            )
        self._refresh_views()

    @force_full_init
    def get_subset_(self, indices: int | Sequence[int]) -> None:
        """Keep only ``indices`` in place: an int ``n`` keeps the first ``n`` samples (the
        last ``-n`` if negative), a sequence keeps those samples in that order."""
        self._subset_data(indices)

    @force_full_init
    def get_subset(self, indices: int | Sequence[int]) -> BaseDataset:
        """A new dataset with only ``indices`` (see `get_subset_`); this one is unchanged."""
        subset = self._copy_without_annotation()
        subset.data_list = self.data_list
        subset._data_bytes = self._data_bytes
        subset._data_address = self._data_address
        subset._subset_data(indices, copy_list=True)  # new buffers or copied infos
        return subset

    def _copy_without_annotation(self) -> BaseDataset:
        """A deep copy of everything but the data (the data fields are left empty)."""
        other = type(self).__new__(type(self))
        memo: dict[int, Any] = {id(self): other}
        for key, value in self.__dict__.items():
            if key in ("data_list", "_data_bytes", "_data_address", "_views"):
                continue
            other.__dict__[key] = copy.deepcopy(value, memo)
        other.data_list = []
        other._data_bytes = np.zeros(0, dtype=np.uint8)
        other._data_address = np.zeros(0, dtype=np.int64)
        other._views = None
        return other

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_views"] = None  # memoryviews cannot be pickled (spawned workers)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._refresh_views()

    def __repr__(self) -> str:
        size = len(self) if self._fully_initialized else "not loaded (lazy_init)"
        return (
            f"{type(self).__name__}(ann_file={self.ann_file!r}, samples={size}, "
            f"metainfo keys={sorted(self._metainfo)}, serialize_data={self.serialize_data})"
        )


def _names_a_file(value: str) -> bool:
    try:
        return fileio.isfile(value)
    except Exception:  # not a path any backend understands: it is a plain string
        return False


def _describe(value: Any) -> str:
    if isinstance(value, list):
        kinds = sorted({type(item).__name__ for item in value if not isinstance(item, dict)})
        return f"a list with {', '.join(kinds)} items"
    return f"{type(value).__name__} {value!r:.60}"
