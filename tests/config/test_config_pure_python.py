"""Pure-Python configs: ``with read_base()`` and lazily imported classes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mme.config import Config, ConfigError, LazyObject

pytestmark = pytest.mark.spec("CFG-18")

FIXTURES = Path(__file__).parent / "fixtures" / "pure_python"


@pytest.fixture
def pure(tmp_path: Path) -> Path:
    target = tmp_path / "pure"
    shutil.copytree(FIXTURES, target)
    return target


def test_read_base_and_lazy_imports_without_importing_torch(pure):
    script = textwrap.dedent(
        f"""
        import sys
        from mme.config import Config, LazyObject
        cfg = Config.fromfile({str(pure / "resnet50_lr0.01.py")!r})
        assert 'torch' not in sys.modules, 'parsing imported torch'
        raw = dict.__getitem__(cfg.optimizer, 'type')
        assert isinstance(raw, LazyObject) and raw.dotted_name == 'torch.optim.SGD', raw
        text = cfg.pretty_text
        assert 'torch' not in sys.modules, 'pretty_text imported torch'
        print(sorted(cfg.keys()))
        print(text)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    keys, _, text = out.partition("\n")
    assert keys == "['devices', 'model', 'optimizer', 'scheduler', 'work_dir']"
    assert "from torch.optim import SGD" in text
    assert "optimizer = dict(type=SGD, lr=0.01, momentum=0.9, weight_decay=0.0001)" in text


def test_values_and_python_semantics(pure):
    cfg = Config.fromfile(pure / "resnet50_lr0.01.py")
    raw = cfg.to_dict()
    assert raw["optimizer"]["lr"] == 0.01
    assert raw["optimizer"]["type"] == "torch.optim.SGD"  # dotted names, as MMEngine
    assert raw["model"]["type"] == "torch.nn.Conv2d"
    assert raw["devices"] == [0, 1]
    assert raw["work_dir"] == "work_dirs/resnet50"


def test_reading_a_lazy_value_imports_it(pure):
    torch = pytest.importorskip("torch")
    cfg = Config.fromfile(pure / "resnet50_lr0.01.py")
    assert cfg.optimizer.type is torch.optim.SGD
    assert cfg.model["type"] is torch.nn.Conv2d
    assert cfg.scheduler.get("type") is torch.optim.lr_scheduler.StepLR


def test_lazy_object_resolves_stdlib_and_reports_missing():
    assert (
        LazyObject("collections", ("OrderedDict",)).resolve()
        is __import__("collections").OrderedDict
    )
    assert LazyObject("os").path.join.resolve() is __import__("os").path.join
    with pytest.raises(ImportError, match="no_such_mod_xyz"):
        LazyObject("no_such_mod_xyz", ("A",)).resolve()
    with pytest.raises(ImportError, match=r"cannot import 'Nope' from 'collections'"):
        LazyObject("collections", ("Nope",)).resolve()


def test_python_dump_round_trips_lazy_imports(pure, tmp_path):
    cfg = Config.fromfile(pure / "resnet50_lr0.01.py")
    cfg.dump(tmp_path / "dumped.py")
    again = Config.fromfile(tmp_path / "dumped.py")
    assert again == cfg
    assert again.pretty_text == cfg.pretty_text


def test_lazy_names_dump_as_dotted_strings_in_data_formats(pure, tmp_path):
    cfg = Config.fromfile(pure / "resnet50_lr0.01.py")
    cfg.dump(tmp_path / "dumped.yaml")
    cfg.dump(tmp_path / "dumped.json")
    assert Config.fromfile(tmp_path / "dumped.yaml").optimizer.type == "torch.optim.SGD"
    assert Config.fromfile(tmp_path / "dumped.json").model.type == "torch.nn.Conv2d"


def test_real_classes_dump_as_imports(tmp_path):
    from collections import OrderedDict

    cfg = Config(dict(a=dict(type=OrderedDict)))
    assert cfg.pretty_text == "from collections import OrderedDict\n\na = dict(type=OrderedDict)\n"
    cfg.dump(tmp_path / "c.py")
    assert Config.fromfile(tmp_path / "c.py").a.type is OrderedDict


def test_read_base_missing_name_suggests(pure):
    (pure / "bad.py").write_text(
        "from mme.config import read_base\nwith read_base():\n    from .runtime_cfg import gpu_id\n"
    )
    with pytest.raises(
        ConfigError, match=r"bad\.py:3: .*defines no 'gpu_id'.*Did you mean 'gpu_ids'"
    ):
        Config.fromfile(pure / "bad.py")


def test_read_base_missing_module_suggests(pure):
    (pure / "bad.py").write_text(
        "from mme.config import read_base\nwith read_base():\n    from .runtime_cf import *\n"
    )
    with pytest.raises(ConfigError, match=r"base config \.runtime_cf not found.*'runtime_cfg'"):
        Config.fromfile(pure / "bad.py")


def test_star_import_of_a_library_is_refused(tmp_path):
    (tmp_path / "star.py").write_text("from torch.optim import *\n")
    with pytest.raises(ConfigError, match=r"star\.py:1: 'from torch.optim import \*' cannot"):
        Config.fromfile(tmp_path / "star.py")


def test_mixing_base_styles_is_refused(pure):
    (pure / "both.py").write_text(
        "from mme.config import read_base\n_base_ = ['runtime_cfg.py']\n"
        "with read_base():\n    from .runtime_cfg import *\n"
    )
    with pytest.raises(ConfigError, match=r"either '_base_ = \[\.\.\.\]' or 'with read_base\(\):'"):
        Config.fromfile(pure / "both.py")


def test_read_base_is_a_no_op_outside_config_loading():
    from mme.config import read_base

    with read_base():
        value = 1
    assert value == 1


def test_only_stdlib_and_mme_config_are_imported_while_parsing(tmp_path):
    (tmp_path / "cfg.py").write_text(
        "import os\n"
        "from mme.config import read_base\n"
        "from mme.runner import Runner\n"
        "import numpy as np\n"
        "runner = dict(type=Runner)\n"
        "arr = np\n"
        "sep = os.sep\n"
    )
    raw = Config.fromfile(tmp_path / "cfg.py").to_dict()
    assert raw == {
        "runner": {"type": "mme.runner.Runner"},
        "arr": "numpy",
        "sep": __import__("os").sep,
    }
