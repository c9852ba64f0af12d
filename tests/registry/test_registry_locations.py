"""Lazy ``locations`` and the root registries (REG-07, REG-08, REG-09, REG-17)."""

# The configs are written dict(type=...), as in the specification and users' configs.

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import mme.registry as registry_package
from mme.registry import (
    OPTIMIZERS,
    ROOT_REGISTRIES,
    RUNNERS,
    NotRegisteredError,
    Registry,
    RegistryState,
)
from mme.registry.locations import distribution_for

DOCUMENTED_ROOTS = [
    "RUNNERS",
    "RUNNER_CONSTRUCTORS",
    "LOOPS",
    "HOOKS",
    "DATASETS",
    "DATA_SAMPLERS",
    "TRANSFORMS",
    "MODELS",
    "MODEL_WRAPPERS",
    "WEIGHT_INITIALIZERS",
    "OPTIMIZERS",
    "OPTIM_WRAPPERS",
    "OPTIM_WRAPPER_CONSTRUCTORS",
    "PARAM_SCHEDULERS",
    "METRICS",
    "EVALUATOR",
    "TASK_UTILS",
    "VISUALIZERS",
    "VISBACKENDS",
    "LOG_PROCESSORS",
    "FUNCTIONS",
    "INFERENCERS",
]

EXPECTED_LOCATIONS = {
    "mme.optim": {"OPTIMIZERS", "OPTIM_WRAPPERS", "OPTIM_WRAPPER_CONSTRUCTORS", "PARAM_SCHEDULERS"},
    "mme.dataset": {"DATASETS", "DATA_SAMPLERS", "TRANSFORMS", "FUNCTIONS"},
    "mme.runner.model": {"MODELS", "MODEL_WRAPPERS", "WEIGHT_INITIALIZERS"},
    "mme.runner.evaluator": {"METRICS", "EVALUATOR"},
}


@pytest.mark.spec("REG-07")
def test_locations_are_imported_on_the_first_lookup_only(make_module: Callable[..., Any]) -> None:
    make_module(
        "regtest_acts.activations",
        """
        import regtest_acts.registry as r

        IMPORTS = r.COUNT.append(1)

        @r.ACTIVATION.register_module()
        class Sigmoid:
            pass
        """,
    )
    make_module(
        "regtest_acts.registry",
        """
        from mme.registry import Registry

        COUNT = []
        ACTIVATION = Registry(
            "activation", scope="regtest_acts", locations=["regtest_acts.activations"]
        )
        """,
    )
    import regtest_acts.registry as acts  # type: ignore[import-not-found]

    assert "regtest_acts.activations" not in sys.modules  # not at registry creation
    assert len(acts.ACTIVATION) == 0
    assert type(acts.ACTIVATION.build(dict(type="Sigmoid"))).__name__ == "Sigmoid"
    acts.ACTIVATION.get("Sigmoid")
    assert acts.COUNT == [1]


@pytest.mark.spec("REG-07", "REG-08")
def test_ancestor_locations_are_imported_when_a_child_looks_up(
    make_module: Callable[..., Any],
) -> None:
    make_module(
        "regtest_base_models",
        """
        from mme.registry import Registry

        MODELS = Registry("model", scope="regtest_base", locations=["regtest_base_impl"])
        """,
    )
    make_module(
        "regtest_base_impl",
        """
        from regtest_base_models import MODELS

        @MODELS.register_module()
        class RReLU:
            pass
        """,
    )
    from regtest_base_models import MODELS  # type: ignore[import-not-found]

    child = Registry("model", parent=MODELS, scope="regtest_child")
    assert child.get("RReLU").__name__ == "RReLU"


@pytest.mark.spec("REG-08")
def test_importing_the_file_manually_registers_too(make_module: Callable[..., Any]) -> None:
    make_module(
        "regtest_manual",
        """
        from mme.registry import Registry

        TRANSFORMS = Registry("transform", scope="regtest_manual")

        @TRANSFORMS.register_module()
        class Resize:
            def __init__(self, scale):
                self.scale = scale
        """,
    )
    import regtest_manual  # type: ignore[import-not-found]

    assert regtest_manual.TRANSFORMS.build(dict(type="Resize", scale=2)).scale == 2


@pytest.mark.spec("REG-07")
def test_a_location_that_is_not_installed_is_named_with_the_install_command() -> None:
    reg = Registry("thing", scope="regtest", locations=["mme.notinstalled_xyz.things"])
    with pytest.raises(NotRegisteredError) as info:
        reg.build(dict(type="Thing"))
    assert (
        "location 'mme.notinstalled_xyz.things' is not installed (it is part of the "
        "mme-notinstalled_xyz distribution; install that from the mme repository, see "
        "docs/install.md)"
    ) in str(info.value)
    assert "pip install" not in str(info.value)


