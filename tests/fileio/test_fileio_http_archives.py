"""Reading over HTTP from a real local server, and from zip and tar archives (FIO-03)."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from mme import fileio

pytestmark = pytest.mark.spec("FIO-03")


@pytest.fixture
def served(http_server: tuple[str, Path]) -> str:
    url, root = http_server
    (root / "cfg.json").write_text(json.dumps({"lr": 0.1}))
    (root / "a.txt").write_text("a\nb\nc\nd\ne\n")
    (root / "ckpt.pth").write_bytes(b"\x80\x02weights")
    return url


@pytest.mark.spec("FIO-01", "FIO-05")
def test_read_over_http(served: str, tmp_path: Path) -> None:
    assert fileio.load(f"{served}/cfg.json") == {"lr": 0.1}
    assert fileio.list_from_file(f"{served}/a.txt", offset=2) == ["c", "d", "e"]
    assert fileio.get(f"{served}/ckpt.pth") == b"\x80\x02weights"
    assert fileio.get_text(f"{served}/a.txt").startswith("a\n")
    assert fileio.exists(f"{served}/cfg.json")
    assert fileio.isfile(f"{served}/cfg.json")
    with fileio.get_local_path(f"{served}/ckpt.pth") as local:
        assert local.endswith(".pth")
        assert Path(local).read_bytes() == b"\x80\x02weights"
    assert not Path(local).exists()
    assert fileio.copyfile(f"{served}/ckpt.pth", tmp_path) == tmp_path / "ckpt.pth"
    assert (tmp_path / "ckpt.pth").read_bytes() == b"\x80\x02weights"
    fileio.copyfile_to_local(f"{served}/cfg.json", tmp_path / "c.json")
    assert fileio.load(tmp_path / "c.json") == {"lr": 0.1}


def test_missing_http_file_names_the_url(served: str) -> None:
    with pytest.raises(FileNotFoundError) as info:
        fileio.load(f"{served}/nope.json")
    assert f"'{served}/nope.json'" in str(info.value)
    assert not fileio.exists(f"{served}/nope.json")


def test_http_is_read_only(served: str, tmp_path: Path) -> None:
    with pytest.raises(io.UnsupportedOperation, match=r"HTTPBackend cannot write to .*read-only"):
        fileio.dump({"a": 1}, f"{served}/new.json")
    with pytest.raises(io.UnsupportedOperation, match="read-only"):
        fileio.remove(f"{served}/cfg.json")
    (tmp_path / "x").write_text("x")
    with pytest.raises(io.UnsupportedOperation, match="read-only"):
        fileio.copyfile_from_local(tmp_path / "x", f"{served}/x")


@pytest.mark.spec("FIO-01", "FIO-06")
def test_read_from_a_zip_archive(tmp_path: Path) -> None:
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("inner/cfg.yaml", "lr: 0.1\n")
        zf.writestr("inner/b.txt", "1 cat\n2 dog cow\n")
    assert fileio.load(f"zip://inner/cfg.yaml::{archive}") == {"lr": 0.1}
    assert fileio.dict_from_file(f"zip://inner/b.txt::{archive}") == {
        "1": "cat",
        "2": ["dog", "cow"],
    }
    assert list(fileio.list_dir_or_file(f"zip://inner::{archive}")) == ["b.txt", "cfg.yaml"]
    with pytest.raises(FileNotFoundError, match=r"zip://inner/cfg\.yml::.*Did you mean 'cfg.yaml'"):
        fileio.load(f"zip://inner/cfg.yml::{archive}")


@pytest.mark.spec("FIO-01")
def test_read_from_a_tar_archive_in_memory(memory_root: str) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tf:
        payload = json.dumps({"epoch": 3}).encode()
        info = tarfile.TarInfo("state.json")
        info.size = len(payload)
        tf.addfile(info, io.BytesIO(payload))
    fileio.put(buffer.getvalue(), f"{memory_root}/bundle.tar")
    assert fileio.load(f"tar://state.json::{memory_root}/bundle.tar") == {"epoch": 3}
    with fileio.get_local_path(f"tar://state.json::{memory_root}/bundle.tar") as local:
        assert fileio.load(local) == {"epoch": 3}
