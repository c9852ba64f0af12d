"""Atomic writes change a file's content, never what the path is (FIO-02).

Symlinks are written through, owner and mode are kept, a read-only file is refused like
``open`` refuses it, FIFOs are written directly, and a killed writer's temporary file is
removed by the next write of the same target.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mme import fileio
from mme.fileio import atomic_open, atomic_write, dump, load
from mme.fileio.atomic import TMP_SUFFIX, remove_stale_temporaries

pytestmark = pytest.mark.spec("FIO-02")

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534


def _temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(TMP_SUFFIX))


def test_a_symlink_is_written_through_to_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    dump({"v": 1}, real)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    second = tmp_path / "second.json"
    second.symlink_to(link)  # a chain of links
    dump({"v": 2}, link)
    assert link.is_symlink()
    assert load(real) == {"v": 2}
    dump({"v": 3}, second)
    assert second.is_symlink()
    assert link.is_symlink()
    assert load(real) == {"v": 3}
    assert _temporaries(tmp_path) == []


def test_a_dangling_symlink_creates_its_target_as_open_would(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "sub" / "target.txt")
    fileio.put_text("made", link)
    assert link.is_symlink()
    assert (tmp_path / "sub" / "target.txt").read_text() == "made"


def test_mode_and_special_bits_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "run.sh"
    path.write_text("old")
    path.chmod(0o751)
    atomic_write(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert path.read_text() == "new"


@pytest.mark.skipif(not IS_ROOT, reason="only root may give a file to another user")
def test_the_owner_and_group_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "shared.json"
    dump({"v": 1}, path)
    os.chown(path, NOBODY, NOBODY)
    dump({"v": 2}, path)
    assert (path.stat().st_uid, path.stat().st_gid) == (NOBODY, NOBODY)
    assert load(path) == {"v": 2}


def _refusal(write: Callable[[], None]) -> str:
    try:
        write()
    except PermissionError as err:
        return f"PermissionError: {err}"
    return "written"


@contextlib.contextmanager
def _open_folder() -> Iterator[Path]:
    """A folder every user may enter (pytest's own tmp_path is private to its user)."""
    folder = Path(tempfile.mkdtemp(prefix="mme-atomic-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def _as_nobody(action: Callable[[], str]) -> str:
    """Run ``action`` in a forked child that dropped root privileges; return what it returned."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read_end)
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            result = action()
        except BaseException as err:
            result = f"child failed: {err!r}"
        os.write(write_end, result.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        result = pipe.read().decode()
    os.waitpid(pid, 0)
    return result


def _check_read_only_refusal(path: Path) -> list[str]:
    def plain_open() -> None:
        with open(path, "a"):
            pass

    return [
        _refusal(plain_open),
        _refusal(lambda: atomic_write(path, "new")),
        _refusal(lambda: dump({"v": 2}, path)),
        path.read_text(),
        ",".join(_temporaries(path.parent)),
    ]


def test_a_file_the_process_may_not_write_is_refused_like_open_refuses_it() -> None:
    with _open_folder() as folder:
        path = folder / "frozen.json"
        path.write_text('{"v": 1}')
        path.chmod(0o444)
        if IS_ROOT:  # root may write anything: check as an ordinary user
            outcome = _as_nobody(lambda: "\n".join(_check_read_only_refusal(path)))
        else:
            outcome = "\n".join(_check_read_only_refusal(path))
        denied = f"PermissionError: [Errno 13] Permission denied: '{path}'"
        assert outcome.split("\n") == [denied, denied, denied, '{"v": 1}', ""]
        assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_root_writes_a_read_only_file_as_open_does(tmp_path: Path) -> None:
    path = tmp_path / "frozen.txt"
    path.write_text("old")
    path.chmod(0o444)
    if not IS_ROOT:
        pytest.skip("only root may write a read-only file")
    atomic_write(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_written_directly_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as f:
            received.append(f.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    dump({"through": "pipe"}, fifo)
    thread.join(10)
    assert received == [b'{"through": "pipe"}']
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert _temporaries(tmp_path) == []


def test_temporaries_are_named_after_the_target_host_and_writer(tmp_path: Path) -> None:
    with atomic_open(tmp_path / "ckpt.pth") as f:
        (name,) = _temporaries(tmp_path)
        f.write(b"x")
    assert name.startswith(".ckpt.pth.")
    assert f".{os.getpid()}." in name
    assert name.endswith(TMP_SUFFIX)
    assert _temporaries(tmp_path) == []


_KILLED_WRITER = """
import os, sys
from mme.fileio import atomic_open
with atomic_open(sys.argv[1], "wb") as f:
    f.write(b"x" * 100_000)
    f.flush()
    os._exit(9)  # killed half way: no cleanup runs
"""


def test_a_killed_writer_leaves_an_orphan_that_the_next_write_removes(tmp_path: Path) -> None:
    target = tmp_path / "model.pkl"
    dump({"epoch": 1}, target)
    seen = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(target)], check=False)
        assert done.returncode == 9
        seen.append(_temporaries(tmp_path))
    # each killed writer leaves its temporary; the second one's write removed the first's
    assert [len(names) for names in seen] == [1, 1]
    assert seen[0] != seen[1]
    orphans = seen[1]
    assert (tmp_path / orphans[0]).stat().st_size == 100_000
    other = tmp_path / "other.pkl"
    dump({"other": True}, other)  # a write of another file leaves them alone
    assert _temporaries(tmp_path) == orphans
    dump({"epoch": 2}, target)
    assert _temporaries(tmp_path) == []
    assert load(target) == {"epoch": 2}


def test_a_write_in_progress_elsewhere_keeps_its_temporary(tmp_path: Path) -> None:
    target = tmp_path / "log.json"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with atomic_open(target) as f:
            (mine,) = _temporaries(tmp_path)
            busy = mine.replace(f".{os.getpid()}.", f".{sleeper.pid}.")
            (tmp_path / busy).write_bytes(b"partial")
            dead = mine.replace(f".{os.getpid()}.", ".999999999.")
            (tmp_path / dead).write_bytes(b"orphan")
            # only the orphan goes: not this write's own file, not the live process's
            assert remove_stale_temporaries(target) == [str(tmp_path / dead)]
            f.write(b"{}")
        assert sorted(_temporaries(tmp_path)) == [busy]
    finally:
        sleeper.kill()
        sleeper.wait()
    dump({}, target)
    assert _temporaries(tmp_path) == []
