"""`ConfigDict`: a dict whose keys can also be read and written as attributes."""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from addict import Dict

from mme.config._suggest import did_you_mean
from mme.config.lazy import LazyObject


def _items(d: Any) -> Any:
    """The stored `(key, value)` pairs of a dict, bypassing subclass overrides."""
    return dict.items(d)


def _values(d: Any) -> Any:
    """The stored values of a dict, bypassing subclass overrides."""
    return dict.values(d)


def _resolve(value: Any) -> Any:
    """Resolve lazy imports from pure-Python configs at the moment they are read."""
    resolve = getattr(value, "__mme_resolve__", None)
    return resolve() if resolve is not None else value


class ConfigDict(Dict):
    """A `dict` with attribute access; nested dicts become `ConfigDict` too.

    Unlike a plain `addict.Dict`, reading a missing key raises `KeyError` /
    `AttributeError` (with the closest existing keys suggested) instead of silently
    creating an empty dict. As in MMEngine, values that are `dict` or `OrderedDict`
    become `ConfigDict`; other dict subclasses (a `defaultdict`, a user's class) are
    kept as they are.

    Takes what `dict` takes (a mapping or `(key, value)` pairs, and keywords), any
    number of them, and, as addict does, a single `(key, value)` tuple.

    Examples:
        >>> cfg = ConfigDict(model=dict(type="ResNet", depth=50))
        >>> cfg.model.depth, cfg["model"]["type"]
        (50, 'ResNet')
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()  # addict's own bookkeeping, for an empty dict
        for arg in (*args, kwargs):
            if isinstance(arg, tuple) and arg and not isinstance(arg[0], tuple):
                arg = [arg]  # one (key, value) pair
            # dict() copies a ConfigDict's stored values: lazy imports stay unresolved.
            for key, value in dict(arg or ()).items():
                dict.__setitem__(self, key, self._hook(value))

    @classmethod
    def _hook(cls, item: Any) -> Any:
        """Convert nested `dict`s and `OrderedDict`s (also inside lists and tuples)."""
        if type(item) in (dict, OrderedDict):
            return cls(item)
        if type(item) is list:
            return [cls._hook(elem) for elem in item]
        if type(item) is tuple:
            return tuple(cls._hook(elem) for elem in item)
        return item

    def __missing__(self, name: Any) -> Any:
        raise KeyError(f"{name!r}: no such key in the config.{did_you_mean(name, self.keys())}")

    def __getattr__(self, name: str) -> Any:
        try:
            value: Any = dict.__getitem__(self, name)
        except KeyError:
            if name.startswith("__") and name.endswith("__"):
                raise AttributeError(name) from None
            raise AttributeError(
                f"'ConfigDict' object has no attribute {name!r}.{did_you_mean(name, self.keys())}"
            ) from None
        return _resolve(value)

    def __getitem__(self, name: Any) -> Any:
        return _resolve(dict.__getitem__(self, name))

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(type(self), name) and not isinstance(getattr(type(self), name, None), property):
            raise AttributeError(f"'ConfigDict' object attribute {name!r} is read-only")
        self[name] = value

    def __setitem__(self, name: Any, value: Any) -> None:
        dict.__setitem__(self, name, self._hook(value))

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(
                f"'ConfigDict' object has no attribute {name!r}.{did_you_mean(name, self.keys())}"
            ) from None

    def get(self, key: Any, default: Any = None) -> Any:
        """Return `self[key]` if present, else `default`."""
        if dict.__contains__(self, key):
            return _resolve(dict.__getitem__(self, key))
        return default

    def pop(self, key: Any, *default: Any) -> Any:
        """Remove `key` and return its value (or `default` when given and missing)."""
        return _resolve(dict.pop(self, key, *default))

    def values(self) -> Any:
        """The values, with lazy imports resolved."""
        return [_resolve(v) for v in _values(self)]

    def items(self) -> Any:
        """The `(key, value)` pairs, with lazy imports resolved."""
        return [(k, _resolve(v)) for k, v in _items(self)]

    def raw_items(self) -> Iterator[tuple[Any, Any]]:
        """The `(key, value)` pairs as stored (lazy imports left unresolved)."""
        return iter(_items(self))

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Merge `other` into this dict: nested dicts merge recursively, rest replaces."""
        other: dict[Any, Any] = {}
        for arg in args:
            other.update(arg)
        other.update(kwargs)
        for key, val in other.items():
            mine = dict.get(self, key)
            if isinstance(mine, ConfigDict) and isinstance(val, dict):
                mine.update(val)
            else:
                self[key] = val

    def to_dict(self) -> dict[Any, Any]:
        """A deep copy made of plain `dict`, `list` and `tuple`.

        Lazy imports become their dotted names (`'torch.optim.SGD'`), as in MMEngine.
        """
        return to_plain(self, lazy_as_names=True)

    def __copy__(self) -> ConfigDict:
        new = type(self)()
        for key, val in _items(self):
            dict.__setitem__(new, key, val)
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> ConfigDict:
        new = type(self)()
        memo[id(self)] = new
        for key, val in _items(self):
            dict.__setitem__(new, copy.deepcopy(key, memo), copy.deepcopy(val, memo))
        return new

    def copy(self) -> ConfigDict:
        """A shallow copy."""
        return self.__copy__()

    def __getstate__(self) -> dict[Any, Any]:
        return dict(_items(self))

    def __setstate__(self, state: dict[Any, Any]) -> None:
        for key, val in state.items():
            dict.__setitem__(self, key, val)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (type(self), (), self.__getstate__())

    def __repr__(self) -> str:
        return dict.__repr__(self)

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *(k for k in self if isinstance(k, str))]


def to_plain(value: Any, lazy_as_names: bool = False) -> Any:
    """A deep copy of `value` made of plain dicts, lists and tuples.

    Lazy imports are kept, or, with `lazy_as_names`, become their dotted names.
    """
    if isinstance(value, dict):
        return {k: to_plain(v, lazy_as_names) for k, v in dict.items(value)}
    if type(value) is list:
        return [to_plain(v, lazy_as_names) for v in value]
    if type(value) is tuple:
        return tuple(to_plain(v, lazy_as_names) for v in value)
    if lazy_as_names and isinstance(value, LazyObject):
        return value.dotted_name
    return value
