"""BaseDataElement: the container of predictions and annotations passed between model parts.

Two kinds of fields: *metainfo* (facts about the sample: image size, file name, scale
factor; set once, copied with the element) and *data* (tensors, arrays, lists: annotations and
predictions, moved by ``to``/``cpu``/``cuda`` and converted by ``numpy``/``to_tensor``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, TypeVar

import numpy as np
import torch

_T = TypeVar("_T", bound="BaseDataElement")
_PRIVATE = ("_metainfo_fields", "_data_fields")


class BaseDataElement:
    """A sample's annotations or predictions (data fields) with its meta information.

    Fields are attributes: ``element.gt_label = torch.tensor([1])`` adds a data field,
    ``set_metainfo(dict(img_shape=(4, 4)))`` adds metainfo. A name is either one or the
    other, never both. Dict-like access: ``keys``/``values``/``items`` (data),
    ``metainfo_keys``/... (metainfo), ``all_keys``/... (both), ``get``, ``pop``, ``in``.

    Args:
        metainfo: the meta information (deep-copied).
        **kwargs: the data fields.

    Examples:
        >>> sample = BaseDataElement(metainfo=dict(img_id=7), score=torch.tensor([0.9]))
        >>> sample.img_id, sample.keys(), sample.metainfo_keys()
        (7, ['score'], ['img_id'])
        >>> pred = sample.new(score=torch.tensor([0.1]))  # same metainfo, new data
        >>> pred.img_id, pred.score.tolist()
        (7, [0.10000000149011612])
    """

    def __init__(self, *, metainfo: dict[str, Any] | None = None, **kwargs: Any) -> None:
        # dicts used as ordered sets: fields keep the order they were set in
        self._metainfo_fields: dict[str, None] = {}
        self._data_fields: dict[str, None] = {}
        if metainfo is not None:
            self.set_metainfo(metainfo=metainfo)
        if kwargs:
            self.set_data(kwargs)

    # ------------------------------------------------------------------ setting
    def set_metainfo(self, metainfo: dict[str, Any]) -> None:
        """Add or replace metainfo fields (deep-copied)."""
        if not isinstance(metainfo, dict):
            raise TypeError(f"metainfo must be a dict, got {type(metainfo).__name__}: {metainfo!r}")
        for key, value in copy.deepcopy(metainfo).items():
            self.set_field(name=key, value=value, field_type="metainfo")

    def set_data(self, data: dict[str, Any]) -> None:
        """Add or replace data fields (with the checks of the subclass, e.g. lengths)."""
        if not isinstance(data, dict):
            raise TypeError(f"data must be a dict, got {type(data).__name__}: {data!r}")
        for key, value in data.items():
            setattr(self, key, value)

    def update(self, instance: BaseDataElement) -> None:
        """Add or replace the metainfo and data fields with those of ``instance``."""
        if not isinstance(instance, BaseDataElement):
            raise TypeError(f"update expects a BaseDataElement, got {type(instance).__name__}")
        self.set_metainfo(dict(instance.metainfo_items()))
        self.set_data(dict(instance.items()))

    def set_field(
        self,
        value: Any,
        name: str,
        dtype: type | tuple[type, ...] | None = None,
        field_type: str = "data",
    ) -> None:
        """Set field ``name`` of kind ``field_type`` (``'data'`` or ``'metainfo'``).

        Raises:
            TypeError: ``value`` is not an instance of ``dtype``.
            AttributeError: ``name`` is already a field of the other kind, or private.
        """
        if field_type not in ("metainfo", "data"):
            raise ValueError(f"field_type must be 'metainfo' or 'data', got {field_type!r}")
        if name in _PRIVATE:
            raise AttributeError(
                f"{name} is a private attribute of {type(self).__name__}; it cannot be a field."
            )
        if dtype is not None and not isinstance(value, dtype):
            raise TypeError(f"{name} must be of type {dtype}, got {type(value).__name__}")
        if field_type == "metainfo":
            if name in self._data_fields:
                raise AttributeError(
                    f"Cannot set {name!r} as a metainfo field: it is already a data field of "
                    f"this {type(self).__name__}."
                )
            self._metainfo_fields[name] = None
        else:
            if name in self._metainfo_fields:
                raise AttributeError(
                    f"Cannot set {name!r} as a data field: it is already a metainfo field of "
                    f"this {type(self).__name__} (metainfo is set with set_metainfo)."
                )
            self._data_fields[name] = None
        object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _PRIVATE:
            if name in self.__dict__:
                raise AttributeError(
                    f"{name} is a private attribute of {type(self).__name__}; it is immutable."
                )
            object.__setattr__(self, name, value)
        else:
            self.set_field(name=name, value=value, field_type="data")

    def __setitem__(self, name: str, value: Any) -> None:
        if not isinstance(name, str):
            raise TypeError(f"field names are str, got {type(name).__name__}: {name!r}")
        setattr(self, name, value)

    def __delattr__(self, item: str) -> None:
        if item in _PRIVATE:
            raise AttributeError(
                f"{item} is a private attribute of {type(self).__name__}; it cannot be deleted."
            )
        object.__delattr__(self, item)
        self._metainfo_fields.pop(item, None)
        self._data_fields.pop(item, None)

    __delitem__ = __delattr__

    # ------------------------------------------------------------------ copies
    def new(self: _T, *, metainfo: dict[str, Any] | None = None, **kwargs: Any) -> _T:
        """An element of the same class: ``metainfo`` (default: this one's) and ``kwargs``
        (default: this one's data fields, shared, not copied)."""
        new_data = self.__class__()
        new_data.set_metainfo(dict(self.metainfo_items()) if metainfo is None else metainfo)
        new_data.set_data(kwargs if kwargs else dict(self.items()))
        return new_data

    def clone(self: _T) -> _T:
        """A deep copy: tensors are cloned (with their autograd history), the rest deep-copied."""
        clone_data = self.__class__()
        clone_data.set_metainfo(dict(self.metainfo_items()))
        clone_data.set_data({key: _deep_copy(value) for key, value in self.items()})
        return clone_data

    # ------------------------------------------------------------------ dict-like access
    def keys(self) -> list[str]:
        """The names of the data fields (properties' private backing fields excluded)."""
        private = {
            "_" + key
            for key in self._data_fields
            if isinstance(getattr(type(self), key, None), property)
        }
        return [key for key in self._data_fields if key not in private]

    def metainfo_keys(self) -> list[str]:
        """The names of the metainfo fields."""
        return list(self._metainfo_fields)

    def values(self) -> list[Any]:
        """The values of the data fields, in the order of `keys`."""
        return [getattr(self, key) for key in self.keys()]

    def metainfo_values(self) -> list[Any]:
        """The values of the metainfo fields."""
        return [getattr(self, key) for key in self.metainfo_keys()]

    def all_keys(self) -> list[str]:
        """Metainfo then data field names."""
        return self.metainfo_keys() + self.keys()

    def all_values(self) -> list[Any]:
        """Metainfo then data field values."""
        return self.metainfo_values() + self.values()

    def all_items(self) -> Iterator[tuple[str, Any]]:
        """``(name, value)`` of metainfo then data fields."""
        for key in self.all_keys():
            yield key, getattr(self, key)

    def items(self) -> Iterator[tuple[str, Any]]:
        """``(name, value)`` of the data fields."""
        for key in self.keys():
            yield key, getattr(self, key)

    def metainfo_items(self) -> Iterator[tuple[str, Any]]:
        """``(name, value)`` of the metainfo fields."""
        for key in self.metainfo_keys():
            yield key, getattr(self, key)

    @property
    def metainfo(self) -> dict[str, Any]:
        """The metainfo fields as a dict."""
        return dict(self.metainfo_items())

    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key``, or ``default``."""
        return getattr(self, key, default)

    def pop(self, *args: Any) -> Any:
        """Remove field ``args[0]`` and return its value (or ``args[1]`` if there is none).

        Raises:
            KeyError: the field does not exist and no default was given.
        """
        if not 1 <= len(args) <= 2:
            raise TypeError(f"pop expected 1 or 2 arguments, got {len(args)}")
        name = args[0]
        if name in self._metainfo_fields:
            del self._metainfo_fields[name]
            return self.__dict__.pop(name)
        if name in self._data_fields:
            del self._data_fields[name]
            return self.__dict__.pop(name)
        if len(args) == 2:
            return args[1]
        raise KeyError(
            f"{name!r} is not a metainfo or data field of this "
            f"{type(self).__name__} (fields: {self.all_keys()})"
        )

    def __contains__(self, item: object) -> bool:
        return item in self._data_fields or item in self._metainfo_fields

    # ------------------------------------------------------------------ conversions
    def _map(self: _T, convert: Any) -> _T:
        new_data = self.new()
        for key, value in self.items():
            converted = convert(value)
            if converted is not value:
                new_data.set_data({key: converted})
        return new_data

    def to(self: _T, *args: Any, **kwargs: Any) -> _T:
        """A new element with every data value that has ``.to`` moved/cast with these arguments."""
        return self._map(lambda v: v.to(*args, **kwargs) if hasattr(v, "to") else v)

    def cpu(self: _T) -> _T:
        """A new element with tensors (and nested elements) on the CPU."""
        return self._map(lambda v: v.cpu() if isinstance(v, (torch.Tensor, BaseDataElement)) else v)

    def cuda(self: _T) -> _T:
        """A new element with tensors (and nested elements) on the current GPU."""
        return self._map(
            lambda v: v.cuda() if isinstance(v, (torch.Tensor, BaseDataElement)) else v
        )

    def npu(self: _T) -> _T:
        """A new element with tensors (and nested elements) on the current NPU."""

        def convert(value: Any) -> Any:
            if isinstance(value, torch.Tensor):
                return value.to("npu")
            return value.npu() if isinstance(value, BaseDataElement) else value

        return self._map(convert)

    def detach(self: _T) -> _T:
        """A new element with tensors detached from autograd."""
        return self._map(
            lambda v: v.detach() if isinstance(v, (torch.Tensor, BaseDataElement)) else v
        )

    def numpy(self: _T) -> _T:
        """A new element with tensors turned into numpy arrays (detached, on the CPU)."""

        def convert(value: Any) -> Any:
            if isinstance(value, torch.Tensor):
                return value.detach().cpu().numpy()
            if isinstance(value, BaseDataElement):
                return value.numpy()
            return value

        return self._map(convert)

    def to_tensor(self: _T) -> _T:
        """A new element with numpy arrays turned into tensors."""

        def convert(value: Any) -> Any:
            if isinstance(value, np.ndarray):
                return torch.from_numpy(value)
            if isinstance(value, BaseDataElement):
                return value.to_tensor()
            return value

        return self._map(convert)

    def to_dict(self) -> dict[str, Any]:
        """Metainfo and data fields in one plain dict (nested elements as dicts too)."""
        return {
            key: value.to_dict() if isinstance(value, BaseDataElement) else value
            for key, value in self.all_items()
        }

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        return _dump(self)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, BaseDataElement):
        return value.clone()
    return copy.deepcopy(value)


def _indent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    return "\n".join([lines[0], *[" " * spaces + line for line in lines[1:]]])


def _dump(obj: Any) -> str:
    if isinstance(obj, BaseDataElement):
        meta = "".join(f"\n    {k}: {_indent(_dump(v), 4)}" for k, v in obj.metainfo_items())
        data = "".join(f"\n    {k}: {_indent(_dump(v), 4)}" for k, v in obj.items())
        name = type(obj).__name__
        return (
            f"<{name}(\n\n    META INFORMATION{meta}\n\n    DATA FIELDS{data}\n) at {hex(id(obj))}>"
        )
    return repr(obj)
