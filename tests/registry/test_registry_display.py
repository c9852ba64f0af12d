"""Readable views of registries (REG-13): tables and the inventory of all registries."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from mme.registry import (
    ROOT_REGISTRIES,
    Registry,
    count_registered_modules,
    traverse_registry_tree,
)
from mme.registry.display import registry_table, render_table


class Sigmoid:
    pass


class ReLU:
    pass


@pytest.fixture
def activation() -> Registry:
    reg = Registry("activation", scope="mmengine", locations=["mme.registry.root"])
    reg.register_module(module=Sigmoid)
    reg.register_module(module=ReLU)
    return reg


@pytest.mark.spec("REG-13")
def test_print_registry_draws_a_rich_table(
    activation: Registry, capsys: pytest.CaptureFixture
) -> None:
    pytest.importorskip("rich")
    print(activation)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].strip() == "Registry of activation"
    assert any("Names" in line and "Objects" in line for line in lines)
    assert any("ReLU" in line and f"{__name__}.ReLU" in line for line in lines)
    assert "┃" in out or "│" in out  # drawn by rich
    assert "scope: mmengine | 2 entries | locations: mme.registry.root" in out


@pytest.mark.spec("REG-13")
def test_plain_table_without_rich(activation: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rich", None)  # as if rich were not installed
    monkeypatch.delitem(sys.modules, "rich.console", raising=False)
    monkeypatch.delitem(sys.modules, "rich.table", raising=False)
    width = len(f"{__name__}.Sigmoid")
    assert str(activation).splitlines() == [
        "Registry of activation",
        f"Names    {'Objects':<{width}}".rstrip(),
        f"-------  {'-' * width}",
        f"ReLU     {__name__}.ReLU",
        f"Sigmoid  {__name__}.Sigmoid",
        "scope: mmengine | 2 entries | locations: mme.registry.root",
    ]


@pytest.mark.spec("REG-13")
def test_forcing_plain_output_and_a_child_caption(activation: Registry) -> None:
    child = Registry("activation", parent=activation, scope="child")
    text = registry_table(child, use_rich=False)
    assert text.splitlines()[-1] == "scope: child | 0 entries | parent: activation in mmengine"
    assert render_table("T", ("a", "bb"), [("xyz", "1")], use_rich=False) == (
        "T\na    bb\n---  --\nxyz  1"
    )


@pytest.mark.spec("REG-13")
def test_repr_is_one_line(activation: Registry) -> None:
    assert repr(activation) == (
        "Registry(name='activation', scope='mmengine', entries=2, locations=['mme.registry.root'])"
    )


@pytest.mark.spec("REG-13")
def test_traverse_registry_tree(activation: Registry, caplog: pytest.LogCaptureFixture) -> None:
    child = Registry("activation", parent=activation, scope="child")
    child.register_module(name="Tanh", module=Sigmoid)
    with caplog.at_level(logging.INFO, logger="mme.registry"):
        info = traverse_registry_tree(child)
    folder = __name__.replace(".", "/")
    assert info == [
        {"num_modules": 2, "scope": "mmengine", "name": "activation", folder: ["Sigmoid", "ReLU"]},
        {"num_modules": 1, "scope": "child", "name": "activation", folder: ["Tanh"]},
    ]
    assert caplog.messages == [
        "Find 2 modules in mmengine's 'activation' registry",
        "Find 1 modules in child's 'activation' registry",
    ]
    caplog.clear()
    traverse_registry_tree(activation, verbose=False)
    assert caplog.messages == []


@pytest.mark.spec("REG-13")
@pytest.mark.usefixtures("restore_root_registries")
def test_count_registered_modules(tmp_path: Path) -> None:
    from mme.registry import MODELS

    MODELS.register_module(name="RegtestCounted", module=ReLU)
    result = count_registered_modules(save_path=tmp_path, verbose=False)
    assert set(result) == {"scan_date", "registries"}
    assert len(result["scan_date"]) == 14
    assert result["scan_date"].isdigit()
    assert set(result["registries"]) == set(ROOT_REGISTRIES)
    models = result["registries"]["MODELS"][0]
    assert models["scope"] == "mme"
    assert "RegtestCounted" in models[__name__.replace(".", "/")]
    saved = json.loads((tmp_path / "modules_statistic_results.json").read_text())
    assert saved == result
