"""The storage functions on the local disk and in memory:// (FIO-03)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from mme import fileio

pytestmark = pytest.mark.spec("FIO-03")


@pytest.fixture(params=["local", "memory"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A folder with dir/a.json, dir/b.txt, dir/sub/c.json and dir/sub/deeper/d.txt."""
    base = str(tmp_path) if request.param == "local" else request.getfixturevalue("memory_root")
    join = fileio.join_path
    fileio.put_text('{"a": 1}', join(base, "dir", "a.json"))
    fileio.put_text("b", join(base, "dir", "b.txt"))
    fileio.put_text("c", join(base, "dir", "sub", "c.json"))
    fileio.put_text("d", join(base, "dir", "sub", "deeper", "d.txt"))
    return str(base)


def test_get_put_and_queries(root: str) -> None:
    path = fileio.join_path(root, "x", "data.bin")
    fileio.put(b"\x00\xff", path)
    assert fileio.get(path) == b"\x00\xff"
    fileio.put_text("ünïcode", path, encoding="utf-16")
    assert fileio.get_text(path, encoding="utf-16") == "ünïcode"
    assert fileio.exists(path)
    assert fileio.isfile(path)
    assert not fileio.isdir(path)
    assert fileio.isdir(fileio.join_path(root, "x"))
    assert not fileio.exists(fileio.join_path(root, "x", "nothing"))


def test_list_dir_or_file_variants(root: str) -> None:
    d = fileio.join_path(root, "dir")
    assert list(fileio.list_dir_or_file(d)) == ["a.json", "b.txt", "sub"]
    assert list(fileio.list_dir_or_file(d, list_file=False)) == ["sub"]
    assert list(fileio.list_dir_or_file(d, list_dir=False)) == ["a.json", "b.txt"]
    assert list(fileio.list_dir_or_file(d, recursive=True)) == [
        "a.json",
        "b.txt",
        "sub",
        "sub/c.json",
        "sub/deeper",
        "sub/deeper/d.txt",
    ]
    assert list(fileio.list_dir_or_file(d, list_file=False, recursive=True)) == [
        "sub",
        "sub/deeper",
    ]
    assert list(fileio.list_dir_or_file(d, list_dir=False, suffix=".json", recursive=True)) == [
        "a.json",
        "sub/c.json",
    ]
    assert list(
        fileio.list_dir_or_file(d, list_dir=False, suffix=(".txt", ".json"), recursive=False)
    ) == ["a.json", "b.txt"]


