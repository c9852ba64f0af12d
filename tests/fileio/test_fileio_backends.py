"""Choosing backends: get_file_backend, register_backend, BaseStorageBackend (FIO-03)."""

from __future__ import annotations

import importlib
import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mme import fileio
from mme.fileio import (
    BackendExistsError,
    BaseStorageBackend,
    FileIOError,
    FsspecBackend,
    HardDiskBackend,
    HTTPBackend,
    LocalBackend,
    MissingExtraError,
    get_file_backend,
    register_backend,
)
from mme.fileio.backends import backends, prefix_to_backends

pytestmark = pytest.mark.spec("FIO-03")

#: fsspec's cache of imported filesystem classes (the module, not the ``fsspec.registry`` map).
FSSPEC_CLASSES = importlib.import_module("fsspec.registry")._registry


@pytest.fixture(autouse=True)
def _restore_registry() -> Iterator[None]:
    saved, saved_prefixes = dict(backends), dict(prefix_to_backends)
    yield
    backends.clear()
    backends.update(saved)
    prefix_to_backends.clear()
    prefix_to_backends.update(saved_prefixes)


class DictBackend(BaseStorageBackend):
    """A minimal third-party backend: only get and put, everything else from the base."""

    def __init__(self, store: dict[str, bytes] | None = None) -> None:
        self.store = {} if store is None else store

    def get(self, filepath: object) -> bytes:
        key = str(filepath)
        if key not in self.store:
            raise FileNotFoundError(key)
        return self.store[key]

    def put(self, obj: bytes, filepath: object) -> None:
        self.store[str(filepath)] = obj


def test_uri_prefix_picks_the_backend(tmp_path: Path) -> None:
    assert type(get_file_backend("a/b.json")) is LocalBackend
    assert type(get_file_backend(tmp_path)) is LocalBackend
    assert type(get_file_backend("file:///tmp/x")) is LocalBackend
    assert type(get_file_backend("http://example.com/a.pth")) is HTTPBackend
    assert type(get_file_backend("https://example.com/a.pth")) is HTTPBackend
    assert type(get_file_backend("s3://bucket/x")) is FsspecBackend
    assert type(get_file_backend("memory://x")) is FsspecBackend
    assert type(get_file_backend("zip://a.json::file:///tmp/x.zip")) is FsspecBackend


def test_hard_disk_backend_is_the_local_backend() -> None:
    assert HardDiskBackend is LocalBackend
    assert get_file_backend("/tmp").name == "HardDiskBackend"
    assert get_file_backend("memory://x").name == "FsspecBackend"


def test_backend_by_name_and_singletons() -> None:
    assert type(get_file_backend(backend_args={"backend": "local"})) is LocalBackend
    assert type(get_file_backend("s3://x/y", backend_args={"backend": "disk"})) is LocalBackend
    one = get_file_backend("memory://a", enable_singleton=True)
    assert get_file_backend("memory://b", enable_singleton=True) is one
    assert get_file_backend("memory://a") is not one
    other = get_file_backend(
        "memory://a", backend_args={"skip_instance_cache": True}, enable_singleton=True
    )
    assert other is not one


def test_unknown_backend_name_suggests_one() -> None:
    with pytest.raises(ValueError) as info:
        get_file_backend("x", backend_args={"backend": "lcoal"})
    message = str(info.value)
    assert "backend 'lcoal', which is not registered" in message
    assert "Did you mean 'local'?" in message
    assert "disk, fsspec, http, local" in message
    with pytest.raises(ValueError, match="needs a uri or backend_args"):
        get_file_backend()


def test_unknown_protocol_suggests_one() -> None:
    with pytest.raises(ValueError, match=r"Unknown storage protocol 's4'.*Did you mean 's3'"):
        fileio.get("s4://bucket/x.json")


