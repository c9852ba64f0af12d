"""``BaseFileHandler``: how one file format turns objects into text or bytes and back."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import IO, Any

from mme.fileio.atomic import atomic_open


class BaseFileHandler(ABC):
    """A file format: load from and dump to file objects, strings and local paths.

    Subclass it and register it with `mme.fileio.register_handler` to teach
    `mme.fileio.load` and `mme.fileio.dump` a new format.

    Attributes:
        str_like: ``True`` if the format is text (file objects are opened in text
            mode, ``dump_to_str`` returns ``str``); ``False`` for binary formats.
    """

    str_like: bool = True

    @abstractmethod
    def load_from_fileobj(self, file: IO[Any], **kwargs: Any) -> Any:
        """Read one object from an open file."""

    @abstractmethod
    def dump_to_fileobj(self, obj: Any, file: IO[Any], **kwargs: Any) -> None:
        """Write ``obj`` to an open file."""

    @abstractmethod
    def dump_to_str(self, obj: Any, **kwargs: Any) -> Any:
        """Return ``obj`` serialized (``str``, or ``bytes`` for binary formats)."""

    def load_from_path(self, filepath: str, mode: str = "r", **kwargs: Any) -> Any:
        """Open the local file ``filepath`` with ``mode`` and load from it."""
        with open(filepath, mode) as f:
            return self.load_from_fileobj(f, **kwargs)

    def dump_to_path(self, obj: Any, filepath: str, mode: str = "w", **kwargs: Any) -> None:
        """Dump ``obj`` to the local file ``filepath`` (atomically: all or nothing)."""
        with atomic_open(filepath, mode) as f:
            self.dump_to_fileobj(obj, f, **kwargs)


def source_name(file: object) -> str | None:
    """The name of an open file for error messages, if it has a usable one."""
    name = getattr(file, "name", None)
    return name if isinstance(name, str) else None