def test_list_dir_or_file_bad_arguments(root: str) -> None:
    d = fileio.join_path(root, "dir")
    with pytest.raises(TypeError, match=r"`suffix` .* must be None when `list_dir` is True"):
        list(fileio.list_dir_or_file(d, suffix=".json"))
    with pytest.raises(TypeError, match="`suffix` must be a str or a tuple of str, got list"):
        list(fileio.list_dir_or_file(d, list_dir=False, suffix=[".json"]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="nothing to list"):
        list(fileio.list_dir_or_file(d, list_dir=False, list_file=False))
    with pytest.raises(FileNotFoundError, match="nodir"):
        list(fileio.list_dir_or_file(fileio.join_path(root, "nodir")))
    with pytest.raises(NotADirectoryError, match="is a file"):
        list(fileio.list_dir_or_file(fileio.join_path(root, "dir", "a.json")))


def test_copyfile_into_a_file_or_a_directory(root: str) -> None:
    src = fileio.join_path(root, "dir", "a.json")
    dst = fileio.join_path(root, "copy.json")
    assert fileio.copyfile(src, dst) == dst
    assert fileio.load(dst) == {"a": 1}
    into = fileio.join_path(root, "dir", "sub")
    assert fileio.copyfile(src, into) == fileio.join_path(into, "a.json")
    assert fileio.get_text(fileio.join_path(into, "a.json")) == '{"a": 1}'
    with pytest.raises(FileNotFoundError, match=r"nothing\.json"):
        fileio.copyfile(fileio.join_path(root, "nothing.json"), dst)


def test_copytree(root: str) -> None:
    src = fileio.join_path(root, "dir")
    dst = fileio.join_path(root, "tree")
    assert fileio.copytree(src, dst) == dst
    assert list(fileio.list_dir_or_file(dst, recursive=True)) == list(
        fileio.list_dir_or_file(src, recursive=True)
    )
    assert fileio.get_text(fileio.join_path(dst, "sub", "deeper", "d.txt")) == "d"
    with pytest.raises(FileExistsError, match="already exists"):
        fileio.copytree(src, dst)


def test_copies_from_and_to_local(root: str, tmp_path: Path) -> None:
    local = tmp_path / "local-src"
    (local / "n").mkdir(parents=True)
    (local / "f.txt").write_text("f")
    (local / "n" / "g.txt").write_text("g")
    dst_file = fileio.join_path(root, "up", "f.txt")
    assert fileio.copyfile_from_local(local / "f.txt", dst_file) == dst_file
    assert fileio.get_text(dst_file) == "f"
    up_tree = fileio.join_path(root, "uptree")
    fileio.copytree_from_local(local, up_tree)
    assert fileio.get_text(fileio.join_path(up_tree, "n", "g.txt")) == "g"

    out = tmp_path / "down.txt"
    assert fileio.copyfile_to_local(dst_file, out) == out  # a Path, as it was given
    assert out.read_text() == "f"
    fileio.copytree_to_local(up_tree, tmp_path / "downtree")
    assert (tmp_path / "downtree" / "n" / "g.txt").read_text() == "g"


def test_remove_and_rmtree(root: str) -> None:
    a = fileio.join_path(root, "dir", "a.json")
    fileio.remove(a)
    assert not fileio.exists(a)
    with pytest.raises(FileNotFoundError, match=r"a\.json"):
        fileio.remove(a)
    with pytest.raises(IsADirectoryError, match="use rmtree"):
        fileio.remove(fileio.join_path(root, "dir", "sub"))
    fileio.rmtree(fileio.join_path(root, "dir", "sub"))
    assert not fileio.exists(fileio.join_path(root, "dir", "sub", "c.json"))
    with pytest.raises(FileNotFoundError, match="sub"):
        fileio.rmtree(fileio.join_path(root, "dir", "sub"))


def test_get_local_path(root: str) -> None:
    path = fileio.join_path(root, "dir", "a.json")
    with fileio.get_local_path(path) as local:
        assert os.path.isfile(local)
        assert local.endswith(".json")
        assert fileio.load(local) == {"a": 1}
    if root.startswith("memory://"):
        assert not os.path.exists(local)  # the temporary copy is gone
    else:
        assert local == path  # a local file is used in place
    with (
        pytest.raises(FileNotFoundError, match=r"missing\.json"),
        fileio.get_local_path(fileio.join_path(root, "missing.json")),
    ):
        pass


def test_local_join_path_and_file_uris(tmp_path: Path) -> None:
    assert fileio.join_path(str(tmp_path), "a", "b.txt") == os.path.join(
        str(tmp_path), "a", "b.txt"
    )
    assert fileio.join_path("memory://x/", "/a/", "b.txt") == "memory://x/a/b.txt"
    fileio.put_text("via uri", f"file://{tmp_path}/u.txt")
    assert (tmp_path / "u.txt").read_text() == "via uri"
    assert fileio.get_text(f"file://{tmp_path}/u.txt") == "via uri"


def test_copy_if_symlink_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "src.txt").write_text("s")
    assert fileio.copy_if_symlink_fails(tmp_path / "src.txt", tmp_path / "link.txt") is True
    assert (tmp_path / "link.txt").is_symlink()

    def no_symlinks(src: str, dst: str) -> None:
        raise OSError("symlinks are not allowed here")

    monkeypatch.setattr(os, "symlink", no_symlinks)
    assert fileio.copy_if_symlink_fails(tmp_path / "src.txt", tmp_path / "copy.txt") is False
    assert not (tmp_path / "copy.txt").is_symlink()
    assert (tmp_path / "copy.txt").read_text() == "s"


def test_memory_storage_refuses_to_sign(memory_root: str) -> None:
    fileio.put(b"x", f"{memory_root}/x")
    with pytest.raises(io.UnsupportedOperation, match="FsspecBackend cannot"):
        fileio.generate_presigned_url(f"{memory_root}/x")
    with pytest.raises(io.UnsupportedOperation, match="HardDiskBackend cannot sign"):
        fileio.generate_presigned_url("/tmp/x")
