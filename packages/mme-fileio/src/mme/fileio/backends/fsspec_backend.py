"""``FsspecBackend``: every storage fsspec reaches (``memory://``, ``s3://``, ``zip::``...)."""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import fsspec
from fsspec.core import split_protocol, url_to_fs

from mme.fileio._suggest import did_you_mean
from mme.fileio.atomic import atomic_open
from mme.fileio.backends.base import BaseStorageBackend, PathLike, check_list_args
from mme.fileio.errors import MissingExtraError, StorageFileNotFoundError

_COPY_BUFFER = 1024 * 1024
#: fsspec protocol -> the extra of mme-fileio that installs its implementation.
EXTRA_OF_PROTOCOL = {"s3": "s3", "s3a": "s3", "http": "http", "https": "http"}


def not_found(uri: str, candidates: list[str] | None = None) -> FileNotFoundError:
    """A ``FileNotFoundError`` that names the full URI, with a suggestion when one is close."""
    hint = ""
    if candidates:
        inner = uri.split("::", 1)[0]  # chained URLs: the path inside the archive
        hint = did_you_mean(posixpath.basename(inner.rstrip("/")), candidates)
    return StorageFileNotFoundError(uri, hint)


class FsspecBackend(BaseStorageBackend):
    """Storage through fsspec: any URL fsspec understands, chained URLs included.

    Args:
        **storage_options: Passed to the fsspec filesystem (``endpoint_url``, ``key``,
            ``anon``...); for chained URLs, options keyed by protocol
            (``{"s3": {...}}``) reach that layer, as fsspec documents.
    """

    def __init__(self, **storage_options: Any) -> None:
        self.storage_options = storage_options

    # -- resolution ---------------------------------------------------------------------
    def _fs(self, filepath: PathLike) -> tuple[Any, str]:
        """The fsspec filesystem and the path inside it for ``filepath``."""
        uri = os.fspath(filepath)
        try:
            return url_to_fs(uri, **self.storage_options)
        except ImportError as err:
            protocol = split_protocol(uri)[0] or "file"
            extra = EXTRA_OF_PROTOCOL.get(protocol)
            install = f'pip install "mme-fileio[{extra}]"' if extra else "install it"
            raise MissingExtraError(
                f"Reading or writing {uri!r} needs the {protocol!r} storage, whose package is "
                f"not installed ({err}). Run: {install}"
            ) from err
        except ValueError as err:
            protocol = split_protocol(uri)[0]
            if protocol and protocol not in fsspec.available_protocols():
                raise ValueError(
                    f"Unknown storage protocol {protocol!r} in {uri!r}."
                    f"{did_you_mean(protocol, fsspec.available_protocols(), cutoff=0.5)}"
                ) from err
            raise

    @contextlib.contextmanager
    def _errors_of(self, filepath: PathLike) -> Iterator[None]:
        """Re-raise fsspec's errors with the full URI and a clear message."""
        uri = os.fspath(filepath)
        try:
            yield
        except FileNotFoundError as err:
            raise not_found(uri, self._siblings(uri)) from err
        except NotImplementedError as err:
            raise self._unsupported("do this with", uri) from err

    def _siblings(self, uri: str) -> list[str]:
        """Names next to ``uri`` (for "did you mean"); empty if they cannot be listed."""
        try:
            fs, path = self._fs(uri)
            parent = fs._parent(path)
            return [posixpath.basename(p.rstrip("/")) for p in fs.ls(parent, detail=False)]
        except Exception:
            return []

    # -- reading ------------------------------------------------------------------------
    def get(self, filepath: PathLike) -> bytes:
        """Return the content of ``filepath`` as bytes."""
        with self._errors_of(filepath):
            fs, path = self._fs(filepath)
            return bytes(fs.cat_file(path))

    @contextlib.contextmanager
    def get_local_path(self, filepath: PathLike) -> Iterator[str]:
        """Download ``filepath`` to a temporary local file, yield its path, remove it."""
        uri = os.fspath(filepath)
        fs, path = self._fs(uri)
        fd, tmp = tempfile.mkstemp(suffix=posixpath.splitext(path)[1])
        os.close(fd)
        try:
            with self._errors_of(uri):
                fs.get_file(path, tmp)
            yield tmp
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(tmp)

    # -- writing ------------------------------------------------------------------------
    def put(self, obj: bytes, filepath: PathLike) -> None:
        """Write ``obj`` to ``filepath`` in one request."""
        with self._errors_of(filepath):
            fs, path = self._fs(filepath)
            fs.pipe_file(path, bytes(obj))

    def remove(self, filepath: PathLike) -> None:
        """Remove the file ``filepath``; a directory or a missing file is an error."""
        uri = os.fspath(filepath)
        with self._errors_of(uri):
            fs, path = self._fs(uri)
            if not fs.isfile(path):
                if fs.isdir(path):
                    raise IsADirectoryError(f"remove: {uri!r} is a directory; use rmtree")
                raise FileNotFoundError(uri)
            fs.rm_file(path)

    def rmtree(self, dir_path: PathLike) -> None:
        """Remove the directory ``dir_path`` and everything under it."""
        uri = os.fspath(dir_path)
        with self._errors_of(uri):
            fs, path = self._fs(uri)
            if not fs.isdir(path):
                if fs.isfile(path):
                    raise NotADirectoryError(f"rmtree: {uri!r} is a file; use remove")
                raise FileNotFoundError(uri)
            fs.rm(path, recursive=True)

    # -- queries ------------------------------------------------------------------------
    def exists(self, filepath: PathLike) -> bool:
        """Whether a file or directory exists at ``filepath``."""
        with self._errors_of(filepath):
            fs, path = self._fs(filepath)
            return bool(fs.exists(path))

    def isdir(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is a directory (a key prefix, on object stores)."""
        with self._errors_of(filepath):
            fs, path = self._fs(filepath)
            return bool(fs.isdir(path))

    def isfile(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is a file."""
        with self._errors_of(filepath):
            fs, path = self._fs(filepath)
            return bool(fs.isfile(path))

    def list_dir_or_file(
        self,
        dir_path: PathLike,
        list_dir: bool = True,
        list_file: bool = True,
        suffix: str | tuple[str, ...] | None = None,
        recursive: bool = False,
    ) -> Iterator[str]:
        """Yield the entries of ``dir_path`` relative to it, sorted (see the base class).

        The arguments and the folder are checked when it is called, not when the
        iteration starts.
        """
        check_list_args(list_dir, list_file, suffix)
        uri = os.fspath(dir_path)
        with self._errors_of(uri):
            fs, path = self._fs(uri)
            if not fs.isdir(path):
                if fs.isfile(path):
                    raise NotADirectoryError(f"list_dir_or_file: {uri!r} is a file")
                raise FileNotFoundError(uri)
            if recursive:
                entries = fs.find(path, withdirs=True, detail=True)
            else:
                entries = {e["name"]: e for e in fs.ls(path, detail=True)}
        root = fs._strip_protocol(path).rstrip("/")
        return _selected(entries, root, list_dir, list_file, suffix)

    def generate_presigned_url(
        self, url: str, client_method: str = "get_object", expires_in: int = 3600
    ) -> str:
        """A time-limited download URL (``fs.sign``; S3 and other signing stores)."""
        if client_method != "get_object":
            raise ValueError(
                f"generate_presigned_url: only client_method='get_object' is supported, "
                f"got {client_method!r}"
            )
        with self._errors_of(url):
            fs, path = self._fs(url)
            return str(fs.sign(path, expiration=expires_in))

    # -- copying ------------------------------------------------------------------------
    def copyfile(self, src: PathLike, dst: PathLike) -> str:
        """Copy ``src`` to ``dst`` (into it if it is a directory), server-side when possible."""
        target = self._file_target(src, dst)
        src_fs, src_path = self._fs(src)
        dst_fs, dst_path = self._fs(target)
        with self._errors_of(src):
            if src_fs is dst_fs:
                if not src_fs.isfile(src_path):
                    raise FileNotFoundError(src_path)
                if src_fs._strip_protocol(src_path) == dst_fs._strip_protocol(dst_path):
                    raise shutil.SameFileError(
                        f"copyfile: {os.fspath(src)!r} and {target!r} are the same file"
                    )
                src_fs.copy(src_path, dst_path)
            else:
                dst_fs.pipe_file(dst_path, bytes(src_fs.cat_file(src_path)))
        return target

    def copytree(self, src: PathLike, dst: PathLike) -> str:
        """Copy the directory ``src`` to ``dst``, which must not exist; return ``dst``."""
        src_fs, src_path = self._fs(src)
        dst_fs, dst_path = self._fs(dst)
        if src_fs is not dst_fs:
            return super().copytree(src, dst)
        if src_fs.exists(dst_path):
            raise FileExistsError(f"copytree: the destination {os.fspath(dst)!r} already exists")
        with self._errors_of(src):
            if not src_fs.isdir(src_path):
                raise FileNotFoundError(src_path)
            src_fs.copy(src_path.rstrip("/") + "/", dst_path.rstrip("/") + "/", recursive=True)
        return os.fspath(dst)

    def copyfile_from_local(self, src: PathLike, dst: PathLike) -> str:
        """Upload the local file ``src`` to ``dst`` (into it if it is a directory)."""
        if not os.path.isfile(src):
            raise not_found(os.fspath(src))
        target = self._file_target(src, dst)
        fs, path = self._fs(target)
        with self._errors_of(target):
            fs.put_file(os.fspath(src), path)
        return target

    def copyfile_to_local(self, src: PathLike, dst: PathLike) -> str:
        """Download ``src`` to the local path ``dst``; the local file appears atomically."""
        target = os.fspath(dst)
        if os.path.isdir(target):
            target = os.path.join(target, posixpath.basename(os.fspath(src).rstrip("/")))
        fs, path = self._fs(src)
        with self._errors_of(src), fs.open(path, "rb") as remote, atomic_open(target) as local:
            shutil.copyfileobj(remote, local, _COPY_BUFFER)
        return target


def _selected(
    entries: dict[str, Any],
    root: str,
    list_dir: bool,
    list_file: bool,
    suffix: str | tuple[str, ...] | None,
) -> Iterator[str]:
    """The names of ``entries`` (fsspec details) relative to ``root`` that the filters keep."""
    for name in sorted(entries):
        rel = name.rstrip("/")[len(root) :].lstrip("/")
        if not rel:
            continue
        is_dir = entries[name]["type"] == "directory"
        if (is_dir and list_dir) or (
            not is_dir and list_file and (suffix is None or rel.endswith(suffix))
        ):
            yield rel
