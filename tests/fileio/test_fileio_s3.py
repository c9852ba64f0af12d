"""load/dump, text files and storage functions on a real S3 server (moto, 127.0.0.1)."""

from __future__ import annotations

import io
import urllib.request
from pathlib import Path

import pytest

from mme import fileio
from mme.fileio import dict_from_file, dump, list_from_file, load

pytestmark = pytest.mark.spec("FIO-03")

DATA = {"name": "resnet", "depth": 50, "stages": [1, 2, 3, 4], "lr": 0.1}


@pytest.mark.parametrize("name", ["test.json", "test.yaml", "test.pkl"])
@pytest.mark.spec("FIO-01", "FIO-02")
def test_dump_then_load_on_s3(s3_root: str, name: str) -> None:
    uri = f"{s3_root}/{name}"
    assert dump(DATA, uri) is None
    assert load(uri) == DATA
    assert fileio.exists(uri)


@pytest.mark.spec("FIO-05")
def test_list_from_file_on_s3_matches_the_spec(s3_root: str) -> None:
    fileio.put_text("a\nb\nc\nd\ne\n", f"{s3_root}/a.txt")
    uri = f"{s3_root}/a.txt"
    assert list_from_file(uri) == ["a", "b", "c", "d", "e"]
    assert list_from_file(uri, offset=2) == ["c", "d", "e"]
    assert list_from_file(uri, max_num=2) == ["a", "b"]
    assert list_from_file(uri, prefix="/mnt/") == ["/mnt/a", "/mnt/b", "/mnt/c", "/mnt/d", "/mnt/e"]


@pytest.mark.spec("FIO-06")
def test_dict_from_file_on_s3_matches_the_spec(s3_root: str) -> None:
    fileio.put_text("1 cat\n2 dog cow\n3 panda\n", f"{s3_root}/b.txt")
    uri = f"{s3_root}/b.txt"
    assert dict_from_file(uri) == {"1": "cat", "2": ["dog", "cow"], "3": "panda"}
    assert dict_from_file(uri, key_type=int) == {1: "cat", 2: ["dog", "cow"], 3: "panda"}


def test_missing_s3_file_names_the_full_uri_and_suggests(s3_root: str) -> None:
    dump(DATA, f"{s3_root}/test.json")
    with pytest.raises(FileNotFoundError) as info:
        load(f"{s3_root}/tset.json")
    assert f"'{s3_root}/tset.json'" in str(info.value)
    assert "Did you mean 'test.json'?" in str(info.value)
    assert info.value.filename == f"{s3_root}/tset.json"


def test_backend_args_reach_s3fs(s3_endpoint: str, s3_root: str) -> None:
    args = {"endpoint_url": s3_endpoint, "key": "testing", "secret": "testing"}
    backend = fileio.get_file_backend(s3_root, backend_args=args)
    assert isinstance(backend, fileio.FsspecBackend)
    assert backend.storage_options == args
    fileio.put(b"payload", f"{s3_root}/raw.bin", backend_args=args)
    assert fileio.get(f"{s3_root}/raw.bin", backend_args=args) == b"payload"


