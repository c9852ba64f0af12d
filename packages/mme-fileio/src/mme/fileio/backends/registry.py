"""Which backend serves a path: ``register_backend`` and ``get_file_backend``."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any, TypeVar, overload

from mme.fileio._suggest import did_you_mean
from mme.fileio.backends.base import BaseStorageBackend, PathLike
from mme.fileio.backends.fsspec_backend import FsspecBackend
from mme.fileio.backends.http_backend import HTTPBackend
from mme.fileio.backends.local_backend import LocalBackend
from mme.fileio.errors import BackendExistsError

BackendT = TypeVar("BackendT", bound=type[BaseStorageBackend])

#: backend name (``backend_args={'backend': name}``) -> backend class.
backends: dict[str, type[BaseStorageBackend]] = {}
#: URI prefix (``'s3'`` of ``s3://...``) -> backend class. Prefixes not listed go to fsspec.
prefix_to_backends: dict[str, type[BaseStorageBackend]] = {}
_instances: dict[tuple[type[BaseStorageBackend], str], BaseStorageBackend] = {}

_PREFIX = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def _register(
    name: str,
    backend: type[BaseStorageBackend],
    force: bool,
    prefixes: str | list[str] | tuple[str, ...] | None,
) -> None:
    if not isinstance(name, str):
        raise TypeError(f"register_backend: the name must be a str, got {type(name).__name__}")
    if not (isinstance(backend, type) and issubclass(backend, BaseStorageBackend)):
        raise TypeError(
            f"register_backend({name!r}): the backend must be a subclass of BaseStorageBackend, "
            f"got {backend!r}"
        )
    if name in backends and not force:
        raise BackendExistsError(
            f"register_backend: {name!r} is already registered as {backends[name].__name__}; "
            "pass force=True to replace it"
        )
    prefix_list = [prefixes] if isinstance(prefixes, str) else list(prefixes or ())
    for prefix in prefix_list:
        if prefix in prefix_to_backends and not force:
            raise BackendExistsError(
                f"register_backend({name!r}): the prefix {prefix!r} already belongs to "
                f"{prefix_to_backends[prefix].__name__}; pass force=True to replace it"
            )
    backends[name] = backend
    for prefix in prefix_list:
        prefix_to_backends[prefix] = backend
    _instances.clear()


@overload
def register_backend(
    name: str,
    backend: None = None,
    force: bool = False,
    prefixes: str | list[str] | tuple[str, ...] | None = None,
) -> Callable[[BackendT], BackendT]: ...


@overload
def register_backend(
    name: str,
    backend: type[BaseStorageBackend],
    force: bool = False,
    prefixes: str | list[str] | tuple[str, ...] | None = None,
) -> type[BaseStorageBackend]: ...


def register_backend(
    name: str,
    backend: type[BaseStorageBackend] | None = None,
    force: bool = False,
    prefixes: str | list[str] | tuple[str, ...] | None = None,
) -> Any:
    """Register a storage backend, directly or as a class decorator.

    Args:
        name: The name ``backend_args={'backend': name}`` selects it by.
        backend: The `BaseStorageBackend` subclass; leave it out to decorate.
        force: Replace a backend already registered under ``name`` or a prefix.
        prefixes: URI prefixes it serves (``'mystore'`` for ``mystore://...``).

    Examples:
        >>> @register_backend("mystore", prefixes="mystore")
        ... class MyStore(BaseStorageBackend): ...
    """
    if backend is not None:
        _register(name, backend, force, prefixes)
        return backend

    def wrap(cls: BackendT) -> BackendT:
        _register(name, cls, force, prefixes)
        return cls

    return wrap


def uri_prefix(uri: PathLike) -> str | None:
    """The scheme of ``uri`` (``'s3'``), ``'chain'`` for fsspec chained URLs, None for paths."""
    text = os.fspath(uri)
    if "::" in text:
        return "chain"
    match = _PREFIX.match(text)
    return match.group(1).lower() if match else None


def get_file_backend(
    uri: PathLike | None = None,
    *,
    backend_args: dict[str, Any] | None = None,
    enable_singleton: bool = False,
) -> BaseStorageBackend:
    """The backend that serves ``uri``.

    ``backend_args['backend']`` names a registered backend explicitly; otherwise the
    URI's prefix decides: none -> `LocalBackend`, a registered prefix -> its
    backend, any other -> `FsspecBackend` (``memory://``, ``s3://``, ``zip::``...).
    The other ``backend_args`` are passed to the backend's constructor.

    Args:
        uri: A local path or URI.
        backend_args: ``{'backend': name, **constructor arguments}``.
        enable_singleton: Reuse one instance per backend and arguments.
    """
    args = dict(backend_args or {})
    name = args.pop("backend", None)
    if name is not None:
        if name not in backends:
            raise ValueError(
                f"backend_args names the backend {name!r}, which is not registered. Registered: "
                f"{', '.join(sorted(backends))}.{did_you_mean(name, backends)}"
            )
        cls = backends[name]
    elif uri is None:
        raise ValueError("get_file_backend needs a uri or backend_args={'backend': name}")
    else:
        prefix = uri_prefix(uri)
        if prefix is None:
            cls = LocalBackend
        else:
            cls = prefix_to_backends.get(prefix, FsspecBackend)
    if not enable_singleton:
        return _build(cls, args)
    key = (cls, repr(sorted(args.items())))
    if key not in _instances:
        _instances[key] = _build(cls, args)
    return _instances[key]


def _build(cls: type[BaseStorageBackend], args: dict[str, Any]) -> BaseStorageBackend:
    try:
        return cls(**args)
    except TypeError as err:
        raise TypeError(
            f"{cls.__name__} cannot be built from backend_args {args!r}: {err}"
        ) from err


register_backend("local", LocalBackend, prefixes="file")
register_backend("disk", LocalBackend)
register_backend("http", HTTPBackend, prefixes=["http", "https"])
register_backend("fsspec", FsspecBackend)
