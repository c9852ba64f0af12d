"""The exceptions of mme.fileio."""

from __future__ import annotations

import errno


class FileIOError(Exception):
    """Base class of the errors mme.fileio defines.

    Each one is also the built-in type MMEngine raised in its place (``ValueError``,
    ``FileNotFoundError``...), so ``except`` clauses written for MMEngine keep working.
    """


class BackendExistsError(FileIOError, ValueError):
    """``register_backend`` was given a name or prefix that is taken, without ``force=True``."""


class UnsupportedFormatError(FileIOError, TypeError, ValueError):
    """No handler is registered for a file format.

    It is both a ``TypeError`` (what MMEngine raises for an unknown format) and a
    ``ValueError`` (what the mistake is: a bad value), so either ``except`` catches it.
    """


class FileParseError(FileIOError, ValueError):
    """A handler could not parse a file: names the file and where the parser stopped.

    Args:
        reason: The parser's own description of the problem.
        source: The file (path, URI or file object name) that was read, if known.
        line: 1-based line the parser reported, if any.
        column: 1-based column the parser reported, if any.
        file_format: The format the file was read as (``'json'``, ``'yaml'``...).
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
        file_format: str | None = None,
    ) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        self.column = column
        self.file_format = file_format
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.source if self.source is not None else "<data>"
        if self.line is not None:
            where += f", line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
        kind = f"invalid {self.file_format.upper()}" if self.file_format else "cannot parse"
        return f"{where}: {kind}: {self.reason}"

    def with_source(self, source: str) -> FileParseError:
        """Return the same error with ``source`` filled in (for errors raised on buffers)."""
        return FileParseError(
            self.reason,
            source=source,
            line=self.line,
            column=self.column,
            file_format=self.file_format,
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments: teach pickle (multiprocessing workers) how to rebuild it.
        return (
            _rebuild_parse_error,
            (self.reason, self.source, self.line, self.column, self.file_format),
        )


def _rebuild_parse_error(
    reason: str, source: str | None, line: int | None, column: int | None, fmt: str | None
) -> FileParseError:
    return FileParseError(reason, source=source, line=line, column=column, file_format=fmt)


def undecodable_text(
    source: str, err: UnicodeDecodeError, file_format: str | None = None
) -> FileParseError:
    """The error for a text file that is not valid in its encoding: names the file and byte."""
    bad = err.object[err.start : err.start + 1].hex()
    return FileParseError(
        f"the file is not valid {err.encoding} text: byte 0x{bad} at offset {err.start} cannot "
        f"be decoded ({err.reason}); save it as {err.encoding}",
        source=source,
        file_format=file_format,
    )


class StorageFileNotFoundError(FileIOError, FileNotFoundError):
    """A ``FileNotFoundError`` whose message has the full URI and a "did you mean".

    Args:
        uri: The path or URI that does not exist (also in ``filename``).
        hint: A sentence to append, e.g. ``" Did you mean 'a.json'?"``.
    """

    def __init__(self, uri: str, hint: str = "") -> None:
        super().__init__(errno.ENOENT, "No such file or directory", uri)
        self.hint = hint

    def __str__(self) -> str:
        return f"No such file or directory: {self.filename!r}.{self.hint}"

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.filename, self.hint))


class MissingExtraError(FileIOError, ImportError):
    """A storage needs an optional dependency: the message names the pip extra."""
