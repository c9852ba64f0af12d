"""``mme registry list [NAME]`` (REG-09, REG-13), called through add_arguments/run."""

from __future__ import annotations

import argparse

import pytest

from mme.registry import OPTIMIZERS, ROOT_REGISTRIES
from mme.registry import cli as registry_cli


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="mme registry")
    registry_cli.add_arguments(parser)
    return registry_cli.run(parser.parse_args(list(argv)))


@pytest.fixture(autouse=True)
def plain_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide, predictable output whether or not rich is installed."""
    monkeypatch.setenv("COLUMNS", "200")


@pytest.mark.spec("REG-09", "REG-13")
@pytest.mark.usefixtures("restore_root_registries")
def test_list_shows_every_root_registry(capsys: pytest.CaptureFixture) -> None:
    assert _run("list") == 0
    out = capsys.readouterr().out
    assert "Root registries" in out
    for python_name, registry in ROOT_REGISTRIES.items():
        line = next(line for line in out.splitlines() if f" {python_name} " in f" {line} ")
        assert registry.name in line
        assert "mme" in line
        assert registry.locations[0] in line


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
