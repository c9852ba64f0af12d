"""`Registry`: a name -> class/function table that builds objects from configs.

Registries form trees. A child (`Registry('model', parent=MODELS, scope='mmalpha')`)
finds what its ancestors registered; any registry reaches another scope of its tree
with a `scope.Name` key (several levels deep: `'hound.little_hound.Dachshund'`); the
current `DefaultScope` (set by a runner, or by `_scope_` in a config) picks which
registry of the tree a build uses.

Scope keys are handled in `mme.registry.scopes`, location imports in
`mme.registry.locations` and error texts in `mme.registry.messages`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from mme.registry.build_functions import build_from_cfg
from mme.registry.default_scope import _OVERRIDE, DefaultScope
from mme.registry.display import registry_table
from mme.registry.locations import import_locations
from mme.registry.messages import already_registered, not_registered, unknown_scope
from mme.registry.scopes import import_scope, infer_scope, split_scope_key

_logger = logging.getLogger("mme.registry")
_DEBUG = logging.DEBUG

_T = TypeVar("_T")


@dataclass(frozen=True)
class RegistryState:
    """What `Registry.snapshot` saved of each registry of a subtree (for tests)."""

    nodes: tuple[tuple[Registry, dict[str, Any], dict[str, Registry], bool, dict[str, str]], ...]


class Registry:
    """A registry of classes and functions, buildable by name from configs.

    Args:
        name: What the registry holds, e.g. ``'model'``; used in messages and logs.
        build_func: ``build_func(cfg, *args, registry=..., **kwargs)`` that builds an
            object from a config. Defaults to the parent's, else
            `build_from_cfg`.
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
            build_func = parent.build_func if parent is not None else build_from_cfg
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

    @property
    def location_errors(self) -> dict[str, str]:
        """A copy of `{location: why it could not be imported}` for this registry."""
        return dict(self._location_errors)

    def walk(self) -> Iterator[Registry]:
        """Every registry of the subtree of this one, this one first (depth first)."""
        yield self
        for child in self.children.values():
            yield from child.walk()

    def lineage(self) -> Iterator[Registry]:
        """This registry, then its parent, up to the root: the order of a lookup."""
        registry: Registry | None = self
        while registry is not None:
            yield registry
            registry = registry._parent

    def snapshot(self) -> RegistryState:
        """Save the entries, children and imported locations of this subtree.

        For tests: `restore` puts the subtree back as it was, undoing registrations,
        new child registries and location imports made in between.
        """
        nodes = []
        for node in self.walk():
            with node._lock:
                nodes.append(
                    (
                        node,
                        dict(node._module_dict),
                        dict(node._children),
                        node._imported,
                        dict(node._location_errors),
                    )
                )
        return RegistryState(tuple(nodes))

    def restore(self, state: RegistryState) -> None:
        """Put back what `snapshot` saved (see there)."""
        for node, entries, children, imported, errors in state.nodes:
            with node._lock:
                node._module_dict.clear()
                node._module_dict.update(entries)
                node._children.clear()
                node._children.update(children)
                node._imported = imported
                node._location_errors.clear()
                node._location_errors.update(errors)
            node._root._scope_cache.clear()

    def __len__(self) -> int:
        return len(self._module_dict)

    def __contains__(self, key: object) -> bool:
        """Whether `get(key)` would find something; never builds an error message."""
        if not isinstance(key, str):
            return False
        start, name, unknown = self._resolve(key)
        return unknown is None and start._find(name) is not None

    def __repr__(self) -> str:
        return (
            f"Registry(name={self._name!r}, scope={self._scope!r}, "
            f"entries={len(self._module_dict)}, locations={list(self._locations)!r})"
        )

    def __str__(self) -> str:
        return registry_table(self)

    # ------------------------------------------------------------------ scopes
    @staticmethod
    def infer_scope() -> str:
        """The top-level package of the module that creates the registry.

        Frames of ``Registry.__init__`` (and of subclasses' ``__init__``) are skipped, so
        a ``Registry('model')`` written in ``mmdet/registry.py`` gets scope ``'mmdet'``.
        """
        return infer_scope(Registry)

    split_scope_key = staticmethod(split_scope_key)

    def _get_root_registry(self) -> Registry:
        """The root of the tree (MMEngine's name for `root`)."""
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
        """The registry with `scope` in the subtree of this one (depth first), or None."""
        return next((r for r in self.walk() if r.scope == scope), None)

    def _find_scope(self, scope: str) -> Registry | None:
        """The registry of this tree that has ``scope``; imports ``<scope>.registry`` once
        if the tree does not have it yet."""
        root = self._root
        cache = root._scope_cache
        if scope in cache:
            return cache[scope]
        found = root._search_child(scope)
        if found is None and import_scope(scope):
            found = root._search_child(scope)
        cache[scope] = found
        return found

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
        """Import this registry's `locations` (once), so that their entries register.

        A location that is not installed is remembered (see `location_errors`) and
        named when a lookup fails. Any other import error propagates with a note
        naming the location and the registry.
        """
        if self._imported:
            return
        problems = import_locations(
            self._locations, f'"{self._name}" registry (scope "{self._scope}")'
        )
        with self._lock:
            self._location_errors.clear()
            self._location_errors.update(problems)
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
                        raise already_registered(self, key, existing, module)
            for key in names:
                self._module_dict[key] = module

    # ------------------------------------------------------------------ lookup
    def get(self, key: str) -> Any:
        """Return the class or function registered as `key`.

        `'Name'` is looked up in this registry, then its ancestors. `'scope.Name'` is
        looked up from the registry of `scope`: a child of this one, else any registry
        of the tree with that scope; keys go down several levels
        (`'hound.little_hound.Dachshund'`). The locations of every registry searched
        are imported first.

        Raises:
            NotRegisteredError: (a `KeyError`) the name is not found; the message names
                the registry, the scopes searched and the closest registered names.
            UnknownScopeError: (a `KeyError`) a scope of the key has no registry in this
                tree.
        """
        if not isinstance(key, str):
            raise TypeError(
                f'The "{self._name}" registry looks names up by str, got '
                f"{type(key).__name__}: {key!r}"
            )
        start, name, unknown = self._resolve(key)
        if unknown is not None:
            raise unknown_scope(start, unknown, key)
        obj = start._find(name)
        if obj is None:
            raise not_registered(start, name, key)
        return obj

    def _resolve(self, key: str) -> tuple[Registry, str, str | None]:
        """Follow the scopes of `key`: `(registry to search, bare name, None)`, or, when
        a scope has no registry, `(registry reached, rest of the key, that scope)`."""
        registry, name = self, key
        while True:
            scope, rest = split_scope_key(name)
            if scope is None:
                return registry, name, None
            target = registry._registry_of_scope(scope)
            if target is None:
                return registry, name, scope
            registry, name = target, rest

    def _registry_of_scope(self, scope: str) -> Registry | None:
        """The registry of `scope` seen from this one: itself, a child, else the tree's."""
        if scope == self._scope:
            return self
        child = self._children.get(scope)
        if child is not None:
            return child
        return self._find_scope(scope)

    def _find(self, name: str) -> Any:
        """The object registered as `name` here or in an ancestor, else `None`."""
        registry: Registry | None = self
        while registry is not None:
            if not registry._imported:
                registry.import_from_location()
            obj = registry._module_dict.get(name)
            if obj is not None:
                if _logger.isEnabledFor(_DEBUG):
                    _logger.debug(
                        'Get class `%s` from "%s" registry in "%s"',
                        name,
                        registry._name,
                        registry._scope,
                    )
                return obj
            registry = registry._parent
        return None

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
