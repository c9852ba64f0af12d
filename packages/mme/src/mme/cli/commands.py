"""The table of ``mme`` subcommands and the lazy loading of their modules.

A subcommand module defines two functions::

    def add_arguments(parser: argparse.ArgumentParser) -> None: ...
    def run(args: argparse.Namespace) -> int: ...

It is imported only when its subcommand is called.
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol, cast


class CommandModule(Protocol):
    """What a subcommand module provides."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


@dataclass(frozen=True)
class Command:
    """One ``mme`` subcommand: where its code lives and what installs it."""

    name: str
    help: str
    module: str
    distribution: str
    install: str


class CommandUnavailable(ImportError):
    """The distribution that provides a subcommand is not installed."""


#: The mme distributions are not on a public index yet: pip finds them only in a folder
#: of wheels built from a checkout (docs/install.md), so every install hint names one.
NOT_ON_AN_INDEX = (
    "(the mme packages are not on PyPI yet: WHEELS is a folder of wheels built from "
    "a checkout, see docs/install.md)"
)


def install_hint(install: str) -> str:
    """``pip install X`` as a command that can work today: from a folder of wheels."""
    if install.startswith("pip install ") and "--find-links" not in install:
        install = "pip install --find-links WHEELS " + install.removeprefix("pip install ")
    return f"{install} {NOT_ON_AN_INDEX}"


COMMANDS: tuple[Command, ...] = (
    Command(
        name="registry",
        help="list registries and what is registered in them",
        module="mme.registry.cli",
        distribution="mme-registry",
        install='pip install "mme"',
    ),
    Command(
        name="analyze",
        help="FLOPs, activations and parameters of a model, as a table",
        module="mme.cli.analyze",
        distribution="mme",
        install='pip install "mme[analysis]"',
    ),
    Command(
        name="train",
        help="train a model from a config file",
        module="mme.runner.cli.train",
        distribution="mme-runner",
        install='pip install "mme[runner]"',
    ),
    Command(
        name="test",
        help="evaluate a checkpoint on the test set of a config file",
        module="mme.runner.cli.test",
        distribution="mme-runner",
        install='pip install "mme[runner]"',
    ),
    Command(
        name="plot",
        help="draw the logged curves (loss, metrics) of one or several runs",
        module="mme.runner.cli.plot",
        distribution="mme-runner",
        install='pip install "mme[runner,vis]"',
    ),
    Command(
        name="runs",
        help="a table of the runs in a work_dir: date, config, best metric, speed",
        module="mme.runner.cli.runs",
        distribution="mme-runner",
        install='pip install "mme[runner]"',
    ),
    Command(
        name="plot-lr",
        help="draw the learning rate and momentum schedule of a config",
        module="mme.optim.cli",
        distribution="mme-optim",
        install="pip install mme-optim",
    ),
)


def find(name: str) -> Command | None:
    """Return the subcommand called ``name``, or None."""
    for command in COMMANDS:
        if command.name == name:
            return command
    return None


def load(command: Command) -> CommandModule:
    """Import the module of ``command``.

    Raises:
        CommandUnavailable: the distribution providing it is not installed; the
            message names the distribution and the install command.
    """
    try:
        module: ModuleType = importlib.import_module(command.module)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if not command.module.startswith(missing) or not missing.startswith("mme."):
            raise  # a dependency of the subcommand is missing: show the real error
        raise CommandUnavailable(
            f"'mme {command.name}' needs the {command.distribution} distribution, "
            f"which is not installed. Install it with: {install_hint(command.install)}"
        ) from error
    return cast(CommandModule, module)
