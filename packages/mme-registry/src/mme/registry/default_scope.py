"""`DefaultScope`: the scope that registry builds use when a config names none.

A `Runner` sets it from its `default_scope` argument (`'mmdet'`, say) so that
`type='RetinaNet'` is looked up in MMDet's registries first. A `_scope_` key in a
config switches it for the duration of one build, nested builds included.

The API matches MMEngine's `DefaultScope` (a `ManagerMixin`): named instances
created with `DefaultScope.get_instance` are process-wide, and the most recently
created one is current. It is not a `ManagerMixin` subclass here, because that class
lives in `mme.logging`, which `mme.registry` may not import, but it follows the same
named-instance protocol: the same methods, the same errors, and the
`__mme_named_instances__` marker by which registries build such classes with
`get_instance`. The temporary switch of `DefaultScope.overwrite_default_scope` is
kept in a `contextvars.ContextVar`, so a `_scope_` build in one thread or asyncio
task never changes the scope seen by another.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import ClassVar

_logger = logging.getLogger("mme.registry")

#: The scope switched to by `overwrite_default_scope` in this thread / task, if any.
_OVERRIDE: ContextVar[DefaultScope | None] = ContextVar("mme_default_scope_override", default=None)


@dataclass(frozen=True)
class DefaultScopeState:
    """What `DefaultScope.snapshot` saved: the instances, oldest first, and the current one."""

    instances: tuple[tuple[str, DefaultScope], ...]
    latest: DefaultScope | None


class DefaultScope:
    """A named holder of a scope name (`'mme'`, `'mmdet'`...).

    Args:
        name: The instance name, as passed to `get_instance`.
        scope_name: The scope registries should build from.

    Examples:
        >>> from mme.registry import DefaultScope
        >>> scope = DefaultScope.get_instance("my_task", scope_name="mmalpha")
        >>> DefaultScope.get_current_instance().scope_name
        'mmalpha'
    """

    _instances: ClassVar[dict[str, DefaultScope]] = {}
    _latest: ClassVar[DefaultScope | None] = None
    _lock: ClassVar[threading.RLock] = threading.RLock()
    #: The named-instance protocol of `mme.logging.ManagerMixin`: registries build
    #: classes with this marker through `get_instance`.
    __mme_named_instances__: ClassVar[bool] = True

    def __init__(self, name: str, scope_name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"DefaultScope name must be a str, got {type(name).__name__}: {name!r}")
        if not isinstance(scope_name, str) or not scope_name:
            raise TypeError(
                f"DefaultScope {name!r}: scope_name must be a non-empty str, "
                f"got {type(scope_name).__name__}: {scope_name!r}"
            )
        self._instance_name = name
        self._scope_name = scope_name

    @property
    def scope_name(self) -> str:
        """The scope that builds use by default."""
        return self._scope_name

    @property
    def instance_name(self) -> str:
        """The name this instance was created with."""
        return self._instance_name

    def __repr__(self) -> str:
        return f"DefaultScope(name={self._instance_name!r}, scope_name={self._scope_name!r})"

    @classmethod
    def get_instance(cls, name: str, **kwargs: str) -> DefaultScope:
        """Return the instance called `name`, creating it (and making it current) if new.

        Args:
            name: The instance name.
            **kwargs: `scope_name=...`, required for a new name and refused for an
                existing one (it would be ignored), as for every `ManagerMixin`.

        Raises:
            TypeError: `name` is new and `scope_name` is missing or not a str.
            ValueError: `name` exists already and arguments were given.
        """
        if not isinstance(name, str):
            raise TypeError(
                f"DefaultScope.get_instance: the instance name must be a str, got "
                f"{type(name).__name__} {name!r}"
            )
        with cls._lock:
            instance = cls._instances.get(name)
            if instance is None:
                if "scope_name" not in kwargs:
                    raise TypeError(
                        f"DefaultScope {name!r} does not exist yet: "
                        f"create it with DefaultScope.get_instance({name!r}, scope_name=...)"
                    )
                instance = cls(name=name, **kwargs)
                cls._instances[name] = instance
                cls._latest = instance
                return instance
        if kwargs:
            raise ValueError(
                f"DefaultScope instance {name!r} already exists, so get_instance({name!r}) "
                f"cannot accept construction arguments (got: {', '.join(sorted(kwargs))}). "
                f"Call DefaultScope.get_instance({name!r}) without them to reuse it, or "
                "choose a new name."
            )
        return instance

    @classmethod
    def get_current_instance(cls) -> DefaultScope | None:
        """The scope in effect here: a `_scope_` switch of this context, else the latest
        instance created, else `None`."""
        override = _OVERRIDE.get()
        return override if override is not None else cls._latest

    @classmethod
    def check_instance_created(cls, name: str) -> bool:
        """Whether an instance called `name` exists."""
        return name in cls._instances

    @classmethod
    def instance_names(cls) -> list[str]:
        """The names of the instances, oldest first."""
        with cls._lock:
            return list(cls._instances)

    @classmethod
    def snapshot(cls) -> DefaultScopeState:
        """Save the instances and the current one (for tests; see `restore`)."""
        with cls._lock:
            return DefaultScopeState(tuple(cls._instances.items()), cls._latest)

    @classmethod
    def restore(cls, state: DefaultScopeState | None = None) -> None:
        """Put back what `snapshot` saved; `None` forgets every instance."""
        with cls._lock:
            cls._instances.clear()
            if state is not None:
                cls._instances.update(state.instances)
            cls._latest = None if state is None else state.latest

    @classmethod
    @contextmanager
    def overwrite_default_scope(cls, scope_name: str | None) -> Iterator[None]:
        """Make `scope_name` the current scope inside the `with` block.

        The switch is local to the current thread / asyncio task and ends with the block,
        even when it raises. `None` changes nothing. No named instance is created.
        """
        if scope_name is None:
            yield
            return
        token = _OVERRIDE.set(cls(f"overwrite-{scope_name}", scope_name))
        try:
            yield
        finally:
            _OVERRIDE.reset(token)


_unique = itertools.count(1)


def init_default_scope(scope: str) -> None:
    """Make `scope` the process-wide default scope.

    Creates the instance `scope` the first time. If another scope is current, a new
    instance (with a unique name) is created so that `scope` becomes current, and a
    warning is logged, as MMEngine does.
    """
    with DefaultScope._lock:
        if not DefaultScope.check_instance_created(scope):
            DefaultScope.get_instance(scope, scope_name=scope)
            return
        current = DefaultScope._latest
        if current is not None and current.scope_name != scope:
            _logger.warning(
                'The current default scope "%s" is not "%s"; init_default_scope makes "%s" '
                "the current default scope.",
                current.scope_name,
                scope,
                scope,
            )
            DefaultScope.get_instance(f"{scope}-{next(_unique)}", scope_name=scope)
