"""Building from real config files (CFG-03, CFG-13, REG-08, REG-12, REG-14)."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# mme-registry does not depend on mme-config: these tests need both installed.
pytest.importorskip("mme.config", reason="mme-config is not installed")

from mme.config import Config, ConfigDict
from mme.registry import MODELS, OPTIMIZERS, Registry, init_default_scope

FIXTURES = Path(__file__).parent / "fixtures"


class SGD:
    """Stands in for torch.optim.SGD until mme.optim registers the real one."""

    def __init__(
        self, params: Any, lr: float, momentum: float = 0, weight_decay: float = 0
    ) -> None:
        self.param_groups = [
            {"params": list(params), "lr": lr, "momentum": momentum, "weight_decay": weight_decay}
        ]


@pytest.fixture
def configs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_root_registries: None
) -> Iterator[Path]:
    """The fixture configs and modules in an importable folder; imports undone afterwards."""
    target = tmp_path / "configs"
    shutil.copytree(FIXTURES, target)
    monkeypatch.syspath_prepend(str(target))
    for name in ("my_module", "regtest_alpha_models"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    before = set(sys.modules)
    yield target
    for name in set(sys.modules) - before:
        # only the fixture's own modules: a location imported on the way (mme.optim, torch)
        # must stay, re-importing a C extension such as torch crashes the interpreter
        if str(getattr(sys.modules[name], "__file__", None) or "").startswith(str(target)):
            del sys.modules[name]


@pytest.mark.spec("CFG-03")
def test_optimizers_build_cfg_optimizer(configs: Path) -> None:
    # force: mme.optim registers the real SGD once imported (restore_root_registries undoes it)
    OPTIMIZERS.register_module(module=SGD, force=True)
    cfg = Config.fromfile(configs / "config_sgd.py")
    params = ["w", "b"]
    cfg.optimizer.params = params
    optimizer = OPTIMIZERS.build(cfg.optimizer)
    assert isinstance(optimizer, SGD)
    assert optimizer.param_groups == [
        {"params": params, "lr": 0.1, "momentum": 0.9, "weight_decay": 0.0001}
    ]
    assert cfg.optimizer.type == "SGD"  # the config is not consumed by the build


@pytest.mark.spec("CFG-13", "REG-08")
def test_custom_imports_registers_and_builds(configs: Path) -> None:
    cfg = Config.fromfile(configs / "custom_imports.py")
    optimizer = OPTIMIZERS.build(cfg.optimizer)
    assert re.fullmatch(r"<my_module\.CustomOptim object at 0x[0-9a-fA-F]+>", repr(optimizer))


@pytest.mark.spec("REG-12", "REG-14")
def test_scope_key_in_a_config_file_applies_to_nested_modules(configs: Path) -> None:
    cfg = Config.fromfile(configs / "scoped_model.py")
    model = MODELS.build(cfg.model)
    assert type(model).__module__ == "regtest_alpha_models"
    assert type(model).__name__ == "YOLOX"
    assert type(model.backbone).__name__ == "CSPDarknet"
    assert model.backbone.deepen_factor == 1.33
    assert cfg.model._scope_ == "regtest_alpha"


@pytest.mark.spec("REG-14")
def test_prefixing_every_type_in_a_config_file(configs: Path) -> None:
    cfg = Config.fromfile(configs / "prefixed_model.py")
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == "YOLOX"
    assert model.backbone.widen_factor == 1.25


@pytest.mark.spec("REG-12")
def test_default_scope_from_a_yaml_config(configs: Path) -> None:
    @MODELS.register_module(name="RegtestNeck")
    class Neck:
        pass

    cfg = Config.fromfile(configs / "default_scope_model.yaml")
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == "YOLOX"
    assert model.backbone.deepen_factor == 0.33
    assert isinstance(model.neck, Neck)


@pytest.mark.spec("REG-12", "REG-14")
def test_without_the_scope_the_error_points_to_it(configs: Path) -> None:
    cfg = Config.fromfile(configs / "scoped_model.py")
    del cfg.model["_scope_"]
    with pytest.raises(KeyError) as info:
        MODELS.build(cfg.model)
    message = str(info.value)
    assert "'YOLOX' is not registered in the \"model\" registry" in message
    assert "write type='regtest_alpha.YOLOX' or set _scope_='regtest_alpha'" in message


@pytest.mark.spec("REG-04")
def test_default_args_may_be_a_config() -> None:
    reg = Registry("thing", scope="regtest_defaults")

    @reg.register_module()
    class Thing:
        def __init__(self, size: int, colour: str = "red") -> None:
            self.size = size
            self.colour = colour

    built = reg.build(dict(type="Thing", size=2), default_args=Config(dict(colour="blue")))
    assert (built.size, built.colour) == (2, "blue")
    built = reg.build(Config(dict(size=3)), default_args=Config(dict(type="Thing")))
    assert (built.size, built.colour) == (3, "red")


class _ReLU:
    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace


@pytest.mark.spec("REG-04")
def test_config_is_not_modified_and_nested_configs_are_passed_unchanged() -> None:
    reg = Registry("r", scope="t")

    @reg.register_module()
    class Holder:
        def __init__(self, child: Any) -> None:
            self.child = child

    child = ConfigDict(type="Inner", depth=2)
    cfg = ConfigDict(type="Holder", child=child, _scope_="t")
    built = reg.build(cfg)
    assert built.child is child
    assert cfg == {"type": "Holder", "child": {"type": "Inner", "depth": 2}, "_scope_": "t"}


@pytest.mark.spec("REG-04", "CFG-02")
def test_build_from_config_dict_and_config() -> None:
    activation = Registry("activation", scope="mmengine")
    activation.register_module(name="ReLU", module=_ReLU)
    assert activation.build(ConfigDict(type="ReLU", inplace=True)).inplace is True
    assert activation.build(Config(dict(type="ReLU", inplace=True))).inplace is True


@pytest.mark.spec("REG-04", "CFG-02")
def test_nested_config_dicts_of_a_config_are_passed_unchanged() -> None:
    reg = Registry("r", scope="t")
    seen: list[Any] = []
    reg.register_module(name="Holder", module=lambda child: seen.append(child))
    cfg = Config(dict(type="Holder", child=dict(type="Inner")))
    reg.build(cfg)
    assert seen == [{"type": "Inner"}]
    assert seen[0] is cfg.child
    assert isinstance(seen[0], ConfigDict)
