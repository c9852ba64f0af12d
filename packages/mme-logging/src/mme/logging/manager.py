"""ManagerMixin: named, process-wide instances of a class (MGR-01).

A class that mixes in `ManagerMixin` keeps a registry of its instances by
name. ``Cls.get_instance(name, **kwargs)`` builds the instance on the first call
and returns the same object afterwards; ``Cls.get_current_instance()`` returns
the one built last. ``MessageHub`` and ``MMLogger`` use it so that any module
can reach the run's logger or message hub without passing it around.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any, ClassVar, TypeVar

from mme.logging._suggest import did_you_mean

_T = TypeVar("_T", bound="ManagerMixin")


class ManagerMeta(type):
    """The metaclass of `ManagerMixin`: gives every class made with it its own registry.

    When a class is created it checks that its ``__init__`` accepts ``name`` (instances
    are built as ``cls(name=..., **kwargs)``) and gives the class its own instance table
    and lock, so a subclass never sees its parent's instances. Code written for MMEngine
    can name it (``isinstance(cls, ManagerMeta)``, or a metaclass derived from it).
    """

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> None:
        super().__init__(name, bases, namespace)
        params = inspect.signature(cls.__init__).parameters  # type: ignore[misc]
        accepts_name = "name" in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
        )
        if not accepts_name:
            raise TypeError(
                f"{name}.__init__ must accept a 'name' argument: ManagerMixin "
                f"builds instances with {name}(name=..., **kwargs)"
            )
        cls._instances: dict[str, Any] = {}
        cls._instances_lock = threading.RLock()


class ManagerMixin(metaclass=ManagerMeta):
    """Mixin that gives a class named global instances.

    Subclasses must accept ``name`` in ``__init__`` and pass it on with
    ``super().__init__(name)`` (or call ``ManagerMixin.__init__(self, name)``).
    Every subclass has its own registry and its own lock, so ``get_instance`` is
    safe to call from several threads at once: exactly one instance is built per
    name.

    Examples:
        >>> class GlobalClass(ManagerMixin):
        ...     def __init__(self, name, value=0):
        ...         super().__init__(name)
        ...         self.value = value
        >>> GlobalClass.get_instance('demo', value=50).value
        50
        >>> GlobalClass.get_current_instance().instance_name
        'demo'
    """

    _instances: ClassVar[dict[str, Any]]  # set per class by ManagerMeta
    _instances_lock: ClassVar[threading.RLock]
    __mme_named_instances__: ClassVar[bool] = True  # mme.registry builds these with get_instance

    def __init__(self, name: str = "", **kwargs: Any) -> None:
        if not isinstance(name, str):
            raise TypeError(
                f"{type(self).__name__} instance name must be a str, got "
                f"{type(name).__name__} {name!r}"
            )
        self._instance_name = name

    @property
    def instance_name(self) -> str:
        """The name this instance was built with."""
        return self._instance_name

    @classmethod
    def get_instance(cls: type[_T], name: str, **kwargs: Any) -> _T:
        """Return the instance called ``name``, building it with ``kwargs`` on first use.

        Args:
            name: The instance's name.
            **kwargs: Construction arguments, only allowed when ``name`` is new.

        Raises:
            ValueError: ``name`` already exists and construction arguments were given
                (they would be silently ignored otherwise).
        """
        if not isinstance(name, str):
            raise TypeError(
                f"{cls.__name__}.get_instance: the instance name must be a str, got "
                f"{type(name).__name__} {name!r}"
            )
        with cls._instances_lock:
            existing = cls._instances.get(name)
            if existing is None:
                instance = cls(name=name, **kwargs)
                # A new name is added at the end: the newest instance is the current one.
                cls._instances[name] = instance
                return instance
        if kwargs:
            args = ", ".join(sorted(kwargs))
            raise ValueError(
                f"{cls.__name__} instance {name!r} already exists, so get_instance({name!r}) "
                f"cannot accept construction arguments (got: {args}). Call "
                f"{cls.__name__}.get_instance({name!r}) without them to reuse it, or "
                "choose a new name."
            )
        return existing

    @classmethod
    def get_current_instance(cls: type[_T]) -> _T:
        """Return the most recently built instance.

        Raises:
            RuntimeError: no instance of this class has been built yet.
        """
        with cls._instances_lock:
            if cls._instances:
                return next(reversed(cls._instances.values()))
        raise RuntimeError(
            f"No {cls.__name__} instance has been built yet; call "
            f"{cls.__name__}.get_instance(name) first"
        )

    @classmethod
    def check_instance_created(cls, name: str) -> bool:
        """Return whether an instance called ``name`` exists."""
        with cls._instances_lock:
            return name in cls._instances

    @classmethod
    def instance_names(cls) -> list[str]:
        """Return the names of the built instances, oldest first."""
        with cls._instances_lock:
            return list(cls._instances)

    @classmethod
    def _missing_instance_hint(cls, name: str) -> str:
        """Return a "did you mean" hint for a name that has no instance."""
        return did_you_mean(name, cls.instance_names())
