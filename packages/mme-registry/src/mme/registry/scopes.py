"""Scope keys and the import of a package's registries on its first use.

A key `'mmdet.ResNet'` names the scope `mmdet` and the name `ResNet`; keys may go
down several levels (`'hound.little_hound.Dachshund'`). When a scope has no registry
in the tree yet, `<scope>.registry` is imported once, so that a package's child
registries join the tree before the lookup gives up.
"""

from __future__ import annotations

import importlib
import threading

#: Scopes whose `<scope>.registry` module was tried already (see `import_scope`).
_TRIED_SCOPE_IMPORTS: set[str] = set()
_TRIED_LOCK = threading.Lock()


def split_scope_key(key: str) -> tuple[str | None, str]:
    """Split `'mmdet.ResNet'` into `('mmdet', 'ResNet')`; `'ResNet'` -> `(None, 'ResNet')`.

    Only the first dot separates the scope: `'a.b.C'` -> `('a', 'b.C')`.
    """
    dot = key.find(".")
    if dot == -1:
        return None, key
    return key[:dot], key[dot + 1 :]


def import_scope(scope: str) -> bool:
    """Import `<scope>.registry` once; return whether it was imported now.

    A package without such a module is not an error; any other import error propagates.
    """
    with _TRIED_LOCK:
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


def forget_scope_imports() -> None:
    """Try `<scope>.registry` again on the next lookup of a scope the tree lacks.

    For tests that put packages on `sys.path` and remove them afterwards.
    """
    with _TRIED_LOCK:
        _TRIED_SCOPE_IMPORTS.clear()
