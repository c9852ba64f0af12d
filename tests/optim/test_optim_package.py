"""The installed mme-optim distribution: version, typing marker, dependencies."""

from __future__ import annotations

from importlib import metadata, resources

import pytest

import mme.optim

pytestmark = pytest.mark.spec(infra="mme-optim installs as its own distribution")


def test_version_matches_the_distribution_metadata() -> None:
    assert mme.optim.__version__ == metadata.version("mme-optim")


def test_ships_the_py_typed_marker() -> None:
    assert resources.files("mme.optim").joinpath("py.typed").is_file()


def test_torch_dependency_is_declared_and_satisfied() -> None:
    requirement = [r for r in metadata.requires("mme-optim") or [] if r.startswith("torch")]
    assert requirement, "mme-optim must declare torch"
    import torch

    installed = tuple(int(part) for part in torch.__version__.split("+")[0].split(".")[:2])
    assert installed >= (2, 1), f"the package promises torch >= 2.1, found {torch.__version__}"
