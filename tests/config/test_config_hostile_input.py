"""Untrusted and broken config files (issue 11): every error names the file, nothing
hangs, data-only mode reads only what it should."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from mme.config import Config, ConfigError

pytestmark = pytest.mark.spec("CFG-01")


def _alias_bomb() -> str:
    text = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    previous = "a"
    for name in "bcdefgh":
        text += f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"
        previous = name
    return text + f"i: [{','.join(['*h'] * 9)}]\n"


def test_a_yaml_alias_bomb_fails_fast_naming_the_file(tmp_path: Path) -> None:
    bomb = _alias_bomb()
    assert len(bomb) < 400  # expands to 9**9 leaves
    start = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        Config.fromstring(bomb, ".yaml", data_only=True)
    assert time.perf_counter() - start < 5
    assert str(info.value).startswith("<string>.yaml: YAML aliases expand the document beyond")
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb)
    with pytest.raises(ConfigError, match=rf"^{path}: YAML aliases expand"):
        Config.fromfile(path, data_only=True)


def test_ordinary_aliases_still_work() -> None:
    cfg = Config.fromstring("base: &b {lr: 0.1}\nopt: *b\nlist: [*b, *b]\n", ".yaml")
    assert cfg.opt.lr == 0.1
    assert cfg.list[1].lr == 0.1


@pytest.mark.spec("CFG-04")
def test_a_base_outside_the_folder_is_refused_in_data_only_mode(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"password": "hunter2"}')
    configs = tmp_path / "configs"
    (configs / "sub").mkdir(parents=True)
    (configs / "sub" / "base.json").write_text('{"lr": 0.1}')
    (configs / "ok.json").write_text('{"_base_": "sub/base.json", "a": 1}')
    (configs / "bad.json").write_text(f'{{"_base_": "{secret}", "a": 1}}')
    (configs / "dotdot.json").write_text('{"_base_": "../secret.json", "a": 1}')
    assert Config.fromfile(configs / "ok.json", data_only=True).lr == 0.1
    for name in ("bad.json", "dotdot.json"):
        with pytest.raises(ConfigError) as info:
            Config.fromfile(configs / name, data_only=True)
        assert str(info.value).startswith(f"{configs / name}: _base_ ")
        assert "outside the config's folder" in str(info.value)
        assert "allowed_base_dirs" in str(info.value)
    allowed = Config.fromfile(configs / "bad.json", data_only=True, allowed_base_dirs=[tmp_path])
    assert allowed.password == "hunter2"
    assert Config.fromfile(configs / "bad.json").password == "hunter2"  # trusted mode


@pytest.mark.spec("CFG-12")
def test_environment_values_are_scalars_in_data_only_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MME_TEST_NAME", "x\nadmin: true")
    monkeypatch.setenv("MME_TEST_CLASSES", "80")
    path = tmp_path / "cfg.yaml"
    path.write_text(
        "name: {{$MME_TEST_NAME:none}}\n"
        "classes: {{$MME_TEST_CLASSES:1}}\n"
        "label: 'run-{{$MME_TEST_CLASSES:1}}'\n"
    )
    cfg = Config.fromfile(path, data_only=True)
    assert cfg.to_dict() == {"name": "x\nadmin: true", "classes": 80, "label": "run-80"}
    assert cfg.env_variables == {"MME_TEST_NAME": "x\nadmin: true", "MME_TEST_CLASSES": "80"}
    json_path = tmp_path / "cfg.json"
    json_path.write_text('{"classes": {{$MME_TEST_CLASSES:1}}, "name": "{{$MME_TEST_NAME}}"}')
    assert Config.fromfile(json_path, data_only=True).to_dict() == {
        "classes": 80,
        "name": "x\nadmin: true",
    }


@pytest.mark.spec("CFG-07")
def test_a_literal_string_like_a_placeholder_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "base.py").write_text("model = dict(depth=50)\n")
    (tmp_path / "cfg.py").write_text(
        "_base_ = ['base.py']\n"
        "a = {{_base_.model}}\n"
        "literal = '_mme_base_ref_0_'\n"
        "other = 'mme_0123456789ab_0_'\n"
    )
    cfg = Config.fromfile(tmp_path / "cfg.py")
    assert cfg.a == {"depth": 50}
    assert cfg.literal == "_mme_base_ref_0_"
    assert cfg.other == "mme_0123456789ab_0_"


@pytest.mark.parametrize("ext", [".py", ".json", ".yaml"])
def test_a_config_that_is_not_utf8_names_the_file_and_line(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"cfg{ext}"
    path.write_bytes(b"a = 1\nb = '\xe9t\xe9'\n" if ext == ".py" else b'{"a":\n "\xe9"}')
    with pytest.raises(ConfigError) as info:
        Config.fromfile(path)
    assert str(info.value).startswith(f"{path}:2: not UTF-8 text (invalid continuation byte")
    assert "save the config as UTF-8" in str(info.value)


def deep_json(tmp_path: Path, depth: int) -> Path:
    path = tmp_path / "deep.json"
    path.write_text('{"a": ' + "[" * depth + "]" * depth + "}")
    return path


def test_a_10_000_deep_json_config_names_the_file(tmp_path: Path) -> None:
    path = deep_json(tmp_path, 10_000)
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}: .*nested too deeply"):
        Config.fromfile(path)


def test_a_700_deep_json_config_loads_or_names_the_file(tmp_path: Path) -> None:
    # 700 levels exhaust the recursion limit on some Pythons (3.11) and not on others
    # (3.13 parses them): either the config loads whole, or the error names the file.
    path = deep_json(tmp_path, 700)
    error: ConfigError | None = None
    try:
        cfg = Config.fromfile(path)
    except ConfigError as caught:
        error = caught
    if error is not None:
        assert re.match(rf"^{re.escape(str(path))}: .*nested too deeply", str(error)), error
        return
    value = cfg.a
    for _ in range(699):
        value = value[0]
    assert value == []


def test_a_config_path_that_is_a_folder_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "configs.py"
    folder.mkdir()
    with pytest.raises(OSError) as info:
        Config.fromfile(folder)
    assert str(info.value) == (
        f"{folder}: is a folder, not a config file; give the path of a .py, .json, .yaml or "
        ".yml file in it"
    )
    assert "Did you mean" not in str(info.value)
