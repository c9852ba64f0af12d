"""``list_from_file`` and ``dict_from_file``: simple line-based text files on any storage."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from mme.fileio.backends.registry import get_file_backend


def _read_text(filename: str | os.PathLike[str], encoding: str, backend_args: Any) -> str:
    backend = get_file_backend(filename, backend_args=backend_args, enable_singleton=True)
    return backend.get_text(filename, encoding)


def list_from_file(
    filename: str | os.PathLike[str],
    prefix: str = "",
    offset: int = 0,
    max_num: int = 0,
    encoding: str = "utf-8",
    backend_args: dict[str, Any] | None = None,
) -> list[str]:
    """Return the lines of a text file as a list of strings (line endings removed).

    Args:
        filename: A local path or URI.
        prefix: Put in front of every item (``'/mnt/'`` -> ``'/mnt/a'``).
        offset: Skip this many lines first.
        max_num: Return at most this many items; 0 (or less) means all.
        encoding: The text encoding of the file.
        backend_args: Selects and configures the storage backend.

    Examples:
        >>> list_from_file("a.txt", offset=2)
        ['c', 'd', 'e']
    """
    if offset < 0:
        raise ValueError(
            f"list_from_file({os.fspath(filename)!r}): offset must be >= 0, got {offset}"
        )
    lines = _read_text(filename, encoding, backend_args).splitlines()[offset:]
    if max_num > 0:
        lines = lines[:max_num]
    return [prefix + line for line in lines]


def dict_from_file(
    filename: str | os.PathLike[str],
    key_type: Callable[[str], Any] = str,
    encoding: str = "utf-8",
    backend_args: dict[str, Any] | None = None,
) -> dict[Any, str | list[str]]:
    """Read a text file of ``key value [value ...]`` lines into a dict.

    The first whitespace-separated column is the key, converted with ``key_type``;
    one remaining column becomes a str, several a list of str. Blank lines are skipped.

    Args:
        filename: A local path or URI.
        key_type: Converts the key column (``int`` -> ``{1: 'cat'}``).
        encoding: The text encoding of the file.
        backend_args: Selects and configures the storage backend.

    Examples:
        >>> dict_from_file("b.txt")
        {'1': 'cat', '2': ['dog', 'cow'], '3': 'panda'}
    """
    mapping: dict[Any, str | list[str]] = {}
    text = _read_text(filename, encoding, backend_args)
    for number, line in enumerate(text.splitlines(), start=1):
        items = line.split()
        if not items:
            continue
        where = f"{os.fspath(filename)}, line {number}"
        if len(items) < 2:
            raise ValueError(f"{where}: expected a key and at least one value, got {line!r}")
        try:
            key = key_type(items[0])
        except (TypeError, ValueError) as err:
            type_name = getattr(key_type, "__name__", repr(key_type))
            raise ValueError(
                f"{where}: cannot convert the key {items[0]!r} with {type_name}: {err}"
            ) from err
        mapping[key] = items[1:] if len(items) > 2 else items[1]
    return mapping
