"""Copy functions and list_dir_or_file behave as MMEngine's: SameFileError, Path results,
arguments checked at the call (FIO-03); text that is not UTF-8 names the file (FIO-01, FIO-05)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mme import fileio
from mme.fileio import FileParseError, LocalBackend, load

pytestmark = pytest.mark.spec("FIO-03")


@pytest.mark.parametrize(
    "copy", [fileio.copyfile, fileio.copyfile_from_local, fileio.copyfile_to_local]
)
def test_copying_a_file_onto_itself_raises_same_file_error(tmp_path: Path, copy: object) -> None:
    src = tmp_path / "a.txt"
    src.write_text("keep")
    link = tmp_path / "link.txt"
    link.symlink_to(src)
    for dst in (src, str(src), tmp_path, link):  # itself, its folder, a link to it
        with pytest.raises(shutil.SameFileError, match="are the same file"):
            copy(src, dst)  # type: ignore[operator]
    assert src.read_text() == "keep"
    assert link.is_symlink()


def test_copying_onto_itself_in_memory_raises_same_file_error(memory_root: str) -> None:
    path = f"{memory_root}/a.txt"
    fileio.put_text("keep", path)
    with pytest.raises(shutil.SameFileError, match="are the same file"):
        fileio.copyfile(path, path)
    with pytest.raises(shutil.SameFileError):
        fileio.copyfile(path, memory_root)
    assert fileio.get_text(path) == "keep"


def test_copies_return_a_path_when_given_one_and_a_str_otherwise(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("x")
    assert fileio.copyfile(src, tmp_path / "b.txt") == tmp_path / "b.txt"
    assert isinstance(fileio.copyfile(src, tmp_path / "b.txt"), Path)
    assert fileio.copyfile(src, str(tmp_path / "c.txt")) == str(tmp_path / "c.txt")
    assert isinstance(fileio.copyfile(str(src), str(tmp_path / "c.txt")), str)
    (tmp_path / "sub").mkdir()
    assert fileio.copyfile(src, tmp_path / "sub") == tmp_path / "sub" / "a.txt"
    tree = fileio.copytree(tmp_path / "sub", tmp_path / "tree")
    assert tree == tmp_path / "tree"
    assert isinstance(tree, Path)
    assert isinstance(fileio.copytree(str(tmp_path / "sub"), str(tmp_path / "t2")), str)
    assert fileio.copyfile_to_local(src, tmp_path / "d.txt") == tmp_path / "d.txt"
    assert fileio.copyfile_from_local(src, tmp_path / "e.txt") == tmp_path / "e.txt"


@pytest.mark.parametrize("where", ["local", "memory"])
def test_list_dir_or_file_checks_its_arguments_when_called(
    tmp_path: Path, memory_root: str, where: str
) -> None:
    root = str(tmp_path) if where == "local" else memory_root
    fileio.put_text("x", f"{root}/f.txt")
    with pytest.raises(TypeError, match="`suffix` filters files"):
        fileio.list_dir_or_file(root, suffix=".txt")  # not iterated
    with pytest.raises(ValueError, match="both False"):
        fileio.list_dir_or_file(root, list_dir=False, list_file=False)
    with pytest.raises(FileNotFoundError, match="missing"):
        fileio.list_dir_or_file(f"{root}/missing")
    with pytest.raises(NotADirectoryError, match="is a file"):
        fileio.list_dir_or_file(f"{root}/f.txt")
    with pytest.raises(TypeError, match="`suffix` filters files"):
        LocalBackend().list_dir_or_file(tmp_path, suffix=".txt")
    assert list(fileio.list_dir_or_file(root, list_dir=False, suffix=".txt")) == ["f.txt"]


@pytest.mark.spec("FIO-01", "FIO-05")
def test_text_that_is_not_utf8_names_the_file(tmp_path: Path, memory_root: str) -> None:
    latin1 = "caf\u00e9: 1\n".encode("latin-1")
    for name in ("data.json", "data.yaml", "lines.txt"):
        (tmp_path / name).write_bytes(latin1)
    for name in ("data.json", "data.yaml"):
        path = tmp_path / name
        kind = name.split(".")[1].upper()
        with pytest.raises(FileParseError) as info:
            load(path)
        assert str(info.value) == (
            f"{path}: invalid {kind}: the file is not valid utf-8 text: byte 0xe9 at offset 3 "
            "cannot be decoded (invalid continuation byte); save it as utf-8"
        )
    lines = tmp_path / "lines.txt"
    with pytest.raises(FileParseError, match=rf"^{lines}: .*not valid utf-8 text: byte 0xe9"):
        fileio.list_from_file(lines)
    with pytest.raises(FileParseError, match=rf"^{lines}: .*offset 3"):
        fileio.dict_from_file(lines)
    remote = f"{memory_root}/data.json"
    fileio.put(latin1, remote)
    with pytest.raises(FileParseError, match=rf"^{remote}: .*not valid utf-8 text"):
        load(remote)
    with pytest.raises(FileParseError, match=rf"^{remote}: .*not valid utf-8 text"):
        fileio.get_text(remote)