@pytest.mark.spec("REG-07")
def test_a_missing_module_inside_an_installed_package_is_called_missing() -> None:
    reg = Registry("thing", scope="regtest", locations=["mme.registry.no_such_module"])
    with pytest.raises(NotRegisteredError) as info:
        reg.get("Thing")
    assert (
        "location 'mme.registry.no_such_module' does not exist "
        "(no module named 'mme.registry.no_such_module')"
    ) in str(info.value)


@pytest.mark.spec("REG-07")
def test_a_broken_location_raises_its_own_error_with_a_note(
    make_module: Callable[..., Any],
) -> None:
    make_module("regtest_broken", "import regtest_dependency_that_is_missing\n")
    reg = Registry("thing", scope="regtest", locations=["regtest_broken"])
    with pytest.raises(ModuleNotFoundError, match="regtest_dependency_that_is_missing") as info:
        reg.get("Thing")
    assert info.value.__notes__ == [
        "mme.registry: raised while importing 'regtest_broken', a location of the "
        '"thing" registry (scope "regtest")'
    ]


@pytest.mark.spec("REG-07")
def test_distribution_for() -> None:
    assert distribution_for("mme.optim") == "mme-optim"
    assert distribution_for("mme.runner.hooks") == "mme-runner"
    assert distribution_for("mmdet.models") == "mmdet"


@pytest.mark.spec("REG-09")
def test_the_documented_root_registries_exist_with_scope_mme() -> None:
    for name in [*DOCUMENTED_ROOTS, "STRATEGIES"]:
        registry = getattr(registry_package, name)
        assert isinstance(registry, Registry), name
        assert registry.scope == "mme"
        assert registry.parent is None
        assert ROOT_REGISTRIES[name] is registry
    assert set(ROOT_REGISTRIES) == {*DOCUMENTED_ROOTS, "STRATEGIES"}
    assert registry_package.HOOKS.name == "hook"
    assert registry_package.VISBACKENDS.name == "vis_backend"


@pytest.mark.spec("REG-07", "REG-09")
def test_root_registries_locate_the_package_that_registers_their_builtins() -> None:
    for name, registry in ROOT_REGISTRIES.items():
        (location,) = registry.locations
        expected = next(
            (loc for loc, names in EXPECTED_LOCATIONS.items() if name in names), "mme.runner"
        )
        assert location == expected, name


@pytest.mark.spec("REG-07", "REG-09")
@pytest.mark.usefixtures("restore_root_registries")
def test_sgd_without_mme_optim_says_which_distribution_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "mme.optim", None)  # as if mme-optim were not installed
    OPTIMIZERS.restore(RegistryState(((OPTIMIZERS, {}, {}, False, {}),)))
    with pytest.raises(KeyError) as info:
        OPTIMIZERS.build(dict(type="SGD", lr=0.1))
    message = str(info.value)
    assert message.startswith(
        '\'SGD\' is not registered in the "optimizer" registry (scopes searched: "mme").'
    )
    assert (
        'The "optimizer" registry in "mme": location \'mme.optim\' is not installed '
        "(it is part of the mme-optim distribution; install that from the mme repository, "
        "see docs/install.md)."
    ) in message


@pytest.mark.spec("REG-09")
@pytest.mark.usefixtures("restore_root_registries")
def test_downstream_child_of_a_root_registry() -> None:
    from mme.registry import MODELS

    mmalpha = Registry("model", parent=MODELS, scope="regtest_mmalpha")

    @MODELS.register_module(name="RegtestRReLU")
    class RReLU:
        pass

    assert mmalpha.get("RegtestRReLU") is RReLU
    assert mmalpha.get("mme.RegtestRReLU") is RReLU


@pytest.mark.spec("REG-17")
@pytest.mark.usefixtures("restore_root_registries")
def test_custom_runner_selected_by_runner_type() -> None:
    @RUNNERS.register_module()
    class CustomRunner:
        def __init__(self, work_dir: str) -> None:
            self.work_dir = work_dir

    cfg = dict(runner_type="CustomRunner", work_dir="runs/x")
    runner = RUNNERS.build(dict(type=cfg["runner_type"], work_dir=cfg["work_dir"]))
    assert isinstance(runner, CustomRunner)
    assert runner.work_dir == "runs/x"


@pytest.mark.spec("REG-01")
def test_importing_mme_registry_imports_neither_torch_nor_rich() -> None:
    code = (
        "import sys, mme.registry\n"
        "from mme.registry import Registry\n"
        "r = Registry('x', scope='t'); r.register_module(module=int); r.build({'type': 'int'})\n"
        "print(sorted(m for m in ('torch', 'rich', 'numpy') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
