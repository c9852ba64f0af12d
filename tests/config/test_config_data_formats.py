"""JSON and YAML configs: inheritance, references, variables, safe loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from mme.config import Config, ConfigError


@pytest.mark.spec("CFG-04", "CFG-05", "CFG-07", "CFG-10", "CFG-12")
def test_json_child_of_yaml_base(formats, monkeypatch):
    monkeypatch.delenv("MME_TEST_DATA_ROOT", raising=False)
    cfg = Config.fromfile("child.json")
    assert cfg.to_dict() == {
        "model": {"type": "ResNet", "depth": 50},
        "optimizer": {"type": "SGD", "lr": 0.01},
        "backbone": {"type": "ResNet", "depth": 50},
        "name": "ResNet-child",
        "data_root": "/data/coco/",
    }


@pytest.mark.spec("CFG-04", "CFG-07", "CFG-10", "CFG-12")
def test_yaml_child_with_references_and_quoted_env(formats, monkeypatch):
    monkeypatch.setenv("MME_TEST_NUM_CLASSES", "20")
    cfg = Config.fromfile("child.yaml")
    assert cfg.backbone == {"type": "ResNet", "depth": 50}
    assert cfg.work_dir == "./work_dirs/child"
    assert cfg.num_classes == 20
    assert cfg.optimizer == {"type": "SGD", "lr": 0.01}


@pytest.mark.spec("CFG-04")
def test_python_config_inherits_data_formats(formats):
    cfg = Config.fromfile("mixed.py")
    assert cfg.optimizer == {"type": "SGD", "lr": 0.02, "momentum": 0.9}
    assert cfg.gpu_ids == [0, 1]


@pytest.mark.spec("CFG-01")
def test_yaml_is_read_with_a_safe_loader(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("x: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ConfigError, match=r"evil\.yaml:1: invalid YAML"):
        Config.fromfile(evil)


@pytest.mark.spec("CFG-01")
def test_yaml_exponent_floats_are_floats(tmp_path):
    path = tmp_path / "lr.yaml"
    path.write_text("lr: 1e-5\nwd: 5.0e-4\nname: 1e5x\n")
    cfg = Config.fromfile(path)
    assert (cfg.lr, cfg.wd, cfg.name) == (1e-5, 5e-4, "1e5x")


@pytest.mark.spec("CFG-01")
def test_data_only_refuses_python_anywhere_in_the_chain(formats):
    Path("uses_py.yaml").write_text("_base_: config.py\nx: 1\n")
    with pytest.raises(ConfigError, match=r"config\.py: Python configs run code"):
        Config.fromfile("uses_py.yaml", data_only=True)
    assert Config.fromfile("child.yaml", data_only=True).model.depth == 50


@pytest.mark.spec("CFG-13")
def test_data_only_refuses_custom_imports(tmp_path):
    path = tmp_path / "imports.yaml"
    path.write_text("custom_imports:\n  imports: [os]\n")
    with pytest.raises(ConfigError, match=r"custom_imports .*data_only"):
        Config.fromfile(path, data_only=True)


@pytest.mark.spec("CFG-01")
def test_fromstring_in_every_format():
    py = Config.fromstring("a = dict(b=1)\n", ".py")
    js = Config.fromstring('{"a": {"b": 1}}', "json")
    ym = Config.fromstring("a:\n  b: 1\n", ".yaml")
    assert py == js == ym
    assert py.a.b == 1
    with pytest.raises(ConfigError, match=r"unsupported config format '\.toml'"):
        Config.fromstring("a = 1", ".toml")


@pytest.mark.spec("CFG-01")
def test_empty_yaml_is_an_empty_config(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert len(Config.fromfile(path)) == 0
