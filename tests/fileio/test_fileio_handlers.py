"""Custom formats through register_handler and BaseFileHandler (FIO-04)."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from mme.fileio import (
    BaseFileHandler,
    JsonHandler,
    PickleHandler,
    YamlHandler,
    dump,
    file_handlers,
    load,
    register_handler,
)

pytestmark = pytest.mark.spec("FIO-04")


@pytest.fixture(autouse=True)
def _restore_handlers() -> Iterator[None]:
    saved = dict(file_handlers)
    yield
    file_handlers.clear()
    file_handlers.update(saved)


def test_builtin_handlers() -> None:
    assert isinstance(file_handlers["json"], JsonHandler)
    assert isinstance(file_handlers["yaml"], YamlHandler)
    assert isinstance(file_handlers["yml"], YamlHandler)
    assert isinstance(file_handlers["pkl"], PickleHandler)
    assert isinstance(file_handlers["pickle"], PickleHandler)
    assert PickleHandler.str_like is False
    assert JsonHandler.str_like is True


def test_spec_txt_handler_registered_with_the_decorator(tmp_path: Path, memory_root: str) -> None:
    @register_handler("txt")
    class TxtHandler1(BaseFileHandler):
        def load_from_fileobj(self, file):  # type: ignore[no-untyped-def]  # the spec's form
            return file.read()

        def dump_to_fileobj(self, obj, file):  # type: ignore[no-untyped-def]
            file.write(str(obj))

        def dump_to_str(self, obj, **kwargs):  # type: ignore[no-untyped-def]
            return str(obj)

    assert isinstance(file_handlers["txt"], TxtHandler1)
    dump("hello", tmp_path / "a.txt")
    assert load(tmp_path / "a.txt") == "hello"
    dump([1, 2], f"{memory_root}/a.txt")
    assert load(f"{memory_root}/a.txt") == "[1, 2]"
    assert dump(3, file_format="txt") == "3"


def test_one_handler_for_several_formats(tmp_path: Path) -> None:
    @register_handler(["txt", "log"], suffix="!")
    class ShoutHandler(BaseFileHandler):
        def __init__(self, suffix: str) -> None:
            self.suffix = suffix

        def load_from_fileobj(self, file: IO[Any], **kwargs: Any) -> Any:
            return file.read().rstrip(self.suffix)

        def dump_to_fileobj(self, obj: Any, file: IO[Any], **kwargs: Any) -> None:
            file.write(self.dump_to_str(obj))

        def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
            return f"{obj}{self.suffix}"

    assert file_handlers["txt"] is file_handlers["log"]
    dump("hey", tmp_path / "x.log")
    assert (tmp_path / "x.log").read_text() == "hey!"
    assert load(tmp_path / "x.log") == "hey"


def test_spec_pickle_handler_example_with_path_methods(tmp_path: Path) -> None:
    class MyPickleHandler(BaseFileHandler):
        str_like = False

        def load_from_fileobj(self, file: IO[Any], **kwargs: Any) -> Any:
            return pickle.load(file, **kwargs)

        def load_from_path(self, filepath: str, mode: str = "rb", **kwargs: Any) -> Any:
            return super().load_from_path(filepath, mode="rb", **kwargs)

        def dump_to_str(self, obj: Any, **kwargs: Any) -> bytes:
            kwargs.setdefault("protocol", 2)
            return pickle.dumps(obj, **kwargs)

        def dump_to_fileobj(self, obj: Any, file: IO[Any], **kwargs: Any) -> None:
            kwargs.setdefault("protocol", 2)
            pickle.dump(obj, file, **kwargs)

        def dump_to_path(self, obj: Any, filepath: str, mode: str = "wb", **kwargs: Any) -> None:
            super().dump_to_path(obj, filepath, mode="wb", **kwargs)

    handler = MyPickleHandler()
    target = str(tmp_path / "sub" / "obj.pk2")
    handler.dump_to_path({"a": (1, 2)}, target)
    assert handler.load_from_path(target) == {"a": (1, 2)}
    register_handler("pk2")(MyPickleHandler)
    assert load(target) == {"a": (1, 2)}
    dump([3], target)
    assert handler.load_from_path(target) == [3]


def test_builtin_path_methods(tmp_path: Path) -> None:
    JsonHandler().dump_to_path({"a": 1}, str(tmp_path / "x.json"))
    assert JsonHandler().load_from_path(str(tmp_path / "x.json")) == {"a": 1}
    PickleHandler().dump_to_path({1, 2}, str(tmp_path / "x.pkl"))
    assert PickleHandler().load_from_path(str(tmp_path / "x.pkl")) == {1, 2}


def test_base_handler_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        BaseFileHandler()  # type: ignore[abstract]


def test_registering_something_that_is_not_a_handler_is_refused() -> None:
    with pytest.raises(TypeError, match="instance of BaseFileHandler, got NotAHandler"):

        @register_handler("bad")
        class NotAHandler:
            pass

    with pytest.raises(TypeError, match="file_formats must be a str or a list of str"):
        register_handler(3)(JsonHandler)  # type: ignore[arg-type]
    assert "bad" not in file_handlers


def test_extensions_are_case_insensitive(tmp_path: Path) -> None:
    dump({"a": 1}, tmp_path / "UPPER.JSON")
    assert load(tmp_path / "UPPER.JSON") == {"a": 1}
    register_handler(".Cfg")(JsonHandler)
    assert isinstance(file_handlers["cfg"], JsonHandler)
