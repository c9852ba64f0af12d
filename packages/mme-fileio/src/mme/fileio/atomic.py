"""Atomic local writes: a temporary file in the same directory, fsync, ``os.replace``.

A reader never sees a half-written file and a crash (or an exception raised half
way through a write) leaves the previous file as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO, Any


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "wb", **open_kwargs: Any
) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path`` that replaces ``path`` when the block ends.

    Missing parent directories are created. If the block raises, the temporary file
    is removed and ``path`` is untouched.

    Args:
        path: The file to write.
        mode: ``'w'``/``'wb'`` (or the same with ``'t'``); appending is not atomic and is refused.
        **open_kwargs: Passed to ``open`` (``encoding``, ``newline``...).
    """
    if "w" not in mode or any(c in mode for c in "ax+r"):
        raise ValueError(f"atomic_open writes whole files; mode must be 'w' or 'wb', got {mode!r}")
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _keep_mode_of(target, tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write(path: str | os.PathLike[str], data: bytes | str, encoding: str = "utf-8") -> None:
    """Write ``data`` (bytes, or text in ``encoding``) to ``path`` atomically."""
    if isinstance(data, str):
        data = data.encode(encoding)
    with atomic_open(path, "wb") as f:
        f.write(data)


def _keep_mode_of(target: str, tmp: str) -> None:
    """Give the new file the permissions a plain ``open(target, 'w')`` would give it."""
    try:
        mode = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)
