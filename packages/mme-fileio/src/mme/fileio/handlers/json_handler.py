"""JSON files: ``json`` from the standard library, with sets and arrays made JSON-able."""

from __future__ import annotations

import json
from typing import IO, Any

from mme.fileio.errors import FileParseError
from mme.fileio.handlers.base import BaseFileHandler, source_name


def to_json_compatible(obj: Any) -> Any:
    """``default=`` hook for ``json``: sets, ranges and array-likes become lists.

    Array-likes are recognised by a ``tolist()`` method (numpy arrays and scalars,
    torch tensors), so this package does not need to import either library.
    """
    if isinstance(obj, (set, frozenset, range)):
        return list(obj)
    tolist = getattr(obj, "tolist", None)
    if callable(tolist):
        return tolist()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


class JsonHandler(BaseFileHandler):
    """JSON: ``.json`` files. Keyword arguments go to ``json.loads`` / ``json.dumps``."""

    def load_from_fileobj(self, file: IO[Any], **kwargs: Any) -> Any:
        """Parse the whole file; a syntax error names the file, line and column."""
        text = file.read()
        try:
            return json.loads(text, **kwargs)
        except json.JSONDecodeError as err:
            raise FileParseError(
                err.msg,
                source=source_name(file),
                line=err.lineno,
                column=err.colno,
                file_format="json",
            ) from err

    def dump_to_fileobj(self, obj: Any, file: IO[Any], **kwargs: Any) -> None:
        """Write ``obj`` as JSON (encoded in one go: much faster than ``json.dump``)."""
        file.write(self.dump_to_str(obj, **kwargs))

    def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
        """Return ``obj`` as a JSON string."""
        kwargs.setdefault("default", to_json_compatible)
        return json.dumps(obj, **kwargs)
