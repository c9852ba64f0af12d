"""Atomic local writes: a temporary file next to the target, fsync, rename, fsync the folder.

A reader never sees a half-written file and a crash (or an exception raised half way through
a write) leaves the previous file as it was. The write changes the file's content, not what
the path is:

- a symlink is followed and its target is replaced (the link stays a link);
- the new file keeps the old one's mode and, where the process may, its owner and group;
  a new file gets the mode a plain ``open(path, 'w')`` would give it (the kernel applies the
  umask; the process umask is never changed);
- a file the process may not write is refused with the ``PermissionError`` ``open`` raises;
- something that is not a regular file (a FIFO, a device) is written directly: it cannot be
  replaced by a file without changing what it is.

With ``sync='background'`` the rename happens at once and the fsyncs run in a background
thread (in order, one at a time; the interpreter waits for them at exit): the write is as
atomic for readers and for a killed process, and becomes durable against a machine crash a
moment later, without the writer waiting for the disk (a checkpoint of a training run).

Temporary files are named ``.<name>.<host>.<pid>.<random>.mme-tmp``. A writer killed half way
leaves one behind; the next write of the same target removes those of this host whose process
has ended.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import socket
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any

#: Suffix of every temporary file an atomic write creates.
TMP_SUFFIX = ".mme-tmp"
_NAME_LIMIT = 255  # longest file name most file systems allow
_live_tmps: set[str] = set()  # this process's writes in progress (other threads included)
_live_lock = threading.Lock()
_SYNC_MODES = ("now", "background")
_background: ThreadPoolExecutor | None = None
_background_lock = threading.Lock()


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "wb", sync: str = "now", **open_kwargs: Any
) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path`` that replaces ``path`` when the block ends.

    Missing parent directories are created. If the block raises, the temporary file
    is removed and ``path`` is untouched. See the module documentation for symlinks,
    owner and mode, read-only files and FIFOs.

    Args:
        path: The file to write.
        mode: ``'w'``/``'wb'`` (or the same with ``'t'``); appending is not atomic and is refused.
        sync: ``'now'``: fsync the file before the rename and the folder after it.
            ``'background'``: rename at once, fsync in a background thread (see the module
            documentation; `wait_for_background_syncs` waits for them).
        **open_kwargs: Passed to ``open`` (``encoding``, ``newline``...).

    Raises:
        PermissionError: ``path`` exists and this process may not write it.
    """
    if "w" not in mode or any(c in mode for c in "ax+r"):
        raise ValueError(f"atomic_open writes whole files; mode must be 'w' or 'wb', got {mode!r}")
    if sync not in _SYNC_MODES:
        raise ValueError(f"atomic_open: sync must be one of {_SYNC_MODES}, got {sync!r}")
    target = _resolve_links(os.fspath(path))
    existing = _stat_or_none(target)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(target, mode, **open_kwargs) as direct:  # FIFO, device: written in place
            yield direct
        return
    if existing is not None and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), target)
    directory = os.path.dirname(os.path.abspath(target))
    os.makedirs(directory, exist_ok=True)
    remove_stale_temporaries(target)
    fd, tmp = _create_temporary(target)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
            f.flush()
            if sync == "now":
                os.fsync(f.fileno())
        if existing is not None:
            _copy_owner_and_mode(existing, tmp)
        os.replace(tmp, target)
        if sync == "now":
            _fsync_directory(directory)
        else:
            _in_background(_fsync_file_and_directory, target, directory)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    finally:
        with _live_lock:
            _live_tmps.discard(tmp)


def atomic_write(
    path: str | os.PathLike[str], data: bytes | str, encoding: str = "utf-8", sync: str = "now"
) -> None:
    """Write ``data`` (bytes, or text in ``encoding``) to ``path`` atomically (``sync`` as
    in `atomic_open`)."""
    if isinstance(data, str):
        data = data.encode(encoding)
    with atomic_open(path, "wb", sync=sync) as f:
        f.write(data)


