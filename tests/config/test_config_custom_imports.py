"""custom_imports: modules listed in a config are imported by Config.fromfile."""

from __future__ import annotations

import builtins
import logging
import sys

import pytest

from mme.config import Config, ConfigError

pytestmark = pytest.mark.spec("CFG-13")


@pytest.fixture
def importable_tutorial(tutorial, clean_import_state):
    sys.path.insert(0, str(tutorial))
    builtins.__dict__.pop("_mme_test_imported", None)
    yield tutorial
    builtins.__dict__.pop("_mme_test_imported", None)


def test_custom_imports_imports_the_module(importable_tutorial):
    cfg = Config.fromfile("custom_imports.py")
    assert builtins.__dict__["_mme_test_imported"] == ["my_module"]
    assert "my_module" in sys.modules
    assert cfg.optimizer.type == "CustomOptim"
    assert sys.modules["my_module"].CustomOptim.__module__ == "my_module"


def test_import_custom_modules_false_skips(importable_tutorial):
    Config.fromfile("custom_imports.py", import_custom_modules=False)
    assert "_mme_test_imported" not in builtins.__dict__


def test_failed_import_is_an_error_naming_module_and_file(tmp_path):
    path = tmp_path / "cfg.py"
    path.write_text("custom_imports = dict(imports=['no_such_module_xyz'])\n")
    with pytest.raises(
        ConfigError, match=r"cfg\.py: custom_imports cannot import 'no_such_module_xyz'"
    ):
        Config.fromfile(path)


def test_allow_failed_imports_logs_a_warning(tmp_path, caplog):
    path = tmp_path / "cfg.yaml"
    path.write_text(
        "custom_imports:\n  imports: no_such_module_xyz\n  allow_failed_imports: true\nx: 1\n"
    )
    with caplog.at_level(logging.WARNING, logger="mme.config"):
        cfg = Config.fromfile(path)
    assert cfg.x == 1
    assert "no_such_module_xyz" in caplog.text


def test_malformed_custom_imports(tmp_path):
    path = tmp_path / "cfg.py"
    path.write_text("custom_imports = ['os']\n")
    with pytest.raises(ConfigError, match=r"custom_imports must be dict\(imports="):
        Config.fromfile(path)
