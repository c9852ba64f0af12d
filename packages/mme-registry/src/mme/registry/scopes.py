"""Scope keys and the import of a package's registries on its first use.

A key `'mmdet.ResNet'` names the scope `mmdet` and the name `ResNet`; keys may go
down several levels (`'hound.little_hound.Dachshund'`). When a scope has no registry
in the tree yet, `<scope>.registry` is imported once, so that a package's child
registries join the tree before the lookup gives up.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading

_logger = logging.getLogger("mme.registry")

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


def infer_scope(registry_class: type) -> str:
    """The top-level package of the module that creates a registry.

    Frames of `registry_class.__init__` (and of subclasses' `__init__`) are skipped,
    so a `Registry('model')` written in `mmdet/registry.py` gets scope `'mmdet'`.
    """
    frame = sys._getframe(1)
    while frame is not None and (
        frame.f_code.co_name == "infer_scope"
        or (
            frame.f_code.co_name == "__init__"
            and isinstance(frame.f_locals.get("self"), registry_class)
        )
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


def forget_scope_imports() -> None:
    """Try `<scope>.registry` again on the next lookup of a scope the tree lacks.

    For tests that put packages on `sys.path` and remove them afterwards.
    """
    with _TRIED_LOCK:
        _TRIED_SCOPE_IMPORTS.clear()
