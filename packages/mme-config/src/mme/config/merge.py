"""How a child config is merged into its bases.

Dicts merge key by key, recursively; every other value (int, str, list, ...)
replaces the base value. ``_delete_=True`` in a child dict drops the base dict's
keys instead of merging into them.
"""

from __future__ import annotations

from typing import Any

DELETE_KEY = "_delete_"


def strip_delete(value: Any) -> Any:
    """Remove ``_delete_`` markers that have no base to act on (in place)."""
    if isinstance(value, dict):
        if DELETE_KEY in value:
            dict.pop(value, DELETE_KEY)
        for v in dict.values(value):
            strip_delete(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            strip_delete(v)
    return value


def merge_into(child: dict[Any, Any], base: dict[Any, Any]) -> dict[Any, Any]:
    """Merge ``child`` into ``base`` in place and return ``base``.

    Args:
        child: The values that win.
        base: The values that are overridden; modified in place.
    """
    for key, value in dict.items(child):
        if isinstance(value, dict):
            mine = base.get(key) if isinstance(base, dict) else None
            if dict.pop(value, DELETE_KEY, False) or not isinstance(mine, dict):
                dict.__setitem__(base, key, strip_delete(value))
            else:
                merge_into(value, mine)
        else:
            dict.__setitem__(base, key, value)
    return base


def inject_scope(value: Any, scope: str) -> Any:
    """Add ``_scope_=scope`` to every dict with a ``type`` key that has no scope yet.

    Configs inherited from another package (``pkg::path``) name that package's
    registered classes; the scope tells the registry where to look them up.
    """
    if isinstance(value, dict):
        if "type" in value and "_scope_" not in value:
            dict.__setitem__(value, "_scope_", scope)
        for v in dict.values(value):
            inject_scope(v, scope)
    elif isinstance(value, (list, tuple)):
        for v in value:
            inject_scope(v, scope)
    return value
