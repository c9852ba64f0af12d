"""Functions over whichever backend serves a path: ``get``, ``put``, ``copyfile``...

Each function picks the backend with `get_file_backend` (one shared instance
per backend and ``backend_args``) and calls the method of the same name. Copies
between two different storages (S3 to local disk, memory to S3...) go through a
local temporary file.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mme.fileio.backends.base import BaseStorageBackend, PathLike
from mme.fileio.backends.registry import get_file_backend, uri_prefix

BackendArgs = dict[str, Any] | None


def _backend(uri: PathLike, backend_args: BackendArgs) -> BaseStorageBackend:
    return get_file_backend(uri, backend_args=backend_args, enable_singleton=True)


def get(filepath: PathLike, backend_args: BackendArgs = None) -> bytes:
    """Return the content of ``filepath`` as bytes."""
    return _backend(filepath, backend_args).get(filepath)


def get_text(filepath: PathLike, encoding: str = "utf-8", backend_args: BackendArgs = None) -> str:
    """Return the content of ``filepath`` as text."""
    return _backend(filepath, backend_args).get_text(filepath, encoding)


def put(obj: bytes, filepath: PathLike, backend_args: BackendArgs = None) -> None:
    """Write the bytes ``obj`` to ``filepath`` (atomically on the local disk)."""
    _backend(filepath, backend_args).put(obj, filepath)


def put_text(
    obj: str, filepath: PathLike, encoding: str = "utf-8", backend_args: BackendArgs = None
) -> None:
    """Write the text ``obj`` to ``filepath`` (atomically on the local disk)."""
    _backend(filepath, backend_args).put_text(obj, filepath, encoding)


def exists(filepath: PathLike, backend_args: BackendArgs = None) -> bool:
    """Whether a file or directory exists at ``filepath``."""
    return _backend(filepath, backend_args).exists(filepath)


def isdir(filepath: PathLike, backend_args: BackendArgs = None) -> bool:
    """Whether ``filepath`` is a directory."""
    return _backend(filepath, backend_args).isdir(filepath)


def isfile(filepath: PathLike, backend_args: BackendArgs = None) -> bool:
    """Whether ``filepath`` is a file."""
    return _backend(filepath, backend_args).isfile(filepath)


def join_path(filepath: PathLike, *filepaths: PathLike, backend_args: BackendArgs = None) -> str:
    """Join path parts the way the storage of ``filepath`` does."""
    return _backend(filepath, backend_args).join_path(filepath, *filepaths)


@contextlib.contextmanager
def get_local_path(filepath: PathLike, backend_args: BackendArgs = None) -> Iterator[str]:
    """Yield a local path with the content of ``filepath``.

    A remote file is downloaded to a temporary file, removed when the block ends; a
    local file is yielded as it is.
    """
    with _backend(filepath, backend_args).get_local_path(filepath) as path:
        yield path


def list_dir_or_file(
    dir_path: PathLike,
    list_dir: bool = True,
    list_file: bool = True,
    suffix: str | tuple[str, ...] | None = None,
    recursive: bool = False,
    backend_args: BackendArgs = None,
) -> Iterator[str]:
    """Yield the entries of ``dir_path`` relative to it, sorted.

    Args:
        dir_path: The directory to list.
        list_dir: Yield directories.
        list_file: Yield files.
        suffix: Only files ending with it (str or tuple); needs ``list_dir=False``.
        recursive: Walk sub-directories too.
        backend_args: Selects and configures the backend.
    """
    return _backend(dir_path, backend_args).list_dir_or_file(
        dir_path, list_dir=list_dir, list_file=list_file, suffix=suffix, recursive=recursive
    )


def remove(filepath: PathLike, backend_args: BackendArgs = None) -> None:
    """Remove the file ``filepath``."""
    _backend(filepath, backend_args).remove(filepath)


def rmtree(dir_path: PathLike, backend_args: BackendArgs = None) -> None:
    """Remove the directory ``dir_path`` and everything under it."""
    _backend(dir_path, backend_args).rmtree(dir_path)


def _like(dst: PathLike, result: str) -> str | Path:
    """``result`` as a ``Path`` when the caller gave ``dst`` as a ``Path`` (as shutil does)."""
    return result if isinstance(dst, str) else Path(result)


def _same_storage(src: PathLike, dst: PathLike) -> bool:
    """Whether one backend can copy from ``src`` to ``dst`` by itself."""
    return uri_prefix(src) == uri_prefix(dst) != "chain"


def copyfile(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> str | Path:
    """Copy the file ``src`` to ``dst`` (into it if it is a directory); return the target.

    ``src`` and ``dst`` may be on different storages.
    """
    source = _backend(src, backend_args)
    if _same_storage(src, dst):
        return _like(dst, source.copyfile(src, dst))
    target = _backend(dst, backend_args)
    with source.get_local_path(src) as local:
        name = posixpath.basename(os.fspath(src).rstrip("/"))
        dst_path = target.join_path(dst, name) if target.isdir(dst) else os.fspath(dst)
        return _like(dst, target.copyfile_from_local(local, dst_path))


def copytree(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> str | Path:
    """Copy the directory ``src`` to ``dst``, which must not exist; return ``dst``.

    ``src`` and ``dst`` may be on different storages.
    """
    source = _backend(src, backend_args)
    if _same_storage(src, dst):
        return _like(dst, source.copytree(src, dst))
    target = _backend(dst, backend_args)
    if target.exists(dst):
        raise FileExistsError(f"copytree: the destination {os.fspath(dst)!r} already exists")
    with tempfile.TemporaryDirectory() as tmp:
        local = os.path.join(tmp, "tree")
        source.copytree_to_local(src, local)
        return _like(dst, target.copytree_from_local(local, dst))


def copyfile_from_local(
    src: PathLike, dst: PathLike, backend_args: BackendArgs = None
) -> str | Path:
    """Upload the local file ``src`` to ``dst``; return the target."""
    return _like(dst, _backend(dst, backend_args).copyfile_from_local(src, dst))


def copytree_from_local(
    src: PathLike, dst: PathLike, backend_args: BackendArgs = None
) -> str | Path:
    """Upload the local directory ``src`` to ``dst``; return ``dst``."""
    return _like(dst, _backend(dst, backend_args).copytree_from_local(src, dst))


def copyfile_to_local(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> str | Path:
    """Download ``src`` to the local path ``dst``; return the local file."""
    return _like(dst, _backend(src, backend_args).copyfile_to_local(src, dst))


def copytree_to_local(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> str | Path:
    """Download the directory ``src`` to the local directory ``dst``; return ``dst``."""
    return _like(dst, _backend(src, backend_args).copytree_to_local(src, dst))


def copy_if_symlink_fails(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> bool:
    """Symlink ``dst`` to ``src`` where the storage allows it, else copy; True if linked."""
    return _backend(src, backend_args).copy_if_symlink_fails(src, dst)


def generate_presigned_url(
    url: str,
    client_method: str = "get_object",
    expires_in: int = 3600,
    backend_args: BackendArgs = None,
) -> str:
    """A time-limited URL to ``url`` that needs no credentials (S3 and other signing stores)."""
    return _backend(url, backend_args).generate_presigned_url(url, client_method, expires_in)
