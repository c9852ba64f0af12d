"""``Registry``: a name -> class/function table that builds objects from configs.

Registries form trees. A child (``Registry('model', parent=MODELS, scope='mmalpha')``)
finds what its ancestors registered; any registry reaches another scope of its tree
with a ``scope.Name`` key; the current :class:`~mme.registry.DefaultScope` (set by a
runner, or by ``_scope_`` in a config) picks which registry of the tree a build uses.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, overload

from mme.registry.default_scope import _OVERRIDE, DefaultScope
from mme.registry.errors import (
    AlreadyRegisteredError,
    NotRegisteredError,
    UnknownScopeError,
    add_note,
    did_you_mean,
)
from mme.registry.locations import import_location

_logger = logging.getLogger("mme.registry")
_DEBUG = logging.DEBUG

_T = TypeVar("_T")

#: Scopes whose ``<scope>.registry`` module was tried already (see ``_import_scope``).
_TRIED_SCOPE_IMPORTS: set[str] = set()


def _import_scope(scope: str) -> bool:
    """Import ``<scope>.registry`` once, so that a package's child registries join the
    tree; return whether it was imported now. A package without one is not an error."""
    if scope in _TRIED_SCOPE_IMPORTS:
        return False
    _TRIED_SCOPE_IMPORTS.add(scope)
    module = f"{scope}.registry"
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name not in (scope, module):
            raise
        return False
    return True


def split_scope_key(key: str) -> tuple[str | None, str]:
    """Split ``'mmdet.ResNet'`` into ``('mmdet', 'ResNet')``; ``'ResNet'`` -> ``(None, 'ResNet')``.

    Only the first dot separates the scope.
    """
    dot = key.find(".")
    if dot == -1:
        return None, key
    return key[:dot], key[dot + 1 :]


class Registry:
    """A registry of classes and functions, buildable by name from configs.

    Args:
        name: What the registry holds, e.g. ``'model'``; used in messages and logs.
        build_func: ``build_func(cfg, *args, registry=..., **kwargs)`` that builds an
            object from a config. Defaults to the parent's, else
            :func:`~mme.registry.build_from_cfg`.
        parent: The parent registry; this one finds everything the parent finds.
        scope: The scope (package) name of the registry. Defaults to the top-level
            package of the module that creates it.
        locations: Modules to import, on the first lookup, to register the entries.

    Examples:
        >>> ACTIVATIONS = Registry("activation", scope="demo")
        >>> @ACTIVATIONS.register_module()
        ... class ReLU:
        ...     def __init__(self, inplace: bool = False):
        ...         self.inplace = inplace
        >>> ACTIVATIONS.build(dict(type="ReLU", inplace=True)).inplace
        True
    """

    def __init__(
        self,
        name: str,
        build_func: Callable[..., Any] | None = None,
        parent: Registry | None = None,
        scope: str | None = None,
        locations: Iterable[str] = (),
    ) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"Registry name must be a non-empty str, got {name!r}")
        if scope is None:
            scope = self.infer_scope()
        if not isinstance(scope, str) or not scope or "." in scope:
            raise ValueError(
                f"Registry {name!r}: scope must be a non-empty str without '.', got {scope!r} "
                "('.' separates the scope from the name in keys like 'mmdet.ResNet')"
            )
        if isinstance(locations, str):
            raise TypeError(
                f"Registry {name!r}: locations must be a list of module names, "
                f"got the str {locations!r}; write locations=[{locations!r}]"
            )
        location_list = list(locations)
        for location in location_list:
            if not isinstance(location, str) or not location:
                raise TypeError(
                    f"Registry {name!r}: bad location {location!r} (want a module name)"
                )
        if parent is not None and not isinstance(parent, Registry):
            raise TypeError(
                f"Registry {name!r}: parent must be a Registry, got {type(parent).__name__}"
            )
        if build_func is None:
            build_func = parent.build_func if parent is not None else _default_build_func()
        elif not callable(build_func):
            raise TypeError(f"Registry {name!r}: build_func must be callable, got {build_func!r}")

        self._name = name
        self._scope = scope
        self._module_dict: dict[str, Any] = {}
        self._children: dict[str, Registry] = {}
        self._locations = tuple(location_list)
        self._imported = not location_list
        self._location_errors: dict[str, str] = {}
        self._lock = threading.RLock()
        #: On a root: scope -> the registry of the tree with that scope (see _find_scope).
        self._scope_cache: dict[str, Registry | None] = {}
        self.build_func: Callable[..., Any] = build_func
        self._parent: Registry | None = None
        self._root: Registry = self
        if parent is not None:
            parent._add_child(self)
            self._parent = parent
            self._root = parent._root

    # ------------------------------------------------------------------ properties
    @property
    def name(self) -> str:
        """What the registry holds, e.g. ``'model'``."""
        return self._name

    @property
    def scope(self) -> str:
        """The scope (package) name, e.g. ``'mme'`` or ``'mmdet'``."""
        return self._scope

    @property
    def module_dict(self) -> dict[str, Any]:
        """A copy of the name -> class/function table of this registry (not its ancestors)."""
        return dict(self._module_dict)

    @property
    def children(self) -> dict[str, Registry]:
        """A copy of the scope -> child registry table."""
        return dict(self._children)

    @property
    def parent(self) -> Registry | None:
        """The parent registry, or ``None`` for a root."""
        return self._parent

    @property
    def root(self) -> Registry:
        """The root of this registry's tree."""
        return self._root

    @property
    def locations(self) -> tuple[str, ...]:
        """The modules imported on the first lookup."""
        return self._locations

    def __len__(self) -> int:
        return len(self._module_dict)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        try:
            self.get(key)
        except (NotRegisteredError, UnknownScopeError):
            return False
        return True

    def __repr__(self) -> str:
        return (
            f"Registry(name={self._name!r}, scope={self._scope!r}, "
            f"entries={len(self._module_dict)}, locations={list(self._locations)!r})"
        )

    def __str__(self) -> str:
        from mme.registry.display import registry_table

        return registry_table(self)

    # ------------------------------------------------------------------ scopes
    @staticmethod
    def infer_scope() -> str:
        """The top-level package of the module that creates the registry.

        Frames of ``Registry.__init__`` (and of subclasses' ``__init__``) are skipped, so
        a ``Registry('model')`` written in ``mmdet/registry.py`` gets scope ``'mmdet'``.
        """
        frame = sys._getframe(1)
        while frame is not None and (
            frame.f_code.co_name in ("__init__", "infer_scope")
            and isinstance(frame.f_locals.get("self"), Registry)
        ):
            frame = frame.f_back  # type: ignore[assignment]
        module = frame.f_globals.get("__name__") if frame is not None else None
        if not isinstance(module, str) or not module:
            _logger.warning(
                'Could not infer the scope of a new registry; using "mme". Pass scope=... '
                "to Registry to choose it."
            )
            return "mme"
        return module.split(".")[0]

    split_scope_key = staticmethod(split_scope_key)

    def _get_root_registry(self) -> Registry:
        """The root of the tree (MMEngine's name for :attr:`root`)."""
        return self._root

    def _add_child(self, registry: Registry) -> None:
        """Attach ``registry`` as a child; its scope must be new among the children."""
        with self._lock:
            existing = self._children.get(registry.scope)
            if existing is not None:
                raise ValueError(
                    f'The "{self._name}" registry (scope "{self._scope}") has a child with '
                    f'scope "{registry.scope}" already: {existing!r}. Give the new registry '
                    "another scope."
                )
            self._children[registry.scope] = registry
        self._root._scope_cache.clear()

    def _search_child(self, scope: str) -> Registry | None:
        """The registry with ``scope`` in the subtree of this one (depth first), or None."""
        if self._scope == scope:
            return self
        for child in list(self._children.values()):
            found = child._search_child(scope)
            if found is not None:
                return found
        return None

    def _find_scope(self, scope: str) -> Registry | None:
        """The registry of this tree that has ``scope``; imports ``<scope>.registry`` once
        if the tree does not have it yet."""
        root = self._root
        cache = root._scope_cache
        if scope in cache:
            return cache[scope]
        found = root._search_child(scope)
        if found is None and _import_scope(scope):
            found = root._search_child(scope)
        cache[scope] = found
        return found

    def _lineage(self) -> Iterator[Registry]:
        """This registry, then its parent, up to the root."""
        registry: Registry | None = self
        while registry is not None:
            yield registry
            registry = registry._parent

    def _walk(self) -> Iterator[Registry]:
        """Every registry of the subtree of this one, depth first."""
        yield self
        for child in list(self._children.values()):
            yield from child._walk()

    def _registry_for_current_scope(self) -> Registry:
        """The registry a build uses: the one of the current default scope, if this tree
        has one, else this registry."""
        current = _OVERRIDE.get()  # DefaultScope.get_current_instance(), inlined: hot path
        if current is None:
            current = DefaultScope._latest
            if current is None:
                return self
        scope = current.scope_name
        if scope == self._scope:
            return self
        found = self._find_scope(scope)
        if found is None:
            if _logger.isEnabledFor(_DEBUG):
                _logger.debug(
                    'The default scope "%s" has no registry in the "%s" registry tree; '
                    'the "%s" registry in "%s" is used.',
                    scope,
                    self._name,
                    self._name,
                    self._scope,
                )
            return self
        return found

    @contextmanager
    def switch_scope_and_registry(self, scope: str | None) -> Iterator[Registry]:
        """Within the block, make ``scope`` the default scope and yield the registry to
        build from: the one of the (new) default scope in this tree, else this one.

        ``scope=None`` keeps the current default scope.
        """
        with DefaultScope.overwrite_default_scope(scope):
            yield self._registry_for_current_scope()

    # ------------------------------------------------------------------ locations
    def import_from_location(self) -> None:
        """Import this registry's ``locations`` (once), so that their entries register.

        A location that is not installed is remembered and named, with the
        ``pip install`` command, when a lookup fails. Any other import error propagates
        with a note naming the location and the registry.
        """
        if self._imported:
            return
        for location in self._locations:
            try:
                problem = import_location(location)
            except Exception as error:
                add_note(
                    error,
                    f"mme.registry: raised while importing {location!r}, a location of the "
                    f'"{self._name}" registry (scope "{self._scope}")',
                )
                raise
            if problem is None:
                self._location_errors.pop(location, None)
                _logger.debug(
                    'Modules of the "%s" registry in "%s" were imported from %s',
                    self._name,
                    self._scope,
                    location,
                )
            else:
                self._location_errors[location] = problem
                _logger.debug('The "%s" registry in "%s": %s', self._name, self._scope, problem)
        self._imported = True

    # ------------------------------------------------------------------ registering
    @overload
    def register_module(
        self, name: str | list[str] | tuple[str, ...] | None = None, force: bool = False
    ) -> Callable[[_T], _T]: ...

    @overload
    def register_module(
        self, name: str | list[str] | tuple[str, ...] | None, force: bool, module: _T
    ) -> _T: ...

    @overload
    def register_module(
        self,
        name: str | list[str] | tuple[str, ...] | None = None,
        force: bool = False,
        *,
        module: _T,
    ) -> _T: ...

    def register_module(
        self,
        name: str | list[str] | tuple[str, ...] | None = None,
        force: bool = False,
        module: Any = None,
    ) -> Any:
        """Register a class or function, as a decorator or as a call.

        Args:
            name: The name(s) to register under; default: ``module.__name__``.
            force: Replace an existing entry of the same name instead of raising.
            module: The class or function; when given, it is registered and returned,
                otherwise a decorator is returned.

        Raises:
            AlreadyRegisteredError: (a ``KeyError``) a name is taken by another object
                and ``force`` is false.
            TypeError: bad ``name``, ``force`` or ``module``.

        Examples:
            >>> MODELS = Registry("model", scope="demo")
            >>> @MODELS.register_module(name=["Net", "Network"])
            ... def make_net(width: int = 8) -> dict:
            ...     return {"width": width}
            >>> MODELS.build(dict(type="Network", width=4))
            {'width': 4}
        """
        if not isinstance(force, bool):
            raise TypeError(
                f'register_module of the "{self._name}" registry: force must be a bool, '
                f"got {type(force).__name__}: {force!r}"
            )
        if not (
            name is None
            or isinstance(name, str)
            or (isinstance(name, (list, tuple)) and all(isinstance(n, str) for n in name))
        ):
            raise TypeError(
                f'register_module of the "{self._name}" registry: name must be None, a str '
                f"or a list of str, got {type(name).__name__}: {name!r}"
            )
        if module is not None:
            self._register_module(module, name, force)
            return module

        def register(obj: _T) -> _T:
            self._register_module(obj, name, force)
            return obj

        return register

    def _register_module(
        self,
        module: Any,
        module_name: str | list[str] | tuple[str, ...] | None = None,
        force: bool = False,
    ) -> None:
        """Add ``module`` under ``module_name`` (default: its ``__name__``)."""
        if not callable(module):
            raise TypeError(
                f'Only classes and functions can be registered in the "{self._name}" '
                f"registry, got {type(module).__name__}: {module!r}"
            )
        if module_name is None:
            default = getattr(module, "__name__", None)
            if not isinstance(default, str):
                raise TypeError(
                    f'{module!r} has no __name__; register it in the "{self._name}" registry '
                    "with an explicit name=..."
                )
            names = [default]
        elif isinstance(module_name, str):
            names = [module_name]
        else:
            names = list(module_name)
        for key in names:
            if not key or "." in key:
                raise ValueError(
                    f'Cannot register {module!r} in the "{self._name}" registry as {key!r}: '
                    "a name must be non-empty and may not contain '.', which separates a "
                    "scope from a name ('mmdet.ResNet')"
                )
        with self._lock:
            if not force:
                for key in names:
                    existing = self._module_dict.get(key)
                    if existing is not None and existing is not module:
                        raise AlreadyRegisteredError(
                            f'{key!r} is already registered in the "{self._name}" registry '
                            f'(scope "{self._scope}") as {_describe(existing)}; cannot register '
                            f"{_describe(module)} under the same name. Pass force=True to "
                            "replace it, or choose another name."
                        )
            for key in names:
                self._module_dict[key] = module

    # ------------------------------------------------------------------ lookup
    def get(self, key: str) -> Any:
        """Return the class or function registered as ``key``.

        ``'Name'`` is looked up in this registry, then its ancestors; ``'scope.Name'`` in
        the registry of ``scope`` in this tree, then its ancestors. The locations of every
        registry searched are imported first.

        Raises:
            NotRegisteredError: (a ``KeyError``) the name is not found; the message names
                the registry, the scopes searched and the closest registered names.
            UnknownScopeError: (a ``KeyError``) ``scope`` has no registry in this tree.
        """
        if not isinstance(key, str):
            raise TypeError(
                f'The "{self._name}" registry looks names up by str, got '
                f"{type(key).__name__}: {key!r}"
            )
        dot = key.find(".")
        if dot == -1:
            start: Registry = self
            name = key
        else:
            scope, name = key[:dot], key[dot + 1 :]
            start = self._registry_of_scope(scope, key)
        registry: Registry | None = start
        while registry is not None:
            if not registry._imported:
                registry.import_from_location()
            obj = registry._module_dict.get(name)
            if obj is not None:
                if _logger.isEnabledFor(_DEBUG):
                    _logger.debug(
                        'Get class `%s` from "%s" registry in "%s"',
                        name,
                        registry.name,
                        registry.scope,
                    )
                return obj
            registry = registry._parent
        raise start._not_found(name, key)

    def _registry_of_scope(self, scope: str, key: str) -> Registry:
        """The registry of ``scope`` in this tree, for the key ``scope.Name``."""
        if scope == self._scope:
            return self
        child = self._children.get(scope)
        if child is not None:
            return child
        found = self._find_scope(scope)
        if found is None:
            scopes = sorted({r.scope for r in self._root._walk()})
            raise UnknownScopeError(
                f'{key!r}: the scope {scope!r} has no registry in the "{self._name}" '
                f"registry tree (scopes: {', '.join(scopes)}).{did_you_mean(scope, scopes)} "
                f"If {scope!r} is a package, import the module that creates its "
                f'"{self._name}" registry (for example with custom_imports in the config).'
            )
        return found

    def _not_found(self, name: str, key: str) -> NotRegisteredError:
        """The error for ``key`` (``name`` without scope) missing from this lineage."""
        lineage = list(self._lineage())
        searched = " -> ".join(f'"{r.scope}"' for r in lineage)
        known = [n for r in lineage for n in r._module_dict]
        lines = [
            f'{key!r} is not registered in the "{self._name}" registry '
            f"(scopes searched: {searched}).{did_you_mean(name, known)}"
        ]
        elsewhere = [
            r.scope for r in self._root._walk() if r not in lineage and name in r._module_dict
        ]
        if elsewhere:
            lines.append(
                f"{name!r} is registered in the scope {elsewhere[0]!r} of this registry tree: "
                f"write type='{elsewhere[0]}.{name}' or set _scope_={elsewhere[0]!r}."
            )
        current = DefaultScope.get_current_instance()
        if current is not None and current.scope_name != self._scope:
            scopes = sorted({r.scope for r in self._root._walk()})
            if current.scope_name in scopes:
                lines.append(f'The default scope "{current.scope_name}" chose this registry.')
            else:
                lines.append(
                    f'The default scope "{current.scope_name}" has no "{self._name}" registry '
                    f"in this tree (scopes: {', '.join(scopes)})."
                    f"{did_you_mean(current.scope_name, scopes)}"
                )
        for registry in lineage:
            for problem in registry._location_errors.values():
                lines.append(f'The "{registry.name}" registry in "{registry.scope}": {problem}.')
        if not known:
            lines.append(
                "Nothing is registered there yet: import the module that registers it, "
                "list it in the config's custom_imports, or in the registry's locations."
            )
        return NotRegisteredError("\n".join(lines))

    # ------------------------------------------------------------------ build
    def build(self, cfg: Any, *args: Any, **kwargs: Any) -> Any:
        """Build an object from ``cfg`` with this registry's ``build_func``.

        ``cfg`` is a mapping whose ``type`` is a registered name, a ``scope.Name`` or a
        class/function; the other keys are the keyword arguments. ``default_args=...``
        (keyword) fills keys the config lacks.
        """
        if args or kwargs:
            return self.build_func(cfg, *args, **kwargs, registry=self)
        return self.build_func(cfg, registry=self)


def _describe(obj: Any) -> str:
    """``module.QualName`` of a class or function, else its repr."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        return f"{module}.{qualname}"
    return repr(obj)


def _default_build_func() -> Callable[..., Any]:
    from mme.registry.build_functions import build_from_cfg

    return build_from_cfg
