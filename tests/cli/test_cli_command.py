"""The ``mme`` command of the meta-package: versions, help, and missing extras."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata

import pytest

from mme.cli import commands, main
from mme.cli.commands import Command, CommandUnavailable

pytestmark = pytest.mark.spec(infra="the mme command line of the meta-package")


def run_mme(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mme.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_version_lists_every_installed_distribution_with_its_version() -> None:
    result = run_mme("--version")
    assert result.returncode == 0, result.stderr
    lines = dict(line.split() for line in result.stdout.splitlines())
    for dist in ("mme", "mme-config", "mme-registry", "mme-fileio", "mme-logging"):
        assert lines[dist] == metadata.version(dist)
    for dist, version in lines.items():
        assert dist == "mme" or dist.startswith("mme-")
        assert version == metadata.version(dist)


@pytest.mark.parametrize("args", [["--version"], ["registry", "list"], ["--help"]])
def test_a_reader_that_stops_early_gets_no_broken_pipe_traceback(args: list[str]) -> None:
    # `mme --version | head -1`: the reader closes the pipe; here it is closed before
    # mme writes anything, so every write fails with EPIPE.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "mme.cli", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 0


def test_console_script_is_installed_next_to_the_interpreter() -> None:
    entry_points = metadata.entry_points(group="console_scripts", name="mme")
    assert [ep.value for ep in entry_points] == ["mme.cli:main"]


def test_no_command_prints_help_with_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "usage: mme" in out
    for command in commands.COMMANDS:
        assert command.name in out


def test_unknown_command_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["registyr"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unknown command 'registyr'" in err
    assert "Did you mean 'registry'?" in err


def test_command_of_a_missing_distribution_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = Command(
        name="train",
        help="train a model from a config",
        module="mme.not_installed_runner.cli",
        distribution="mme-runner",
        install='pip install "mme[runner]"',
    )
    others = tuple(c for c in commands.COMMANDS if c.name != "train")
    monkeypatch.setattr(commands, "COMMANDS", (*others, missing))
    with pytest.raises(SystemExit) as exc:
        main(["train", "config.py"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "'mme train' needs the mme-runner distribution" in err
    assert 'pip install --find-links WHEELS "mme[runner]"' in err
    assert "not on PyPI yet" in err


def test_a_missing_dependency_inside_a_command_is_not_disguised(tmp_path, monkeypatch) -> None:
    (tmp_path / "broken_command.py").write_text("import a_dependency_that_is_not_there\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    command = Command("broken", "x", "broken_command", "mme-x", "pip install mme-x")
    with pytest.raises(ModuleNotFoundError) as exc:
        commands.load(command)
    assert not isinstance(exc.value, CommandUnavailable)
    assert exc.value.name == "a_dependency_that_is_not_there"


def test_subcommand_modules_are_imported_only_when_called() -> None:
    code = (
        "import sys; from mme.cli import main; main(['--version']); "
        "assert not any(m.endswith('.cli') and m != 'mme.cli' for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith('mme'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_mme_is_a_namespace_package() -> None:
    import mme

    assert getattr(mme, "__file__", None) is None
    assert len(list(mme.__path__)) >= 1


def test_registry_subcommand_lists_the_root_registries() -> None:
    result = run_mme("registry", "list")
    assert result.returncode == 0, result.stderr
    for name in ("MODELS", "OPTIMIZERS", "HOOKS", "DATASETS", "FUNCTIONS"):
        assert name in result.stdout


def test_registry_subcommand_rejects_an_unknown_registry_with_a_suggestion() -> None:
    result = run_mme("registry", "list", "OPTIMIZRES")
    assert result.returncode == 2
    assert "OPTIMIZERS" in result.stderr


def test_train_and_test_commands_point_to_mme_runner() -> None:
    for name in ("train", "test"):
        command = commands.find(name)
        assert command is not None
        assert command.module == f"mme.runner.cli.{name}"
        assert command.distribution == "mme-runner"
        assert command.install == 'pip install "mme[runner]"'


def test_train_without_mme_runner_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mme.runner", None)
    monkeypatch.delitem(sys.modules, "mme.runner.cli.train", raising=False)
    monkeypatch.delitem(sys.modules, "mme.runner.cli", raising=False)
    command = commands.find("train")
    assert command is not None
    with pytest.raises(CommandUnavailable, match=r"'mme train' needs the mme-runner distribution"):
        commands.load(command)


def test_plot_and_runs_commands_point_to_mme_runner() -> None:
    for name in ("plot", "runs"):
        command = commands.find(name)
        assert command is not None
        assert command.module == f"mme.runner.cli.{name}"
        assert command.distribution == "mme-runner"
