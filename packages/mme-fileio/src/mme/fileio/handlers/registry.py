"""The table from file format (``'json'``, ``'pkl'``...) to the handler that reads it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any, TypeVar

from mme.fileio._suggest import did_you_mean
from mme.fileio.errors import UnsupportedFormatError
from mme.fileio.handlers.base import BaseFileHandler
from mme.fileio.handlers.json_handler import JsonHandler
from mme.fileio.handlers.pickle_handler import PickleHandler
from mme.fileio.handlers.yaml_handler import YamlHandler

HandlerT = TypeVar("HandlerT", bound=type[BaseFileHandler])

#: format name (the file extension, lower case, no dot) -> handler instance.
file_handlers: dict[str, BaseFileHandler] = {
    "json": JsonHandler(),
    "yaml": YamlHandler(),
    "yml": YamlHandler(),
    "pickle": PickleHandler(),
    "pkl": PickleHandler(),
}


def _register_handler(handler: BaseFileHandler, file_formats: str | list[str]) -> None:
    """Make ``handler`` the one used for each of ``file_formats``."""
    if not isinstance(handler, BaseFileHandler):
        raise TypeError(
            f"a file handler must be an instance of BaseFileHandler, got {type(handler).__name__}"
        )
    formats = [file_formats] if isinstance(file_formats, str) else file_formats
    if not isinstance(formats, (list, tuple)) or not all(isinstance(f, str) for f in formats):
        raise TypeError(f"file_formats must be a str or a list of str, got {file_formats!r}")
    for file_format in formats:
        file_handlers[file_format.lower().lstrip(".")] = handler


def register_handler(
    file_formats: str | list[str], **kwargs: Any
) -> Callable[[HandlerT], HandlerT]:
    """Class decorator: register a `BaseFileHandler` subclass for file formats.

    Args:
        file_formats: One format (``'txt'``) or several (``['txt', 'log']``).
        **kwargs: Passed to the handler's constructor.

    Examples:
        >>> @register_handler(["txt", "log"])
        ... class TxtHandler(BaseFileHandler): ...
    """

    def wrap(cls: HandlerT) -> HandlerT:
        _register_handler(cls(**kwargs), file_formats)
        return cls

    return wrap


def get_handler(file_format: str, source: object = None) -> BaseFileHandler:
    """Return the handler of ``file_format``; an unknown one lists the registered formats."""
    handler = file_handlers.get(file_format.lower().lstrip("."))
    if handler is not None:
        return handler
    where = f" (file {source!s})" if source is not None else ""
    raise UnsupportedFormatError(
        f"Unsupported file format {file_format!r}{where}. Registered formats: "
        f"{', '.join(sorted(file_handlers))}.{did_you_mean(file_format, file_handlers)} "
        "Register a handler for a new one with @register_handler."
    )


_SUFFIX = re.compile(r"\.([^./\\]+)$")


def infer_format(file: str | os.PathLike[str]) -> str:
    """The file format of a path or URI: its extension, without the dot."""
    text = os.fspath(file)
    name = text.split("::", 1)[0].split("?", 1)[0].rstrip("/")
    match = _SUFFIX.search(name)
    if match is None:
        raise UnsupportedFormatError(
            f"Cannot infer the file format of {text!r}: it has no extension. Pass file_format= "
            f"one of: {', '.join(sorted(file_handlers))}."
        )
    return match.group(1).lower()
