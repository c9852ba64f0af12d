"""Errors name the file, line or key at fault and suggest the closest names."""

from __future__ import annotations

from pathlib import Path

import pytest

from mme.config import Config, ConfigError, ConfigKeyError

pytestmark = pytest.mark.spec("CFG-01", "CFG-04", "CFG-11")


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_python_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path / "bad.py", "a = 1\nb = dict(x=1,,)\n")
    with pytest.raises(ConfigError, match=r"bad\.py:2: invalid Python syntax") as err:
        Config.fromfile(path)
    assert "b = dict(x=1,,)" in str(err.value)


def test_runtime_error_names_file_and_line(tmp_path):
    path = write(tmp_path / "boom.py", "a = 1\nb = undefined_name + 1\n")
    with pytest.raises(ConfigError, match=r"boom\.py:2: .*NameError.*undefined_name"):
        Config.fromfile(path)


def test_yaml_syntax_error_names_line(tmp_path):
    path = write(tmp_path / "bad.yaml", "a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml:\d+: invalid YAML"):
        Config.fromfile(path)


def test_json_syntax_error_names_line_and_column(tmp_path):
    path = write(tmp_path / "bad.json", '{\n  "a": 1,\n  "b": ,\n}\n')
    with pytest.raises(ConfigError, match=r"bad\.json:3:\d+: invalid JSON"):
        Config.fromfile(path)


def test_missing_file_suggests_sibling(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "resnet50.py", "a = 1\n")
    with pytest.raises(ConfigError, match=r"'resnet05\.py' not found.*Did you mean 'resnet50\.py'"):
        Config.fromfile("resnet05.py")


def test_missing_base_names_child_and_suggests(tmp_path):
    write(tmp_path / "optimizer_cfg.py", "optimizer = dict(lr=0.1)\n")
    child = write(tmp_path / "child.py", "_base_ = ['optimzer_cfg.py']\n")
    with pytest.raises(
        ConfigError,
        match=r"child\.py: _base_ file 'optimzer_cfg\.py' not found.*'optimizer_cfg\.py'",
    ):
        Config.fromfile(child)


def test_duplicate_key_in_sibling_bases_names_key_and_both_files(tmp_path):
    write(tmp_path / "a.py", "lr = 0.1\nx = 1\n")
    write(tmp_path / "b.yaml", "lr: 0.2\n")
    child = write(tmp_path / "child.py", "_base_ = ['a.py', 'b.yaml']\n")
    with pytest.raises(
        ConfigError, match=r"key 'lr' is defined in two _base_ files, 'a\.py' and 'b\.yaml'"
    ):
        Config.fromfile(child)


def test_circular_inheritance(tmp_path):
    write(tmp_path / "a.py", "_base_ = 'b.py'\n")
    write(tmp_path / "b.py", "_base_ = 'a.py'\n")
    with pytest.raises(ConfigError, match="circular _base_ inheritance"):
        Config.fromfile(tmp_path / "a.py")


def test_unsupported_extension(tmp_path):
    path = write(tmp_path / "cfg.toml", "a = 1\n")
    with pytest.raises(ConfigError, match=r"unsupported config file type '\.toml'"):
        Config.fromfile(path)


def test_non_literal_base(tmp_path):
    path = write(tmp_path / "cfg.py", "name = 'a.py'\n_base_ = [name]\n")
    with pytest.raises(ConfigError, match=r"cfg\.py:2: _base_ must be"):
        Config.fromfile(path)


def test_unknown_base_reference_suggests(tmp_path):
    write(tmp_path / "base.py", "model = dict(type='ResNet')\n")
    child = write(tmp_path / "child.py", "_base_ = 'base.py'\na = {{_base_.modle}}\n")
    with pytest.raises(ConfigError, match=r"_base_\.modle.*Did you mean 'model'"):
        Config.fromfile(child)


def test_unset_env_variable_without_default(tmp_path, monkeypatch):
    monkeypatch.delenv("MME_SURELY_UNSET", raising=False)
    path = write(tmp_path / "env.py", "a = 1\nroot = '{{$MME_SURELY_UNSET}}'\n")
    with pytest.raises(ConfigError, match=r"env\.py:2: environment variable 'MME_SURELY_UNSET'"):
        Config.fromfile(path)


def test_missing_attribute_suggests_closest_key():
    cfg = Config(dict(optimizer=dict(lr=0.1), model=dict()))
    with pytest.raises(AttributeError, match=r"no key 'optimzer'.*Did you mean 'optimizer'"):
        cfg.optimzer
    with pytest.raises(AttributeError, match=r"'lrr'.*Did you mean 'lr'"):
        cfg.optimizer.lrr


def test_merge_from_dict_strict_refuses_a_new_key_close_to_an_existing_one():
    cfg = Config(dict(optimizer=dict(lr=0.1, momentum=0.9)))
    with pytest.raises(ConfigKeyError) as err:
        cfg.merge_from_dict({"optimzer.lr": 0.2}, strict=True)
    assert str(err.value) == (
        "override 'optimzer.lr' adds the new key 'optimzer', next to the existing "
        "'optimizer'. If that is a typo, override 'optimizer'; to add 'optimzer' on purpose, "
        "write '+optimzer.lr' (strict=True refuses it)."
    )
    assert isinstance(err.value, KeyError)
    with pytest.raises(ConfigKeyError, match=r"new key 'optimizer.momentun'.*'optimizer.momentum'"):
        cfg.merge_from_dict({"optimizer.momentun": 0.5}, strict=True)
    assert cfg.optimizer == {"lr": 0.1, "momentum": 0.9}
    cfg.merge_from_dict({"+optimizer.momentun": 0.5}, strict=True)  # on purpose
    assert cfg.optimizer.momentun == 0.5


def test_reserved_key_is_rejected():
    with pytest.raises(ConfigError, match="'filename' is a reserved key"):
        Config(dict(filename="x"))
    with pytest.raises(KeyError, match="'text' is a reserved key"):  # as in MMEngine
        Config(dict(text="x"))


def test_relative_import_outside_read_base(tmp_path):
    path = write(tmp_path / "cfg.py", "from .base import *\n")
    with pytest.raises(ConfigError, match=r"cfg\.py:1: relative import.*read_base"):
        Config.fromfile(path)


def test_dump_unknown_object_names_the_key():
    cfg = Config(dict(optimizer=dict(params=iter([1]))))
    with pytest.raises(ConfigError, match=r"optimizer\.params"):
        cfg.pretty_text


def test_dump_non_identifier_top_level_key_to_python():
    with pytest.raises(ConfigError, match="'my-key' to a Python config"):
        Config({"my-key": 1}).pretty_text


def test_dump_non_identifier_top_level_key_to_json_works(tmp_path):
    Config({"my-key": 1}).dump(tmp_path / "out.json")
    assert Config.fromfile(tmp_path / "out.json").to_dict() == {"my-key": 1}


@pytest.mark.parametrize("ext", [".json", ".yaml"])
def test_dump_unknown_object_to_data_format_names_the_key(tmp_path, ext):
    cfg = Config(dict(optimizer=dict(params=[1, iter([1])])))
    with pytest.raises(ConfigError, match=r"optimizer\.params\[1\] = .*list_iterator"):
        cfg.dump(tmp_path / f"out{ext}")
