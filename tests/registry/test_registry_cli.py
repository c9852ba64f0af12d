"""``mme registry list [NAME]`` (REG-09, REG-13), called through add_arguments/run."""

from __future__ import annotations

import argparse
import sys

import pytest

from mme.registry import OPTIMIZERS, ROOT_REGISTRIES, RegistryState
from mme.registry import cli as registry_cli


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="mme registry")
    registry_cli.add_arguments(parser)
    return registry_cli.run(parser.parse_args(list(argv)))


def _as_if_never_used() -> None:
    """Empty the root registries and forget their imports (restore_root_registries undoes it)."""
    for registry in ROOT_REGISTRIES.values():
        registry.restore(RegistryState(((registry, {}, {}, False, {}),)))


@pytest.fixture(autouse=True)
def plain_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide, predictable output whether or not rich is installed."""
    monkeypatch.setenv("COLUMNS", "200")


@pytest.mark.spec("REG-09", "REG-13")
@pytest.mark.usefixtures("restore_root_registries")
def test_list_shows_registries_with_entries_in_a_table_and_the_empty_ones_in_one_line(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in (
        "mme.runner",
        "mme.runner.model",
        "mme.runner.evaluator",
        "mme.optim",
        "mme.dataset",
    ):
        monkeypatch.setitem(sys.modules, module, None)  # the core install
    _as_if_never_used()
    OPTIMIZERS.register_module(name="RegtestSGD", module=dict)
    assert _run("list") == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if "OPTIMIZERS" in line and "RegtestSGD" not in line]
    assert len(rows) == 1
    assert "optimizer" in rows[0]
    assert " 1 " in f"{rows[0]} "
    assert out.count("OPTIMIZERS") == 1  # a row, not also in the empty line
    assert "Empty (22): RUNNERS, RUNNER_CONSTRUCTORS, LOOPS, HOOKS," in out
    assert out.count("mme-optim") == 1
    assert out.count("mme-runner") == 1
    assert "pip install" not in out
    assert len(out.splitlines()) < 20


@pytest.mark.spec("REG-13")
@pytest.mark.usefixtures("restore_root_registries")
def test_list_on_the_core_install_is_three_lines(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in (
        "mme.runner",
        "mme.runner.model",
        "mme.runner.evaluator",
        "mme.optim",
        "mme.dataset",
    ):
        monkeypatch.setitem(sys.modules, module, None)  # as if only mme were installed
    _as_if_never_used()
    assert _run("list") == 0
    assert capsys.readouterr().out == (
        "Root registries: none has entries yet.\n"
        "Empty (23): RUNNERS, RUNNER_CONSTRUCTORS, LOOPS, HOOKS, STRATEGIES, DATASETS,\n"
        "  DATA_SAMPLERS, TRANSFORMS, MODELS, MODEL_WRAPPERS, WEIGHT_INITIALIZERS, OPTIMIZERS,\n"
        "  OPTIM_WRAPPERS, OPTIM_WRAPPER_CONSTRUCTORS, PARAM_SCHEDULERS, METRICS, EVALUATOR,\n"
        "  TASK_UTILS, VISUALIZERS, VISBACKENDS, LOG_PROCESSORS, INFERENCERS, FUNCTIONS\n"
        "Not installed: mme-dataset (mme.dataset), mme-optim (mme.optim), mme-runner (mme.runner,\n"
        "  mme.runner.model, mme.runner.evaluator). The mme distributions are not on a public\n"
        "  package index yet: install them from the mme repository (see docs/install.md).\n"
    )


@pytest.mark.spec("REG-13")
@pytest.mark.usefixtures("restore_root_registries")
def test_list_name_shows_one_registry(capsys: pytest.CaptureFixture) -> None:
    @OPTIMIZERS.register_module(name="RegtestSGD")
    class SGD:
        pass

    for name in ("OPTIMIZERS", "optimizer", "optimizers"):
        assert _run("list", name) == 0
        out = capsys.readouterr().out
        assert "Registry of optimizer" in out
        assert "RegtestSGD" in out
        assert f"{__name__}" in out


@pytest.mark.spec("REG-13")
def test_unknown_name_exits_2_with_did_you_mean(capsys: pytest.CaptureFixture) -> None:
    assert _run("list", "OPTIMISERS") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        "mme registry list: no root registry is called 'OPTIMISERS'. Did you mean 'OPTIMIZERS'"
    )
    assert "Registries: RUNNERS, RUNNER_CONSTRUCTORS" in captured.err


@pytest.mark.spec("REG-13")
def test_an_action_is_required(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as info:
        _run()
    assert info.value.code == 2
    assert "ACTION" in capsys.readouterr().err
