"""Pickle files: binary, protocol 2 by default as the specification shows."""

from __future__ import annotations

import pickle
from typing import IO, Any

from mme.fileio.errors import FileParseError
from mme.fileio.handlers.base import BaseFileHandler, source_name


class PickleHandler(BaseFileHandler):
    """Pickle: ``.pkl``/``.pickle`` files. Keyword arguments go to ``pickle``.

    Only load pickles you trust: unpickling runs code chosen by whoever wrote the file.
    """

    str_like = False

    def load_from_fileobj(self, file: IO[Any], **kwargs: Any) -> Any:
        """Unpickle one object; a truncated or corrupt file names the file."""
        try:
            return pickle.load(file, **kwargs)
        except (pickle.UnpicklingError, EOFError) as err:
            reason = str(err) or "the data ends before the pickle does (truncated file?)"
            raise FileParseError(reason, source=source_name(file), file_format="pickle") from err

    def load_from_path(self, filepath: str, mode: str = "rb", **kwargs: Any) -> Any:
        """Load from a local path, always in binary mode."""
        return super().load_from_path(filepath, mode="rb", **kwargs)

    def dump_to_str(self, obj: Any, **kwargs: Any) -> bytes:
        """Return the pickle bytes of ``obj``."""
        kwargs.setdefault("protocol", 2)
        return pickle.dumps(obj, **kwargs)

    def dump_to_fileobj(self, obj: Any, file: IO[Any], **kwargs: Any) -> None:
        """Pickle ``obj`` into a binary file object."""
        kwargs.setdefault("protocol", 2)
        pickle.dump(obj, file, **kwargs)

    def dump_to_path(self, obj: Any, filepath: str, mode: str = "wb", **kwargs: Any) -> None:
        """Dump to a local path, always in binary mode."""
        super().dump_to_path(obj, filepath, mode="wb", **kwargs)
