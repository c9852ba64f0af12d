"""load/dump on local paths, pathlib paths, file objects, strings and memory:// (FIO-01, FIO-02)."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mme.fileio import FileParseError, UnsupportedFormatError, dump, load, put_text

pytestmark = pytest.mark.spec("FIO-01", "FIO-02")

DATA = {"test_int": 1, "test_list": [1, 2, 3], "test_dict": {"key1": "value1", "key2": 0.1}}


@pytest.mark.spec("FIO-01", "FIO-02")
@pytest.mark.parametrize("name", ["test.json", "test.yaml", "test.yml", "test.pkl", "t.pickle"])
def test_dump_to_path_infers_format_and_load_reads_it_back(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    assert dump(DATA, str(path)) is None
    assert load(str(path)) == DATA
    assert load(path) == DATA  # pathlib.Path works too


@pytest.mark.spec("FIO-01")
def test_load_from_file_objects_with_explicit_format(tmp_path: Path) -> None:
    (tmp_path / "test.json").write_text('{"a": [1, 2]}')
    (tmp_path / "test.yaml").write_text("a:\n- 1\n- 2\n")
    with open(tmp_path / "test.json") as f:
        assert load(f, file_format="json") == {"a": [1, 2]}
    with open(tmp_path / "test.yaml") as f:
        assert load(f, file_format="yaml") == {"a": [1, 2]}
    with open(tmp_path / "test.json", "rb") as f:
        assert load(f, file_format="json") == {"a": [1, 2]}


@pytest.mark.spec("FIO-01")
def test_load_from_a_named_file_object_infers_the_format(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("k: v\n")
    with open(tmp_path / "x.yaml") as f:
        assert load(f) == {"k": "v"}


@pytest.mark.spec("FIO-02")
def test_dump_to_string() -> None:
    assert dump(DATA, file_format="json") == (
        '{"test_int": 1, "test_list": [1, 2, 3], "test_dict": {"key1": "value1", "key2": 0.1}}'
    )
    assert dump({"b": 1, "a": [1, 2]}, file_format="yaml") == "a:\n- 1\n- 2\nb: 1\n"
    raw = dump(DATA, file_format="pkl")
    assert isinstance(raw, bytes)
    assert pickle.loads(raw) == DATA


@pytest.mark.spec("FIO-02")
def test_dump_to_file_objects(tmp_path: Path) -> None:
    with open(tmp_path / "test.yaml", "w") as f:
        assert dump(DATA, f, file_format="yaml") is None
    assert yaml.safe_load((tmp_path / "test.yaml").read_text()) == DATA
    buffer = io.BytesIO()
    dump(DATA, buffer, file_format="pickle")
    assert pickle.loads(buffer.getvalue()) == DATA


@pytest.mark.spec("FIO-02")
def test_handler_keyword_arguments_are_passed_through(tmp_path: Path) -> None:
    dump({"a": 1}, tmp_path / "pretty.json", indent=2)
    assert (tmp_path / "pretty.json").read_text() == '{\n  "a": 1\n}'
    assert load(tmp_path / "pretty.json", object_pairs_hook=list) == [("a", 1)]


@pytest.mark.spec("FIO-02")
def test_json_makes_sets_ranges_and_array_likes_serializable() -> None:
    class ArrayLike:
        def tolist(self) -> list[int]:
            return [7, 8]

    text = dump({"s": {3}, "r": range(2), "arr": ArrayLike()}, file_format="json")
    assert text == '{"s": [3], "r": [0, 1], "arr": [7, 8]}'
    with pytest.raises(TypeError, match="object is not JSON serializable"):
        dump({"o": object()}, file_format="json")


@pytest.mark.spec("FIO-04")
def test_pickle_uses_protocol_2_by_default(tmp_path: Path) -> None:
    dump([1], tmp_path / "p.pkl")
    assert (tmp_path / "p.pkl").read_bytes()[:2] == b"\x80\x02"
    dump([1], tmp_path / "p5.pkl", protocol=5)
    assert (tmp_path / "p5.pkl").read_bytes()[:2] == b"\x80\x05"


@pytest.mark.spec("FIO-01")
def test_yaml_loads_safely_by_default(tmp_path: Path) -> None:
    (tmp_path / "evil.yaml").write_text("x: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(FileParseError, match=r"evil\.yaml"):
        load(tmp_path / "evil.yaml")
    assert load(tmp_path / "evil.yaml", Loader=yaml.BaseLoader) == {"x": ["true"]}


@pytest.mark.spec("FIO-01", "FIO-02", "FIO-03")
def test_memory_storage_round_trip(memory_root: str) -> None:
    dump(DATA, f"{memory_root}/out.pkl")
    dump(DATA, f"{memory_root}/out.yaml")
    assert load(f"{memory_root}/out.pkl") == DATA
    assert load(f"{memory_root}/out.yaml") == DATA


@pytest.mark.spec("FIO-01")
def test_unknown_format_lists_the_registered_formats(tmp_path: Path) -> None:
    (tmp_path / "data.jsn").write_text("{}")
    with pytest.raises(UnsupportedFormatError) as info:
        load(tmp_path / "data.jsn")
    message = str(info.value)
    assert "Unsupported file format 'jsn'" in message
    assert "data.jsn" in message
    assert "json, pickle, pkl, yaml, yml" in message
    assert "Did you mean 'json'?" in message
    # MMEngine raised TypeError here; a ValueError is what it is: both are caught
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, ValueError)
    with pytest.raises(UnsupportedFormatError, match="Registered formats"):
        dump({}, file_format="toml")


@pytest.mark.spec("FIO-01", "FIO-02")
def test_a_format_is_needed_when_it_cannot_be_inferred(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError, match=r"no extension.*file_format"):
        dump({}, tmp_path / "noext")
    with pytest.raises(ValueError, match="file_format is required when no file is given"):
        dump({})
    with pytest.raises(ValueError, match="pass file_format="):
        load(io.StringIO("{}"))
    with pytest.raises(TypeError, match="got int"):
        load(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got int"):
        dump({}, 42, file_format="json")  # type: ignore[arg-type]


@pytest.mark.spec("FIO-01")
def test_missing_local_file_is_file_not_found_with_suggestion(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    missing = tmp_path / "cofnig.json"
    with pytest.raises(FileNotFoundError) as info:
        load(missing)
    assert str(missing) in str(info.value)
    assert "Did you mean 'config.json'?" in str(info.value)
    assert info.value.filename == str(missing)


@pytest.mark.spec("FIO-01")
def test_broken_json_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "a": 1,\n  "b": }\n')
    with pytest.raises(FileParseError) as info:
        load(path)
    assert str(info.value) == f"{path}, line 3, column 8: invalid JSON: Expecting value"
    assert (info.value.line, info.value.column) == (3, 8)
    assert isinstance(info.value, ValueError)
    assert pickle.loads(pickle.dumps(info.value)).line == 3


@pytest.mark.spec("FIO-01")
def test_broken_yaml_names_file_line_and_column(tmp_path: Path, memory_root: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(FileParseError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f"{path}, line 3, column 2: invalid YAML: ")
    assert "did not find expected ',' or ']'" in message
    with open(path) as f, pytest.raises(FileParseError, match=r"broken\.yaml, line 3"):
        load(f, file_format="yaml")
    put_text("a: [\n", f"{memory_root}/b.yml")
    with pytest.raises(FileParseError, match=f"^{memory_root}/b.yml, line 2, column 1"):
        load(f"{memory_root}/b.yml")


@pytest.mark.spec("FIO-01")
def test_truncated_pickle_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.pkl"
    path.write_bytes(pickle.dumps(list(range(100)))[:20])
    with pytest.raises(FileParseError, match=r"cut\.pkl: invalid PICKLE: .*truncated"):
        load(path)


def test_importing_fileio_does_not_import_torch() -> None:
    code = "import sys, mme.fileio; sys.exit('torch' in sys.modules)"
    env = dict(os.environ)
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0