def test_bad_backend_args_name_the_backend() -> None:
    with pytest.raises(
        TypeError, match=r"LocalBackend cannot be built from backend_args \{'x': 1\}"
    ):
        get_file_backend("/tmp/a", backend_args={"x": 1})


def test_register_a_third_party_backend_with_a_prefix(tmp_path: Path) -> None:
    @register_backend("dict", prefixes=["dict", "dicts"])
    class MyBackend(DictBackend):
        pass

    store: dict[str, bytes] = {}
    args = {"store": store}
    fileio.dump({"a": 1}, "dict://x.json", backend_args=args)
    assert store["dict://x.json"] == b'{"a": 1}'
    assert fileio.load("dict://x.json", backend_args=args) == {"a": 1}
    assert type(get_file_backend("dicts://y")) is MyBackend
    assert type(get_file_backend(backend_args={"backend": "dict"})) is MyBackend

    # defaults of BaseStorageBackend built on get/put
    backend = MyBackend(store)
    backend.put_text("text", "dict://t.txt")
    assert backend.get_text("dict://t.txt") == "text"
    assert backend.copyfile("dict://t.txt", "dict://u.txt") == "dict://u.txt"
    assert store["dict://u.txt"] == b"text"
    with backend.get_local_path("dict://x.json") as local:
        assert Path(local).read_bytes() == b'{"a": 1}'
    (tmp_path / "f.bin").write_bytes(b"f")
    backend.copyfile_from_local(tmp_path / "f.bin", "dict://f.bin")
    assert backend.copyfile_to_local("dict://f.bin", tmp_path / "g.bin") == str(tmp_path / "g.bin")
    assert (tmp_path / "g.bin").read_bytes() == b"f"
    assert backend.join_path("dict://a/", "b", "/c") == "dict://a/b/c"
    assert backend.copy_if_symlink_fails("dict://f.bin", "dict://h.bin") is False
    assert store["dict://h.bin"] == b"f"
    with pytest.raises(io.UnsupportedOperation, match="MyBackend cannot list 'dict://'"):
        list(backend.list_dir_or_file("dict://"))
    with pytest.raises(io.UnsupportedOperation, match=r"MyBackend cannot remove 'dict://f\.bin'"):
        fileio.remove("dict://f.bin", backend_args=args)


def test_register_backend_directly_and_force() -> None:
    assert register_backend("dict", DictBackend, prefixes="dict") is DictBackend
    with pytest.raises(ValueError, match="'dict' is already registered as DictBackend") as info:
        register_backend("dict", DictBackend)

    class Other(DictBackend):
        pass

    assert isinstance(info.value, BackendExistsError)
    assert isinstance(info.value, FileIOError)
    with pytest.raises(BackendExistsError, match="prefix 'dict' already belongs to DictBackend"):
        register_backend("other", Other, prefixes="dict")
    register_backend("dict", Other, force=True, prefixes="dict")
    assert type(get_file_backend("dict://x")) is Other


def test_register_backend_refuses_non_backends() -> None:
    with pytest.raises(TypeError, match="must be a subclass of BaseStorageBackend"):
        register_backend("bad", dict)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="name must be a str"):
        register_backend(3, DictBackend)  # type: ignore[arg-type]


def test_base_backend_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        BaseStorageBackend()  # type: ignore[abstract]


def test_a_missing_s3_extra_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(FSSPEC_CLASSES, "s3", raising=False)
    monkeypatch.setitem(sys.modules, "s3fs", None)
    with pytest.raises(MissingExtraError, match=r'pip install "mme-fileio\[s3\]"') as info:
        fileio.load("s3://bucket/x.json")
    assert isinstance(info.value, ImportError)
    assert "s3://bucket/x.json" in str(info.value)


def test_a_missing_http_extra_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(FSSPEC_CLASSES, "http", raising=False)
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    with pytest.raises(MissingExtraError, match=r'pip install "mme-fileio\[http\]"'):
        fileio.get("http://127.0.0.1:1/x.json")
