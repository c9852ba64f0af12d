"""Registry trees: parents, siblings, scope prefixes and ``_scope_`` (REG-09...REG-12, REG-14)."""

# The configs are written dict(type=...), as in the specification and users' configs.

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mme.registry import (
    DefaultScope,
    NotRegisteredError,
    Registry,
    UnknownScopeError,
    split_scope_key,
)


@pytest.mark.spec("REG-09")
def test_children_and_root(tree: Any) -> None:
    assert tree.alpha.parent is tree.root
    assert tree.root.children == {"mmalpha": tree.alpha, "mmbeta": tree.beta}
    assert tree.beta.root is tree.root
    assert tree.alpha._get_root_registry() is tree.root


@pytest.mark.spec("REG-09")
def test_two_children_with_the_same_scope_are_refused(tree: Any) -> None:
    with pytest.raises(ValueError, match='has a child with scope "mmalpha" already'):
        Registry("model", parent=tree.root, scope="mmalpha")


@pytest.mark.spec("REG-10")
def test_child_builds_its_own_and_its_parents_modules(tree: Any) -> None:
    assert isinstance(tree.alpha.build(dict(type="LogSoftmax")), tree.LogSoftmax)
    model = tree.alpha.build(dict(type="RReLU", lower=0.2))
    assert isinstance(model, tree.RReLU)
    assert model.lower == 0.2
    assert isinstance(tree.alpha.build(dict(type="mme.RReLU")), tree.RReLU)


@pytest.mark.spec("REG-10")
def test_own_entry_shadows_the_parents_and_a_prefix_picks_the_parent(tree: Any) -> None:
    @tree.alpha.register_module(name="RReLU")
    class AlphaRReLU:
        pass

    assert tree.alpha.get("RReLU") is AlphaRReLU
    assert tree.alpha.get("mme.RReLU") is tree.RReLU
    assert tree.alpha.get("mmalpha.RReLU") is AlphaRReLU
    assert tree.root.get("RReLU") is tree.RReLU


@pytest.mark.spec("REG-10")
def test_parent_does_not_see_its_children(tree: Any) -> None:
    with pytest.raises(NotRegisteredError) as info:
        tree.root.get("LogSoftmax")
    message = str(info.value)
    assert '\'LogSoftmax\' is not registered in the "model" registry (scopes searched: "mme")' in (
        message
    )
    assert "registered in the scope 'mmalpha' of this registry tree" in message
    assert "type='mmalpha.LogSoftmax' or set _scope_='mmalpha'" in message


@pytest.mark.spec("REG-11")
def test_sibling_needs_the_prefix(tree: Any) -> None:
    assert isinstance(tree.beta.build(dict(type="mmalpha.LogSoftmax")), tree.LogSoftmax)
    with pytest.raises(KeyError) as info:
        tree.beta.build(dict(type="LogSoftmax"))
    message = str(info.value)
    assert 'scopes searched: "mmbeta" -> "mme"' in message
    assert "type='mmalpha.LogSoftmax'" in message


@pytest.mark.spec("REG-11")
def test_unknown_scope_prefix_is_an_error_not_a_fallback(tree: Any) -> None:
    with pytest.raises(KeyError) as info:
        tree.beta.get("mmalpah.LogSoftmax")
    assert isinstance(info.value, UnknownScopeError)
    message = str(info.value)
    assert "the scope 'mmalpah' has no registry in the \"model\" registry tree" in message
    assert "(scopes: mmalpha, mmbeta, mme)" in message
    assert "Did you mean 'mmalpha'?" in message


@pytest.mark.spec("REG-11")
def test_scope_prefix_with_unknown_name_searches_that_scope(tree: Any) -> None:
    with pytest.raises(NotRegisteredError) as info:
        tree.beta.get("mmalpha.LogSoftmx")
    assert str(info.value).startswith(
        "'mmalpha.LogSoftmx' is not registered in the \"model\" registry "
        '(scopes searched: "mmalpha" -> "mme"). Did you mean \'LogSoftmax\'?'
    )


@pytest.mark.spec("REG-10")
def test_split_scope_key() -> None:
    assert split_scope_key("mmdet.ResNet") == ("mmdet", "ResNet")
    assert split_scope_key("ResNet") == (None, "ResNet")
    assert split_scope_key("a.b.C") == ("a", "b.C")
    assert Registry.split_scope_key("mmcls.ConvNeXt") == ("mmcls", "ConvNeXt")


