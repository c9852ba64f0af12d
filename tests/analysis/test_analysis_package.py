"""The installed mme-analysis distribution: version, typing marker, dependencies."""

from __future__ import annotations

from importlib import metadata, resources

import pytest

import mme.analysis

pytestmark = pytest.mark.spec(infra="mme-analysis installs as its own distribution")


def test_version_matches_the_distribution_metadata() -> None:
    assert mme.analysis.__version__ == metadata.version("mme-analysis")


def test_ships_the_py_typed_marker() -> None:
    assert resources.files("mme.analysis").joinpath("py.typed").is_file()


def test_torch_dependency_is_declared_and_satisfied() -> None:
    requirement = [r for r in metadata.requires("mme-analysis") or [] if r.startswith("torch")]
    assert requirement, "mme-analysis must declare torch"
    import torch

    installed = tuple(int(part) for part in torch.__version__.split("+")[0].split(".")[:2])
    assert installed >= (2, 1), f"the package promises torch >= 2.1, found {torch.__version__}"