def test_storage_functions_on_s3(s3_root: str, tmp_path: Path) -> None:
    fileio.put(b"\x00\x01", f"{s3_root}/dir/x.bin")
    fileio.put_text("héllo", f"{s3_root}/dir/sub/y.txt")
    assert fileio.get(f"{s3_root}/dir/x.bin") == b"\x00\x01"
    assert fileio.get_text(f"{s3_root}/dir/sub/y.txt") == "héllo"
    assert fileio.isdir(f"{s3_root}/dir")
    assert fileio.isfile(f"{s3_root}/dir/x.bin")
    assert not fileio.isfile(f"{s3_root}/dir")
    assert fileio.join_path(s3_root, "dir", "x.bin") == f"{s3_root}/dir/x.bin"
    assert list(fileio.list_dir_or_file(f"{s3_root}/dir")) == ["sub", "x.bin"]
    assert list(fileio.list_dir_or_file(f"{s3_root}/dir", recursive=True)) == [
        "sub",
        "sub/y.txt",
        "x.bin",
    ]
    assert list(
        fileio.list_dir_or_file(f"{s3_root}/dir", list_dir=False, suffix=".txt", recursive=True)
    ) == ["sub/y.txt"]

    with fileio.get_local_path(f"{s3_root}/dir/sub/y.txt") as local:
        assert Path(local).read_text(encoding="utf-8") == "héllo"
        assert local.endswith(".txt")
    assert not Path(local).exists()

    assert fileio.copyfile(f"{s3_root}/dir/x.bin", f"{s3_root}/copy.bin") == f"{s3_root}/copy.bin"
    assert fileio.get(f"{s3_root}/copy.bin") == b"\x00\x01"
    assert fileio.copytree(f"{s3_root}/dir", f"{s3_root}/tree") == f"{s3_root}/tree"
    assert list(fileio.list_dir_or_file(f"{s3_root}/tree", list_dir=False, recursive=True)) == [
        "sub/y.txt",
        "x.bin",
    ]
    with pytest.raises(FileExistsError, match="already exists"):
        fileio.copytree(f"{s3_root}/dir", f"{s3_root}/tree")

    fileio.remove(f"{s3_root}/copy.bin")
    assert not fileio.exists(f"{s3_root}/copy.bin")
    with pytest.raises(FileNotFoundError, match=r"copy\.bin"):
        fileio.remove(f"{s3_root}/copy.bin")
    fileio.rmtree(f"{s3_root}/tree")
    assert not fileio.exists(f"{s3_root}/tree/x.bin")


def test_copies_between_s3_and_local_disk(s3_root: str, tmp_path: Path) -> None:
    local_dir = tmp_path / "src"
    (local_dir / "nested").mkdir(parents=True)
    (local_dir / "a.json").write_text('{"a": 1}')
    (local_dir / "nested" / "b.txt").write_text("b")

    assert fileio.copyfile_from_local(local_dir / "a.json", f"{s3_root}/up/a.json").endswith(
        "up/a.json"
    )
    assert load(f"{s3_root}/up/a.json") == {"a": 1}
    fileio.copytree_from_local(local_dir, f"{s3_root}/tree")
    assert sorted(fileio.list_dir_or_file(f"{s3_root}/tree", list_dir=False, recursive=True)) == [
        "a.json",
        "nested/b.txt",
    ]

    down = tmp_path / "down"
    down.mkdir()
    assert fileio.copyfile_to_local(f"{s3_root}/up/a.json", down) == down / "a.json"
    assert (down / "a.json").read_text() == '{"a": 1}'
    fileio.copytree_to_local(f"{s3_root}/tree", tmp_path / "tree")
    assert (tmp_path / "tree" / "nested" / "b.txt").read_text() == "b"

    # copyfile / copytree across storages pick the right backend for each end
    fileio.copyfile(f"{s3_root}/up/a.json", tmp_path / "cross.json")
    assert load(tmp_path / "cross.json") == {"a": 1}
    fileio.copytree(tmp_path / "tree", f"{s3_root}/tree2")
    assert fileio.get_text(f"{s3_root}/tree2/nested/b.txt") == "b"


def test_presigned_url_downloads_without_credentials(s3_root: str) -> None:
    fileio.put(b"signed", f"{s3_root}/s.bin")
    url = fileio.generate_presigned_url(f"{s3_root}/s.bin", expires_in=60)
    assert "Signature" in url or "X-Amz-Signature" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"signed"
    with pytest.raises(ValueError, match="client_method"):
        fileio.generate_presigned_url(f"{s3_root}/s.bin", client_method="put_object")


@pytest.mark.spec("FIO-01")
def test_load_from_s3_file_object(s3_root: str) -> None:
    dump(DATA, f"{s3_root}/obj.yaml")
    with io.StringIO(fileio.get_text(f"{s3_root}/obj.yaml")) as f:
        assert load(f, file_format="yaml") == DATA