def wait_for_background_syncs() -> None:
    """Return once every fsync queued by a ``sync='background'`` write so far is done."""
    with _background_lock:
        executor = _background
    if executor is not None:
        executor.submit(lambda: None).result()  # one worker, in order: all before it are done


def _in_background(function: Any, *args: Any) -> Future:
    global _background
    with _background_lock:
        if _background is None:
            # Worker threads are joined at interpreter exit: queued fsyncs still happen.
            _background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mme-fsync")
        return _background.submit(function, *args)


def _fsync_file_and_directory(path: str, directory: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # removed or replaced since: nothing of ours left to make durable
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
    _fsync_directory(directory)


def remove_stale_temporaries(path: str | os.PathLike[str]) -> list[str]:
    """Remove the temporary files that killed writers of ``path`` left behind; return them.

    Only temporaries made on this host by a process that no longer runs are removed: a
    write in progress (in this process or another) keeps its file.
    """
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    prefix = f"{_tmp_stem(target)}.{_host()}."
    removed: list[str] = []
    try:
        entries = [e.name for e in os.scandir(directory) if e.name.startswith(prefix)]
    except OSError:
        return removed
    for name in entries:
        if not name.endswith(TMP_SUFFIX):
            continue
        pid_text = name[len(prefix) :].split(".", 1)[0]
        full = os.path.join(directory, name)
        if not pid_text.isdigit() or _in_progress(int(pid_text), full):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(full)
            removed.append(full)
    return removed


def _resolve_links(target: str) -> str:
    """The file a chain of symlinks at ``target`` ends in (``target`` if it is no link)."""
    if not os.path.islink(target):
        return target
    return os.path.realpath(target)


def _stat_or_none(target: str) -> os.stat_result | None:
    try:
        return os.stat(target)
    except FileNotFoundError:
        return None


def _host() -> str:
    return socket.gethostname().replace(".", "-").replace(os.sep, "-") or "localhost"


def _tmp_stem(target: str) -> str:
    """``.<name>`` shortened so that the whole temporary name fits in a file name."""
    room = _NAME_LIMIT - len(f"..{_host()}.{2**22}.{'0' * 12}{TMP_SUFFIX}")
    return "." + os.path.basename(target)[: max(room, 1)]


def _create_temporary(target: str) -> tuple[int, str]:
    """Create the temporary file (mode 0o666 less the umask, as ``open`` would give)."""
    directory = os.path.dirname(os.path.abspath(target))
    while True:
        name = f"{_tmp_stem(target)}.{_host()}.{os.getpid()}.{secrets.token_hex(6)}{TMP_SUFFIX}"
        tmp = os.path.join(directory, name)
        try:
            fd = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
            )
        except FileExistsError:
            continue
        with _live_lock:
            _live_tmps.add(tmp)
        return fd, tmp


def _in_progress(pid: int, tmp: str) -> bool:
    """Whether the writer ``pid`` of ``tmp`` may still be writing it."""
    if pid == os.getpid():
        with _live_lock:
            return tmp in _live_tmps
    if os.name == "nt":
        return True  # os.kill(pid, 0) would send CTRL_C there: keep other processes' files
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a process of another user runs under that pid
    except OSError:
        return True  # cannot tell: keep the file
    return True


def _copy_owner_and_mode(existing: os.stat_result, tmp: str) -> None:
    """Give the new file the owner, group and permissions of the file it replaces."""
    if hasattr(os, "chown") and (existing.st_uid, existing.st_gid) != _owner_of(tmp):
        try:
            os.chown(tmp, existing.st_uid, existing.st_gid)
        except PermissionError:
            # Only root may give a file away; a group the user belongs to is still allowed.
            with contextlib.suppress(PermissionError):
                os.chown(tmp, -1, existing.st_gid)
    os.chmod(tmp, stat.S_IMODE(existing.st_mode))  # after chown, which clears set-id bits


def _owner_of(path: str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_uid, info.st_gid


def _fsync_directory(directory: str) -> None:
    """Make the rename durable: fsync the folder (where the platform allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open folders; the rename is as durable as it gets there
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder
    finally:
        os.close(fd)
