"""list_from_file and dict_from_file with the spec's a.txt and b.txt (FIO-05, FIO-06)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mme.fileio import dict_from_file, list_from_file, put_text


@pytest.fixture(params=["local", "memory"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "local":
        return str(tmp_path)
    return str(request.getfixturevalue("memory_root"))


@pytest.fixture
def a_txt(root: str) -> str:
    put_text("a\nb\nc\nd\ne\n", f"{root}/a.txt")
    return f"{root}/a.txt"


@pytest.fixture
def b_txt(root: str) -> str:
    put_text("1 cat\n2 dog cow\n3 panda\n", f"{root}/b.txt")
    return f"{root}/b.txt"


@pytest.mark.spec("FIO-05")
def test_list_from_file_golden_outputs(a_txt: str) -> None:
    assert list_from_file(a_txt) == ["a", "b", "c", "d", "e"]
    assert list_from_file(a_txt, offset=2) == ["c", "d", "e"]
    assert list_from_file(a_txt, max_num=2) == ["a", "b"]
    assert list_from_file(a_txt, prefix="/mnt/") == [
        "/mnt/a",
        "/mnt/b",
        "/mnt/c",
        "/mnt/d",
        "/mnt/e",
    ]


@pytest.mark.spec("FIO-05")
def test_list_from_file_combines_arguments(a_txt: str) -> None:
    assert list_from_file(a_txt, prefix="p/", offset=1, max_num=2) == ["p/b", "p/c"]
    assert list_from_file(a_txt, offset=10) == []
    assert list_from_file(a_txt, max_num=0) == list_from_file(a_txt)
    with pytest.raises(ValueError, match=r"a\.txt'\): offset must be >= 0, got -1"):
        list_from_file(a_txt, offset=-1)


@pytest.mark.spec("FIO-05")
def test_list_from_file_windows_line_endings_and_encoding(tmp_path: Path) -> None:
    (tmp_path / "crlf.txt").write_bytes(b"x\r\ny\r\n")
    assert list_from_file(tmp_path / "crlf.txt") == ["x", "y"]
    (tmp_path / "latin.txt").write_bytes("é\n".encode("latin-1"))
    assert list_from_file(tmp_path / "latin.txt", encoding="latin-1") == ["é"]


@pytest.mark.spec("FIO-06")
def test_dict_from_file_golden_outputs(b_txt: str) -> None:
    assert dict_from_file(b_txt) == {"1": "cat", "2": ["dog", "cow"], "3": "panda"}
    assert dict_from_file(b_txt, key_type=int) == {1: "cat", 2: ["dog", "cow"], 3: "panda"}


@pytest.mark.spec("FIO-06")
def test_dict_from_file_skips_blank_lines_and_reports_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_text("1 cat\n\n2\tdog\n")
    assert dict_from_file(path) == {"1": "cat", "2": "dog"}
    path.write_text("1 cat\nlonely\n")
    with pytest.raises(ValueError, match=r"c\.txt, line 2: expected a key and at least one value"):
        dict_from_file(path)
    path.write_text("1 cat\ntwo dog\n")
    with pytest.raises(ValueError, match=r"c\.txt, line 2: cannot convert the key 'two' with int"):
        dict_from_file(path, key_type=int)


@pytest.mark.spec("FIO-05", "FIO-06")
def test_missing_text_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.txt"):
        list_from_file(tmp_path / "nope.txt")
    with pytest.raises(FileNotFoundError, match=r"nope\.txt"):
        dict_from_file(tmp_path / "nope.txt")
