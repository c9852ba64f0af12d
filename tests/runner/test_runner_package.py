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


def test_torch_dependency_is_the_installed_cpu_build() -> None:
    requirement = [r for r in metadata.requires("mme-runner") or [] if r.startswith("torch")]
    assert requirement, "mme-runner must declare torch"
    import torch

    assert torch.__version__.split("+")[0] == "2.13.0"
