"""The texts of the registry's lookup and registration errors.

They are built only when an error is raised, from snapshots of the registries taken
through their public views, so that other threads may keep registering meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mme.registry._suggest import did_you_mean, qualified_name
from mme.registry.default_scope import DefaultScope
from mme.registry.errors import AlreadyRegisteredError, NotRegisteredError, UnknownScopeError

if TYPE_CHECKING:
    from mme.registry.registry import Registry


def _tree_scopes(registry: Registry) -> list[str]:
    return sorted({r.scope for r in registry.root.walk()})


def already_registered(registry: Registry, key: str, existing: Any, new: Any) -> Exception:
    """`key` is taken in `registry` by `existing`, and `new` was not forced in."""
    return AlreadyRegisteredError(
        f'{key!r} is already registered in the "{registry.name}" registry '
        f'(scope "{registry.scope}") as {qualified_name(existing)}; cannot register '
        f"{qualified_name(new)} under the same name. Pass force=True to replace it, or "
        "choose another name."
    )


def unknown_scope(registry: Registry, scope: str, key: str) -> Exception:
    """`scope` of the key `key` has no registry in the tree of `registry`."""
    scopes = _tree_scopes(registry)
    return UnknownScopeError(
        f'{key!r}: the scope {scope!r} has no registry in the "{registry.name}" '
        f"registry tree (scopes: {', '.join(scopes)}).{did_you_mean(scope, scopes)} "
        f"If {scope!r} is a package, import the module that creates its "
        f'"{registry.name}" registry (for example with custom_imports in the config).'
    )


def not_registered(registry: Registry, name: str, key: str) -> Exception:
    """`key` (`name` without its scopes) is missing from `registry` and its ancestors."""
    lineage = list(registry.lineage())
    searched = " -> ".join(f'"{r.scope}"' for r in lineage)
    known = [n for r in lineage for n in r.module_dict]
    lines = [
        f'{key!r} is not registered in the "{registry.name}" registry '
        f"(scopes searched: {searched}).{did_you_mean(name, known)}"
    ]
    elsewhere = [
        r.scope for r in registry.root.walk() if r not in lineage and name in r.module_dict
    ]
    if elsewhere:
        lines.append(
            f"{name!r} is registered in the scope {elsewhere[0]!r} of this registry tree: "
            f"write type='{elsewhere[0]}.{name}' or set _scope_={elsewhere[0]!r}."
        )
    current = DefaultScope.get_current_instance()
    if current is not None and current.scope_name != registry.scope:
        scopes = _tree_scopes(registry)
        if current.scope_name in scopes:
            lines.append(f'The default scope "{current.scope_name}" chose this registry.')
        else:
            lines.append(
                f'The default scope "{current.scope_name}" has no "{registry.name}" registry '
                f"in this tree (scopes: {', '.join(scopes)})."
                f"{did_you_mean(current.scope_name, scopes)}"
            )
    for node in lineage:
        for problem in node.location_errors.values():
            lines.append(f'The "{node.name}" registry in "{node.scope}": {problem}.')
    if not known:
        lines.append(
            "Nothing is registered there yet: import the module that registers it, "
            "list it in the config's custom_imports, or in the registry's locations."
        )
    return NotRegisteredError("\n".join(lines))