@pytest.mark.spec("REG-12")
def test_scope_key_switches_the_node_for_the_build(tree: Any) -> None:
    model = tree.beta.build(cfg=dict(type="LogSoftmax", _scope_="mmalpha"))
    assert isinstance(model, tree.LogSoftmax)
    assert DefaultScope.get_current_instance() is None  # switched back afterwards


@pytest.mark.spec("REG-12", "REG-14")
def test_scope_key_applies_to_every_nested_build(tree: Any) -> None:
    seen: list[str | None] = []

    @tree.alpha.register_module()
    class YOLOX:
        def __init__(self, backbone: dict, neck: dict) -> None:
            current = DefaultScope.get_current_instance()
            seen.append(current.scope_name if current else None)
            # The model builds its parts from the registry it knows: the beta one.
            self.backbone = tree.beta.build(backbone)
            self.neck = tree.beta.build(neck)

    @tree.alpha.register_module()
    class CSPDarknet:
        def __init__(self, deepen_factor: float) -> None:
            self.deepen_factor = deepen_factor

    model = tree.beta.build(
        dict(
            _scope_="mmalpha",
            type="YOLOX",
            backbone=dict(type="CSPDarknet", deepen_factor=1.33),
            neck=dict(type="RReLU", lower=0.1),  # found through mmalpha's parent
        )
    )
    assert seen == ["mmalpha"]
    assert isinstance(model.backbone, CSPDarknet)
    assert model.backbone.deepen_factor == 1.33
    assert isinstance(model.neck, tree.RReLU)


@pytest.mark.spec("REG-14")
def test_prefixing_every_type_is_equivalent_to_scope_key(tree: Any) -> None:
    @tree.alpha.register_module()
    class Detector:
        def __init__(self, backbone: dict) -> None:
            self.backbone = tree.beta.build(backbone)

    model = tree.beta.build(
        dict(type="mmalpha.Detector", backbone=dict(type="mmalpha.LogSoftmax", dim=1))
    )
    assert isinstance(model.backbone, tree.LogSoftmax)
    assert model.backbone.dim == 1


@pytest.mark.spec("REG-12")
def test_switch_scope_and_registry_yields_the_scope_registry(tree: Any) -> None:
    with tree.beta.switch_scope_and_registry("mmalpha") as registry:
        assert registry is tree.alpha
        assert DefaultScope.get_current_instance().scope_name == "mmalpha"  # type: ignore[union-attr]
    with tree.beta.switch_scope_and_registry(None) as registry:
        assert registry is tree.beta
    with tree.beta.switch_scope_and_registry("elsewhere") as registry:
        assert registry is tree.beta  # no such scope in the tree: the registry itself


@pytest.mark.spec("REG-12")
def test_default_scope_picks_the_registry_of_the_tree(tree: Any) -> None:
    DefaultScope.get_instance("task", scope_name="mmalpha")
    assert isinstance(tree.root.build(dict(type="LogSoftmax")), tree.LogSoftmax)
    assert isinstance(tree.beta.build(dict(type="LogSoftmax")), tree.LogSoftmax)


@pytest.mark.spec("REG-12")
def test_not_found_under_a_default_scope_says_which_scope_chose(tree: Any) -> None:
    DefaultScope.get_instance("task", scope_name="mmalpah")
    with pytest.raises(NotRegisteredError) as info:
        tree.beta.build(dict(type="Missing"))
    assert 'The default scope "mmalpah" has no "model" registry in this tree' in str(info.value)
    assert "Did you mean 'mmalpha'?" in str(info.value)


@pytest.mark.spec("REG-14")
def test_scope_prefix_imports_the_scope_registry_module(
    tree: Any, make_module: Callable[..., Any]
) -> None:
    make_module("regtest_shared", "ROOT = None")
    import regtest_shared  # type: ignore[import-not-found]

    regtest_shared.ROOT = tree.root
    make_module(
        "regtest_gamma.registry",
        """
        import regtest_shared
        from mme.registry import Registry

        MODELS = Registry("model", parent=regtest_shared.ROOT, scope="regtest_gamma")

        @MODELS.register_module()
        class ConvNeXt:
            def __init__(self, arch="tiny"):
                self.arch = arch
        """,
    )
    model = tree.beta.build(dict(type="regtest_gamma.ConvNeXt", arch="small"))
    assert type(model).__name__ == "ConvNeXt"
    assert model.arch == "small"
    assert "regtest_gamma" in tree.root.children
