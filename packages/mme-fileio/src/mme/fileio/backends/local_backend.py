"""``LocalBackend`` (alias ``HardDiskBackend``): the local disk, with atomic writes."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator

from mme.fileio.atomic import atomic_open, atomic_write
from mme.fileio.backends.base import BaseStorageBackend, PathLike, check_list_args
from mme.fileio.backends.fsspec_backend import not_found
from mme.fileio.errors import undecodable_text

_COPY_BUFFER = 1024 * 1024


def local_path(filepath: PathLike) -> str:
    """``filepath`` as a plain local path (a ``file://`` prefix is removed)."""
    path = os.fspath(filepath)
    return path[len("file://") :] if path.startswith("file://") else path


def local_siblings(path: str) -> list[str]:
    """The names next to ``path`` (for "did you mean"); empty if the folder is missing."""
    try:
        return os.listdir(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return []


class LocalBackend(BaseStorageBackend):
    """Files on the local disk (plain paths, ``pathlib.Path`` and ``file://`` URIs).

    ``put``, ``put_text`` (and so ``dump``) write a temporary file in the target's
    directory, fsync it and rename it into place: a crash half way through never
    leaves a truncated file. Missing parent directories are created.
    """

    @property
    def name(self) -> str:
        """``'HardDiskBackend'``: the name training logs show for the local disk."""
        return "HardDiskBackend"

    # -- reading ------------------------------------------------------------------------
    def get(self, filepath: PathLike) -> bytes:
        """Return the content of ``filepath`` as bytes."""
        path = local_path(filepath)
        try:
            with open(path, "rb") as f:
                return f.read()
        except FileNotFoundError as err:
            raise not_found(path, local_siblings(path)) from err

    def get_text(self, filepath: PathLike, encoding: str = "utf-8") -> str:
        """Return the content of ``filepath`` decoded with ``encoding``."""
        path = local_path(filepath)
        try:
            with open(path, encoding=encoding) as f:
                return f.read()
        except FileNotFoundError as err:
            raise not_found(path, local_siblings(path)) from err
        except UnicodeDecodeError as err:
            raise undecodable_text(path, err) from err

    @contextlib.contextmanager
    def get_local_path(self, filepath: PathLike) -> Iterator[str]:
        """Yield ``filepath`` itself: it is already local, nothing is copied or removed."""
        path = local_path(filepath)
        if not os.path.exists(path):
            raise not_found(path, local_siblings(path))
        yield path

    # -- writing ------------------------------------------------------------------------
    def put(self, obj: bytes, filepath: PathLike) -> None:
        """Write ``obj`` to ``filepath`` atomically (temporary file, fsync, rename)."""
        atomic_write(local_path(filepath), obj)

    def put_text(self, obj: str, filepath: PathLike, encoding: str = "utf-8") -> None:
        """Write the text ``obj`` to ``filepath`` atomically."""
        atomic_write(local_path(filepath), obj, encoding=encoding)

    def remove(self, filepath: PathLike) -> None:
        """Remove the file ``filepath``; a directory or a missing file is an error."""
        path = local_path(filepath)
        if os.path.isdir(path):
            raise IsADirectoryError(f"remove: {path!r} is a directory; use rmtree")
        try:
            os.remove(path)
        except FileNotFoundError as err:
            raise not_found(path, local_siblings(path)) from err

    def rmtree(self, dir_path: PathLike) -> None:
        """Remove the directory ``dir_path`` and everything under it."""
        path = local_path(dir_path)
        if not os.path.exists(path):
            raise not_found(path, local_siblings(path))
        shutil.rmtree(path)

    # -- queries ------------------------------------------------------------------------
    def exists(self, filepath: PathLike) -> bool:
        """Whether a file or directory exists at ``filepath``."""
        return os.path.exists(local_path(filepath))

    def isdir(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is a directory."""
        return os.path.isdir(local_path(filepath))

    def isfile(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is a file."""
        return os.path.isfile(local_path(filepath))

    def join_path(self, filepath: PathLike, *filepaths: PathLike) -> str:
        """``os.path.join`` of the parts."""
        return os.path.join(local_path(filepath), *(os.fspath(p) for p in filepaths))

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
        root = local_path(dir_path)
        if not os.path.isdir(root):
            if os.path.exists(root):
                raise NotADirectoryError(f"list_dir_or_file: {root!r} is a file")
            raise not_found(root, local_siblings(root))
        return _walk(root, "", list_dir, list_file, suffix, recursive)

    # -- copying ------------------------------------------------------------------------
    def copyfile(self, src: PathLike, dst: PathLike) -> str:
        """Copy ``src`` to ``dst`` (into it if it is a directory); return the target.

        The copy is atomic and missing parent folders of ``dst`` are created.

        Raises:
            shutil.SameFileError: ``dst`` is ``src`` (or a link to it).
        """
        source = local_path(src)
        if not os.path.isfile(source):
            if os.path.isdir(source):
                raise IsADirectoryError(f"copyfile: {source!r} is a directory; use copytree")
            raise not_found(source, local_siblings(source))
        target = local_path(dst)
        if os.path.isdir(target):
            target = os.path.join(target, os.path.basename(source))
        if os.path.exists(target) and os.path.samefile(source, target):
            raise shutil.SameFileError(f"copyfile: {source!r} and {target!r} are the same file")
        with open(source, "rb") as src_file, atomic_open(target, "wb") as dst_file:
            shutil.copyfileobj(src_file, dst_file, _COPY_BUFFER)
        shutil.copymode(source, target)
        return target

    def copytree(self, src: PathLike, dst: PathLike) -> str:
        """Copy the directory ``src`` to ``dst``, which must not exist; return ``dst``."""
        source, target = local_path(src), local_path(dst)
        if os.path.exists(target):
            raise FileExistsError(f"copytree: the destination {target!r} already exists")
        if not os.path.isdir(source):
            raise not_found(source, local_siblings(source))
        return str(shutil.copytree(source, target))

    def copyfile_from_local(self, src: PathLike, dst: PathLike) -> str:
        """Same as `copyfile` (both ends are local)."""
        return self.copyfile(src, dst)

    def copytree_from_local(self, src: PathLike, dst: PathLike) -> str:
        """Same as `copytree` (both ends are local)."""
        return self.copytree(src, dst)

    def copyfile_to_local(self, src: PathLike, dst: PathLike) -> str:
        """Same as `copyfile` (both ends are local)."""
        return self.copyfile(src, dst)

    def copytree_to_local(self, src: PathLike, dst: PathLike) -> str:
        """Same as `copytree` (both ends are local)."""
        return self.copytree(src, dst)

    def copy_if_symlink_fails(self, src: PathLike, dst: PathLike) -> bool:
        """Symlink ``dst`` to ``src``; copy where links are not allowed. True if it linked."""
        try:
            os.symlink(os.path.abspath(local_path(src)), local_path(dst))
            return True
        except OSError:
            self.copyfile(src, dst)
            return False


#: The name MMEngine's logs use for the local disk backend.
HardDiskBackend = LocalBackend


def _walk(
    root: str,
    prefix: str,
    list_dir: bool,
    list_file: bool,
    suffix: str | tuple[str, ...] | None,
    recursive: bool,
) -> Iterator[str]:
    with os.scandir(os.path.join(root, prefix) if prefix else root) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        rel = f"{prefix}/{entry.name}" if prefix else entry.name
        if entry.is_dir():
            if list_dir:
                yield rel
            if recursive:
                yield from _walk(root, rel, list_dir, list_file, suffix, recursive)
        elif list_file and (suffix is None or entry.name.endswith(suffix)):
            yield rel
