"""Public read-only views and snapshots of registries, and what lookups cost."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest

from mme.registry import Registry, build_from_cfg
from mme.registry import messages as registry_messages

from .conftest import Tree


@pytest.mark.spec("REG-03", "REG-09")
def test_views_are_copies_and_walk_covers_the_tree(tree: Tree) -> None:
    assert [r.scope for r in tree.root.walk()] == ["mme", "mmalpha", "mmbeta"]
    assert [r.scope for r in tree.alpha.lineage()] == ["mmalpha", "mme"]
    entries = tree.alpha.module_dict
    entries["Other"] = int
    assert "Other" not in tree.alpha
    children = tree.root.children
    children.clear()
    assert set(tree.root.children) == {"mmalpha", "mmbeta"}
    assert tree.root.location_errors == {}


@pytest.mark.spec("REG-07")
def test_location_errors_view_names_the_missing_location() -> None:
    reg = Registry("r", scope="t", locations=["regtest_no_such_module_xyz"])
    assert "anything" not in reg
    assert list(reg.location_errors) == ["regtest_no_such_module_xyz"]


@pytest.mark.spec("REG-02")
def test_snapshot_and_restore_undo_registrations_children_and_imports(tree: Tree) -> None:
    saved = tree.root.snapshot()
    tree.alpha.register_module(name="Temporary", module=int)
    Registry("model", parent=tree.beta, scope="mmgamma")
    tree.root.restore(saved)
    assert "Temporary" not in tree.alpha
    assert tree.beta.children == {}
    assert "mmgamma.RReLU" not in tree.root
    assert tree.alpha.get("LogSoftmax") is tree.LogSoftmax


@pytest.mark.spec("REG-02")
def test_membership_never_builds_an_error_message(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any) -> Exception:
        raise AssertionError("a message was built for `in`")

    monkeypatch.setattr(registry_messages, "not_registered", fail)
    monkeypatch.setattr(registry_messages, "unknown_scope", fail)
    monkeypatch.setattr("mme.registry.registry.not_registered", fail)
    monkeypatch.setattr("mme.registry.registry.unknown_scope", fail)
    assert "Missing" not in tree.alpha
    assert "nowhere.Missing" not in tree.alpha
    assert "mmbeta.Missing" not in tree.alpha
    assert "LogSoftmax" in tree.alpha


@pytest.mark.spec("REG-04")
def test_a_registry_name_where_a_registry_is_expected_is_a_type_error() -> None:
    with pytest.raises(TypeError) as info:
        build_from_cfg(dict(type="ResNet"), "BACKBONES")  # type: ignore[arg-type]
    assert str(info.value) == (
        "build_from_cfg: registry must be a Registry, got str: 'BACKBONES'; pass the registry "
        "object (for example MODELS), not its name"
    )


class _ReadOnly(Mapping[str, Any]):
    """A mapping that is not a dict."""

    def __init__(self, **values: Any) -> None:
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


@pytest.mark.spec("REG-04")
@pytest.mark.parametrize(
    "defaults", [MappingProxyType({"inplace": True}), _ReadOnly(inplace=True)], ids=type
)
def test_default_args_may_be_any_mapping(tree: Tree, defaults: Mapping[str, Any]) -> None:
    built = tree.root.build(dict(type="RReLU"), default_args=defaults)
    assert built.inplace is True


@pytest.mark.spec(infra="mme-registry does not import mme-config")
def test_the_registry_does_not_import_mme_config() -> None:
    code = (
        "import sys; import mme.registry; from mme.registry import MODELS, Registry\n"
        "r = Registry('x', scope='t'); r.register_module(name='A', module=dict)\n"
        "r.build({'type': 'A'}); 'B' in r\n"
        "assert not [m for m in sys.modules if m.startswith('mme.config')], sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
