"""``load`` and ``dump``: objects from and to JSON, YAML, pickle... on any storage."""

from __future__ import annotations

import io
import os
from typing import IO, Any, cast

from mme.fileio.atomic import atomic_open
from mme.fileio.backends.fsspec_backend import not_found
from mme.fileio.backends.local_backend import LocalBackend, local_path, local_siblings
from mme.fileio.backends.registry import get_file_backend
from mme.fileio.errors import FileParseError, undecodable_text
from mme.fileio.handlers.base import BaseFileHandler
from mme.fileio.handlers.registry import file_handlers, get_handler, infer_format


def _format_of(file: object, file_format: str | None, action: str) -> str:
    """``file_format``, or the extension of the path (or of the file object's name)."""
    if file_format is not None:
        return file_format
    if isinstance(file, (str, os.PathLike)):
        return infer_format(file)
    name = getattr(file, "name", None)
    if isinstance(name, str) and "." in os.path.basename(name):
        return infer_format(name)
    raise ValueError(
        f"{action}: pass file_format= (one of {', '.join(sorted(file_handlers))}) when "
        "the file is a file object or no file is given: there is no name to infer it from"
    )


def _load_local(handler: BaseFileHandler, path: str, fmt: str, kwargs: dict[str, Any]) -> Any:
    """Load straight from the open local file (no in-memory copy of its content)."""
    try:
        f = open(path, encoding="utf-8") if handler.str_like else open(path, "rb")  # noqa: SIM115
    except FileNotFoundError as err:
        raise not_found(path, local_siblings(path)) from err
    with f:
        try:
            return handler.load_from_fileobj(f, **kwargs)
        except UnicodeDecodeError as err:
            raise undecodable_text(path, err, fmt) from err


def _dump_local(handler: BaseFileHandler, obj: Any, path: str, kwargs: dict[str, Any]) -> None:
    """Serialise straight into the atomic temporary file (no in-memory copy of the output)."""
    if handler.str_like:
        with atomic_open(path, "w", encoding="utf-8") as f:
            handler.dump_to_fileobj(obj, f, **kwargs)
    else:
        with atomic_open(path, "wb") as f:
            handler.dump_to_fileobj(obj, f, **kwargs)


def load(
    file: str | os.PathLike[str] | IO[Any],
    file_format: str | None = None,
    backend_args: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Load an object from a path, a URI or a file object.

    Args:
        file: A local path, a URI (``s3://bucket/a.json``, ``memory://x.yaml``...) or
            an open file object.
        file_format: ``'json'``, ``'yaml'``, ``'pickle'`` or any registered format;
            inferred from the extension when left out.
        backend_args: Selects and configures the storage backend (see
            `mme.fileio.get_file_backend`).
        **kwargs: Passed to the handler (and from there to ``json``, ``yaml``...).

    Raises:
        UnsupportedFormatError: No handler for the format; the message lists them.
        FileNotFoundError: The file does not exist; the message has the full URI.
        FileParseError: The content is broken; the message names file, line and column.

    Examples:
        >>> data = load("config.json")
        >>> with open("config.yaml") as f:
        ...     data = load(f, file_format="yaml")
    """
    if not isinstance(file, (str, os.PathLike)) and not hasattr(file, "read"):
        raise TypeError(
            f"load: file must be a path, a URI or a file object, got {type(file).__name__}"
        )
    fmt = _format_of(file, file_format, "load")
    if isinstance(file, (str, os.PathLike)):
        handler = get_handler(fmt, os.fspath(file))
        backend = get_file_backend(file, backend_args=backend_args, enable_singleton=True)
        if isinstance(backend, LocalBackend):
            return _load_local(handler, local_path(file), fmt, kwargs)
        buffer: IO[Any]
        if handler.str_like:
            buffer = io.StringIO(backend.get_text(file))  # names the file if not UTF-8
        else:
            buffer = io.BytesIO(backend.get(file))
        try:
            with buffer:
                return handler.load_from_fileobj(buffer, **kwargs)
        except FileParseError as err:
            if err.source is not None:
                raise
            raise err.with_source(os.fspath(file)) from err.__cause__
    return get_handler(fmt).load_from_fileobj(file, **kwargs)


def dump(
    obj: Any,
    file: str | os.PathLike[str] | IO[Any] | None = None,
    file_format: str | None = None,
    backend_args: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Dump an object to a path, a URI or a file object, or return it as a string.

    Writing to a local path is atomic: the handler writes straight into a temporary
    file in the same directory, which is fsynced and renamed into place, so a crash
    (or a handler that fails half way) never leaves a truncated file.

    Args:
        obj: The object to write.
        file: A local path, a URI, an open file object, or None to return a string
            (``bytes`` for pickle).
        file_format: The format; inferred from the extension when left out. Needed
            when ``file`` is None.
        backend_args: Selects and configures the storage backend.
        **kwargs: Passed to the handler (``indent=2`` for JSON...).

    Returns:
        The serialized object when ``file`` is None, else None.

    Examples:
        >>> text = dump({"a": 1}, file_format="json")
        >>> dump({"a": 1}, "out.pkl")
    """
    if file is None:
        if file_format is None:
            raise ValueError(
                "dump: file_format is required when no file is given "
                f"(one of {', '.join(sorted(file_handlers))})"
            )
        return get_handler(file_format).dump_to_str(obj, **kwargs)
    if not isinstance(file, (str, os.PathLike)) and not hasattr(file, "write"):
        raise TypeError(
            f"dump: file must be a path, a URI, a file object or None, got {type(file).__name__}"
        )
    fmt = _format_of(file, file_format, "dump")
    if isinstance(file, (str, os.PathLike)):
        handler = get_handler(fmt, os.fspath(file))
        backend = get_file_backend(file, backend_args=backend_args, enable_singleton=True)
        if isinstance(backend, LocalBackend):
            _dump_local(handler, obj, local_path(file), kwargs)
        elif handler.str_like:
            with io.StringIO() as text:
                handler.dump_to_fileobj(obj, cast(IO[Any], text), **kwargs)
                backend.put_text(text.getvalue(), file)
        else:
            with io.BytesIO() as data:
                handler.dump_to_fileobj(obj, cast(IO[Any], data), **kwargs)
                backend.put(data.getvalue(), file)
        return None
    get_handler(fmt).dump_to_fileobj(obj, file, **kwargs)
    return None
