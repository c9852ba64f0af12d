"""``BaseStorageBackend``: the operations every storage offers, with generic defaults.

A backend only has to implement `BaseStorageBackend.get`; the other
operations either have a default built on the simpler ones (``get_text`` decodes
``get``, ``copyfile`` is ``put(get(src))``...) or raise ``io.UnsupportedOperation``
with a message naming the backend, the operation and the path.
"""

from __future__ import annotations

import contextlib
import io
import os
import posixpath
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Union

from mme.fileio.atomic import atomic_write
from mme.fileio.errors import undecodable_text

PathLike = Union[str, "os.PathLike[str]"]


def check_list_args(list_dir: bool, list_file: bool, suffix: str | tuple[str, ...] | None) -> None:
    """Validate the arguments of ``list_dir_or_file`` (shared by every backend)."""
    if list_dir and suffix is not None:
        raise TypeError(
            "list_dir_or_file: `suffix` filters files, so it must be None when "
            "`list_dir` is True (pass list_dir=False)"
        )
    if suffix is not None and not isinstance(suffix, (str, tuple)):
        raise TypeError(
            f"list_dir_or_file: `suffix` must be a str or a tuple of str, got "
            f"{type(suffix).__name__}"
        )
    if not list_dir and not list_file:
        raise ValueError("list_dir_or_file: list_dir and list_file are both False: nothing to list")


