"""Behaviour that users' MMEngine code relies on (issue 11): copies, text, to_dict,
dict subclasses and the built-in types of the errors."""

from __future__ import annotations

import ast
import collections
from pathlib import Path

import pytest

from mme.config import Config, ConfigDict, ConfigError

CONFIG_SRC = Path(__file__).parents[2] / "packages" / "mme-config" / "src" / "mme" / "config"


@pytest.mark.spec("CFG-09")
def test_copy_is_a_config_that_can_be_dumped(tmp_path: Path) -> None:
    path = tmp_path / "cfg.py"
    path.write_text("model = dict(type='ResNet', depth=50)\nlr = 0.1\n")
    cfg = Config.fromfile(path)
    copied = cfg.copy()
    assert type(copied) is Config
    assert copied.filename == cfg.filename
    assert copied.text == cfg.text
    copied.lr = 0.2  # the top level is a copy
    assert cfg.lr == 0.1
    copied.dump(tmp_path / "out.json")
    assert Config.fromfile(tmp_path / "out.json").lr == 0.2


@pytest.mark.spec("CFG-01")
def test_text_of_a_config_built_from_a_dict_and_a_filename(tmp_path: Path) -> None:
    path = tmp_path / "cfg.py"
    path.write_text("a = 1\n")
    assert Config(dict(a=1), filename=path).text == "a = 1\n"
    assert Config(dict(a=1), cfg_text="given", filename=path).text == "given"
    assert Config(dict(a=1), filename=tmp_path / "missing.py").text == ""


@pytest.mark.spec("CFG-18")
def test_to_dict_names_lazy_objects_and_drops_imported_names(tmp_path: Path) -> None:
    path = tmp_path / "cfg.py"
    path.write_text(
        "from collections import OrderedDict\n"
        "from collections import OrderedDict as OD\n"
        "from torch.optim import SGD\n"
        "optimizer = dict(type=SGD, lr=0.1)\n"
        "order = OrderedDict\n"
    )
    cfg = Config.fromfile(path)
    assert cfg.to_dict() == {
        "optimizer": {"type": "torch.optim.SGD", "lr": 0.1},
        "order": collections.OrderedDict,  # assigned to a key: a value like any other
    }
    assert "OrderedDict" not in cfg
    assert "OD" not in cfg
    assert "SGD" not in cfg
    assert "OrderedDict =" not in cfg.pretty_text


@pytest.mark.spec("CFG-16")
def test_config_dict_keeps_dict_subclasses() -> None:
    counts = collections.defaultdict(int, a=1)
    ordered = collections.OrderedDict(b=2)
    cfg = ConfigDict(counts=counts, ordered=ordered, plain=dict(c=3), items=[counts])
    assert dict.__getitem__(cfg, "counts") is counts
    assert cfg["items"][0] is counts
    assert type(cfg.ordered) is ConfigDict
    assert cfg.ordered.b == 2
    assert type(cfg.plain) is ConfigDict


@pytest.mark.spec("CFG-16")
def test_config_dict_takes_what_dict_takes() -> None:
    assert ConfigDict([("a", 1)], b=2) == {"a": 1, "b": 2}
    assert ConfigDict(("a", 1)) == {"a": 1}  # one pair, as addict
    assert ConfigDict({"a": 1}, {"b": {"c": 2}}).b.c == 2
    assert ConfigDict(None) == {}


@pytest.mark.spec("CFG-01")
def test_fromfile_accepts_format_python_code(tmp_path: Path) -> None:
    (tmp_path / "cfg.py").write_text("a = 1\n")
    assert Config.fromfile(tmp_path / "cfg.py", format_python_code=False).a == 1


@pytest.mark.spec("CFG-01")
def test_an_unsupported_extension_is_an_os_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cfg.toml"
    path.write_text("a = 1\n")
    with pytest.raises(OSError) as info:  # as MMEngine
        Config.fromfile(path)
    assert isinstance(info.value, ConfigError)
    assert str(info.value) == (
        f"{path}: unsupported config file type '.toml'; use one of .py, .json, .yaml, .yml"
    )


@pytest.mark.spec("CFG-13")
def test_a_failed_custom_import_is_an_import_error(tmp_path: Path) -> None:
    path = tmp_path / "cfg.py"
    path.write_text("custom_imports = dict(imports=['regtest_no_such_module_q'])\n")
    with pytest.raises(ImportError) as info:  # `except ImportError` written for MMEngine works
        Config.fromfile(path)
    assert isinstance(info.value, ConfigError)
    assert str(info.value).startswith(
        f"{path}: custom_imports cannot import 'regtest_no_such_module_q': No module named"
    )


@pytest.mark.spec(infra="no module cycle inside mme.config")
def test_the_modules_of_mme_config_import_each_other_without_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for path in CONFIG_SRC.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = set()
        for node in tree.body:  # module level only: what runs at import time
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mme.config."):
                imported.add(node.module.rsplit(".", 1)[1])
        graph[path.stem] = imported

    def visit(module: str, stack: tuple[str, ...]) -> None:
        assert module not in stack, " -> ".join([*stack, module])
        for other in graph.get(module, ()):
            visit(other, (*stack, module))

    for module in graph:
        visit(module, ())
    assert "formats" in graph["config"]
    assert "formats" in graph["loading"]


@pytest.mark.spec(infra="import mme.config stays light")
def test_importing_mme_config_leaves_the_heavy_parts_for_later() -> None:
    import subprocess
    import sys

    code = (
        "import sys, mme.config\n"
        "heavy = ['yaml', 'argparse', 'ast', 'dataclasses', 'difflib', 'mme.config.loading',"
        " 'mme.config.provenance']\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
