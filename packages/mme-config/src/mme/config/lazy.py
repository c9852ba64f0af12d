"""Lazy imports for pure-Python configs: ``from torch.optim import SGD`` without torch.

In a Python config, ``import`` statements of third-party modules do not run while
the config is parsed. Each imported name is bound to a `LazyObject` that
records where the object lives; it is imported the first time a value is read from
a ``ConfigDict`` (or when it is called). Parsing a config therefore never imports
torch, however many classes the config names.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from typing import Any


class LazyObject:
    """A reference to ``module`` (and optionally attributes of it), imported on use.

    Args:
        module: The dotted module name, e.g. ``"torch.optim"``.
        attrs: Attribute names looked up on the module, e.g. ``("SGD",)``.
    """

    __slots__ = ("_attrs", "_module")
    _module: str
    _attrs: tuple[str, ...]

    def __init__(self, module: str, attrs: tuple[str, ...] = ()) -> None:
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_attrs", tuple(attrs))

    @property
    def module(self) -> str:
        """The module the object is imported from."""
        return self._module

    @property
    def attrs(self) -> tuple[str, ...]:
        """The attribute path inside the module."""
        return self._attrs

    @property
    def dotted_name(self) -> str:
        """``module.attr1.attr2``: the full name of the referenced object."""
        return ".".join((self._module, *self._attrs))

    def resolve(self) -> Any:
        """Import the module and return the referenced object.

        Raises:
            ImportError: The module or one of the attributes does not exist.
        """
        try:
            obj: Any = importlib.import_module(self._module)
        except ImportError as err:
            raise ImportError(
                f"cannot import {self._module!r} needed by config value {self.dotted_name!r}: {err}"
            ) from err
        for attr in self._attrs:
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                name = f"{getattr(obj, '__name__', '')}.{attr}"
                try:
                    obj = importlib.import_module(name)
                except ImportError:
                    raise ImportError(
                        f"cannot import {attr!r} from {getattr(obj, '__name__', obj)!r} "
                        f"(config value {self.dotted_name!r})"
                    ) from None
        return obj

    __mme_resolve__ = resolve

    def __getattr__(self, name: str) -> LazyObject:
        if name.startswith("__"):
            raise AttributeError(name)
        return LazyObject(self._module, (*self._attrs, name))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot set {name!r} on lazy import {self.dotted_name!r}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LazyObject):
            return NotImplemented
        return (self._module, self._attrs) == (other._module, other._attrs)

    def __hash__(self) -> int:
        return hash((self._module, self._attrs))

    def __repr__(self) -> str:
        return f"<lazy {self.dotted_name}>"

    def __copy__(self) -> LazyObject:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyObject:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (LazyObject, (self._module, self._attrs))


@contextlib.contextmanager
def read_base() -> Iterator[None]:
    """Mark the imports of base configs in a pure-Python config.

    Example (in `configs/resnet50_lr0.01.py`):

    ```python
    from mme.config import read_base

    with read_base():
        from .optimizer_cfg import *

    optimizer.update(lr=0.01)
    ```

    ``Config.fromfile`` reads the relative imports inside this block as base config
    files (``.optimizer_cfg`` -> ``optimizer_cfg.py`` next to the config); running the
    block outside ``Config.fromfile`` does nothing.
    """
    yield