class BaseStorageBackend(ABC):
    """A place files live in (local disk, an object store, a web server...).

    Paths are strings (a local path or a URI such as ``s3://bucket/key``); every
    method that names a file accepts what ``os.fspath`` accepts.
    """

    @property
    def name(self) -> str:
        """The name logs show for this backend (its class name)."""
        return type(self).__name__

    # -- reading ------------------------------------------------------------------------
    @abstractmethod
    def get(self, filepath: PathLike) -> bytes:
        """Return the content of ``filepath`` as bytes."""

    def get_text(self, filepath: PathLike, encoding: str = "utf-8") -> str:
        """Return the content of ``filepath`` decoded with ``encoding``."""
        try:
            return self.get(filepath).decode(encoding)
        except UnicodeDecodeError as err:
            raise undecodable_text(os.fspath(filepath), err) from err

    @contextlib.contextmanager
    def get_local_path(self, filepath: PathLike) -> Iterator[str]:
        """Yield a local file holding the content of ``filepath``; it is removed afterwards.

        The temporary file keeps the extension of ``filepath``, so tools that look at
        extensions keep working.
        """
        data = self.get(filepath)
        suffix = posixpath.splitext(os.fspath(filepath))[1]
        fd, tmp = tempfile.mkstemp(suffix=suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            yield tmp
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(tmp)

    # -- writing ------------------------------------------------------------------------
    def put(self, obj: bytes, filepath: PathLike) -> None:
        """Write ``obj`` to ``filepath``, replacing what was there."""
        raise self._unsupported("write to", filepath)

    def put_text(self, obj: str, filepath: PathLike, encoding: str = "utf-8") -> None:
        """Write the text ``obj`` to ``filepath`` encoded with ``encoding``."""
        self.put(obj.encode(encoding), filepath)

    def remove(self, filepath: PathLike) -> None:
        """Remove the file ``filepath``."""
        raise self._unsupported("remove", filepath)

    def rmtree(self, dir_path: PathLike) -> None:
        """Remove the directory ``dir_path`` and everything under it."""
        raise self._unsupported("remove the tree", dir_path)

    # -- queries ------------------------------------------------------------------------
    def exists(self, filepath: PathLike) -> bool:
        """Whether a file or directory exists at ``filepath``."""
        raise self._unsupported("check the existence of", filepath)

    def isdir(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is a directory."""
        raise self._unsupported("check for a directory at", filepath)

    def isfile(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is a file."""
        raise self._unsupported("check for a file at", filepath)

    def join_path(self, filepath: PathLike, *filepaths: PathLike) -> str:
        """Join path parts with ``/`` (no doubled separators)."""
        parts = [os.fspath(filepath).rstrip("/")]
        parts += [os.fspath(p).strip("/") for p in filepaths]
        return "/".join(p for i, p in enumerate(parts) if p or i == 0)

    def list_dir_or_file(
        self,
        dir_path: PathLike,
        list_dir: bool = True,
        list_file: bool = True,
        suffix: str | tuple[str, ...] | None = None,
        recursive: bool = False,
    ) -> Iterator[str]:
        """Yield the entries of ``dir_path``, relative to it.

        Args:
            dir_path: The directory to list.
            list_dir: Yield directories.
            list_file: Yield files.
            suffix: Only files whose name ends with it (a str or a tuple of str);
                only valid with ``list_dir=False``.
            recursive: Walk sub-directories too.
        """
        raise self._unsupported("list", dir_path)

    def generate_presigned_url(
        self, url: str, client_method: str = "get_object", expires_in: int = 3600
    ) -> str:
        """Return a URL that grants temporary access to ``url`` without credentials."""
        raise self._unsupported("sign a URL for", url)

    # -- copying ------------------------------------------------------------------------
    def copyfile(self, src: PathLike, dst: PathLike) -> str:
        """Copy the file ``src`` to ``dst`` (into it if it is a directory); return the target."""
        target = self._file_target(src, dst)
        if target == os.fspath(src):
            raise shutil.SameFileError(f"copyfile: {target!r} and itself are the same file")
        self.put(self.get(src), target)
        return target

    def copytree(self, src: PathLike, dst: PathLike) -> str:
        """Copy the directory ``src`` to ``dst``, which must not exist; return ``dst``."""
        if self.exists(dst):
            raise FileExistsError(f"copytree: the destination {os.fspath(dst)!r} already exists")
        for rel in self.list_dir_or_file(src, list_dir=False, recursive=True):
            self.put(self.get(self.join_path(src, rel)), self.join_path(dst, rel))
        return os.fspath(dst)

    def copyfile_from_local(self, src: PathLike, dst: PathLike) -> str:
        """Upload the local file ``src`` to ``dst``; return the target."""
        target = self._file_target(src, dst)
        with open(src, "rb") as f:
            self.put(f.read(), target)
        return target

    def copytree_from_local(self, src: PathLike, dst: PathLike) -> str:
        """Upload the local directory ``src`` to ``dst``, which must not exist; return ``dst``."""
        if self.exists(dst):
            raise FileExistsError(
                f"copytree_from_local: the destination {os.fspath(dst)!r} already exists"
            )
        if not os.path.isdir(src):
            raise NotADirectoryError(f"copytree_from_local: {os.fspath(src)!r} is not a directory")
        for root, _dirs, files in os.walk(src):
            for name in files:
                local = os.path.join(root, name)
                rel = os.path.relpath(local, src).replace(os.sep, "/")
                self.copyfile_from_local(local, self.join_path(dst, rel))
        return os.fspath(dst)

    def copyfile_to_local(self, src: PathLike, dst: PathLike) -> str:
        """Download ``src`` to the local path ``dst`` (into it if it is a directory)."""
        target = os.fspath(dst)
        if os.path.isdir(target):
            target = os.path.join(target, posixpath.basename(os.fspath(src).rstrip("/")))
        atomic_write(target, self.get(src))
        return target

    def copytree_to_local(self, src: PathLike, dst: PathLike) -> str:
        """Download the directory ``src`` to the local directory ``dst``; return ``dst``."""
        for rel in self.list_dir_or_file(src, list_dir=False, recursive=True):
            atomic_write(os.path.join(dst, *rel.split("/")), self.get(self.join_path(src, rel)))
        return os.fspath(dst)

    def copy_if_symlink_fails(self, src: PathLike, dst: PathLike) -> bool:
        """Link ``dst`` to ``src`` where the storage can, else copy; True if it linked."""
        self.copyfile(src, dst)
        return False

    # -- helpers ------------------------------------------------------------------------
    def _file_target(self, src: PathLike, dst: PathLike) -> str:
        """``dst``, or ``dst/<name of src>`` when ``dst`` is an existing directory."""
        target = os.fspath(dst)
        try:
            is_dir = self.isdir(target)
        except io.UnsupportedOperation:
            is_dir = False
        if is_dir:
            target = self.join_path(target, posixpath.basename(os.fspath(src).rstrip("/")))
        return target

    def _unsupported(self, action: str, path: PathLike) -> io.UnsupportedOperation:
        return io.UnsupportedOperation(
            f"{self.name} cannot {action} {os.fspath(path)!r}: this storage does not support it"
        )
