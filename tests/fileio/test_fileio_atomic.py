"""Atomic local writes: a write that fails half way leaves the previous file intact (FIO-02)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from mme import fileio
from mme.fileio import (
    BaseFileHandler,
    atomic_open,
    dump,
    file_handlers,
    load,
    load_dump,
    register_handler,
)
from mme.fileio.atomic import TMP_SUFFIX

pytestmark = pytest.mark.spec("FIO-02")


class HalfWayCrash(RuntimeError):
    pass


@pytest.fixture
def crashing_format() -> Iterator[str]:
    """A handler whose dump writes half of its output, then fails."""
    saved = dict(file_handlers)

    @register_handler("crash")
    class CrashingHandler(BaseFileHandler):
        def load_from_fileobj(self, file: IO[Any], **kwargs: Any) -> Any:
            return file.read()

        def dump_to_fileobj(self, obj: Any, file: IO[Any], **kwargs: Any) -> None:
            text = str(obj)
            file.write(text[: len(text) // 2])
            raise HalfWayCrash("disk on fire")

        def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
            return str(obj)

    yield "crash"
    file_handlers.clear()
    file_handlers.update(saved)


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(TMP_SUFFIX))


def _half_way_dump_keeps_the_previous_file(path: Path) -> bool:
    """Dump with a handler that writes half its output, then fails; is the old file intact?"""
    path.write_text("previous content")
    with pytest.raises(HalfWayCrash):
        dump("new content " * 1000, path)
    return path.read_text() == "previous content"


def test_a_dump_that_fails_half_way_keeps_the_previous_file(
    tmp_path: Path, crashing_format: str
) -> None:
    assert _half_way_dump_keeps_the_previous_file(tmp_path / "state.crash")
    assert _leftovers(tmp_path) == []


def test_the_half_way_check_catches_a_writer_that_is_not_atomic(
    tmp_path: Path, crashing_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test above can fail: with a plain open() in place of atomic_open it does."""
    monkeypatch.setattr(load_dump, "atomic_open", open)
    assert not _half_way_dump_keeps_the_previous_file(tmp_path / "state.crash")


def test_a_handler_writing_to_a_path_directly_is_atomic_too(
    tmp_path: Path, crashing_format: str
) -> None:
    path = tmp_path / "direct.crash"
    path.write_text("previous")
    with pytest.raises(HalfWayCrash):
        file_handlers["crash"].dump_to_path("x" * 100, str(path))
    assert path.read_text() == "previous"
    assert _leftovers(tmp_path) == []


def test_a_failing_replace_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ckpt.pkl"
    dump({"epoch": 1}, path)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="power cut"):
        dump({"epoch": 2}, path)
    monkeypatch.undo()
    assert load(path) == {"epoch": 1}
    assert _leftovers(tmp_path) == []


def test_the_data_is_fsynced_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync")
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    fileio.put_text("data", tmp_path / "a.txt")
    fileio.put(b"data", tmp_path / "a.bin")
    dump([1], tmp_path / "a.json")
    assert events == ["fsync", "replace", "fsync folder"] * 3


def test_a_failing_write_of_put_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")

    def fsync(fd: int) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="no space"):
        fileio.put(b"new", path)
    assert path.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_writes_create_parent_folders_and_keep_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def umask(mask: int) -> int:
        raise AssertionError("the process umask is shared by all threads: never change it")

    path = tmp_path / "deep" / "er" / "x.json"
    with monkeypatch.context() as patch:
        patch.setattr(os, "umask", umask)
        dump({"a": 1}, path)
    assert load(path) == {"a": 1}
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    path.chmod(0o600)
    dump({"a": 2}, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_atomic_open_refuses_append_and_read_modes(tmp_path: Path) -> None:
    for mode in ("a", "r+", "w+", "x"):
        with (
            pytest.raises(ValueError, match="mode must be 'w' or 'wb'"),
            atomic_open(tmp_path / "f", mode),
        ):
            pass
    with atomic_open(tmp_path / "t.txt", "w", encoding="utf-8") as f:
        f.write("ok")
    assert (tmp_path / "t.txt").read_text() == "ok"


def test_background_sync_renames_at_once_and_fsyncs_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``sync='background'``: the file is in place when the block ends (atomic for readers
    and killed processes); its fsync and the folder's run in the background, in order."""
    import threading

    from mme.fileio import atomic as atomic_module
    from mme.fileio import atomic_write, wait_for_background_syncs

    release = threading.Event()
    synced: list[str] = []
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        release.wait(timeout=30)
        synced.append(os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc") else "?")
        real_fsync(fd)

    monkeypatch.setattr(atomic_module.os, "fsync", slow_fsync)
    target = tmp_path / "ckpt.pth"
    with atomic_open(target, "wb", sync="background") as f:
        f.write(b"weights")
    atomic_write(tmp_path / "last_checkpoint", str(target), sync="background")
    assert target.read_bytes() == b"weights"  # renamed into place before any fsync ran
    assert (tmp_path / "last_checkpoint").read_text() == str(target)
    assert synced == []
    release.set()
    wait_for_background_syncs()
    if os.path.exists("/proc"):  # the file, its folder, then the pointer and the folder again
        assert synced == [
            str(target),
            str(tmp_path),
            str(tmp_path / "last_checkpoint"),
            str(tmp_path),
        ]
    assert not list(tmp_path.glob(f"*{TMP_SUFFIX}"))


def test_sync_mode_must_be_known(tmp_path: Path) -> None:
    with (
        pytest.raises(
            ValueError,
            match=r"atomic_open: sync must be one of \('now', 'background'\), got 'later'",
        ),
        atomic_open(tmp_path / "x", "wb", sync="later"),
    ):
        pass
    assert not (tmp_path / "x").exists()
