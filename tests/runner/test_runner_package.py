"""The installed mme-runner distribution: version, typing marker, dependencies."""

from __future__ import annotations

from importlib import metadata, resources

import pytest

import mme.runner

pytestmark = pytest.mark.spec(infra="mme-runner installs as its own distribution")


def test_version_matches_the_distribution_metadata() -> None:
    assert mme.runner.__version__ == metadata.version("mme-runner")


def test_ships_the_py_typed_marker() -> None:
    assert resources.files("mme.runner").joinpath("py.typed").is_file()


def test_torch_dependency_is_declared_and_satisfied() -> None:
    requirement = [r for r in metadata.requires("mme-runner") or [] if r.startswith("torch")]
    assert requirement, "mme-runner must declare torch"
    import torch

    installed = tuple(int(part) for part in torch.__version__.split("+")[0].split(".")[:2])
    assert installed >= (2, 1), f"the package promises torch >= 2.1, found {torch.__version__}"
