"""Shared fixtures for the mme.registry tests."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mme.registry import ROOT_REGISTRIES, DefaultScope, Registry
from mme.registry import registry as registry_module


@pytest.fixture(autouse=True)
def isolated_default_scope() -> Iterator[None]:
    """Every test starts without a default scope and leaves none behind."""
    saved = (dict(DefaultScope._instances), DefaultScope._latest)
    DefaultScope._instances.clear()
    DefaultScope._latest = None
    yield
    DefaultScope._instances.clear()
    DefaultScope._instances.update(saved[0])
    DefaultScope._latest = saved[1]


@pytest.fixture
def restore_root_registries() -> Iterator[None]:
    """Undo what a test registers in, or imports for, the real root registries."""
    saved = {
        name: (
            dict(r._module_dict),
            dict(r._children),
            r._imported,
            dict(r._location_errors),
        )
        for name, r in ROOT_REGISTRIES.items()
    }
    yield
    for name, registry in ROOT_REGISTRIES.items():
        module_dict, children, imported, errors = saved[name]
        registry._module_dict.clear()
        registry._module_dict.update(module_dict)
        registry._children.clear()
        registry._children.update(children)
        registry._imported = imported
        registry._location_errors.clear()
        registry._location_errors.update(errors)
        registry._scope_cache.clear()


class RReLU:
    """Registered in the root ("mme") of the tree fixture."""

    def __init__(self, lower: float = 0.125, upper: float = 0.333, inplace: bool = False):
        self.lower = lower
        self.upper = upper
        self.inplace = inplace


class LogSoftmax:
    """Registered in the "mmalpha" child of the tree fixture."""

    def __init__(self, dim: int | None = None):
        self.dim = dim


@dataclass
class Tree:
    """The registry tree of the specification's hierarchy example (REG-09...REG-12)."""

    root: Registry
    alpha: Registry
    beta: Registry
    RReLU: type = RReLU
    LogSoftmax: type = LogSoftmax


@pytest.fixture
def tree() -> Tree:
    """A root "model" registry in scope "mme" with children "mmalpha" and "mmbeta"."""
    root = Registry("model", scope="mme")
    alpha = Registry("model", parent=root, scope="mmalpha")
    beta = Registry("model", parent=root, scope="mmbeta")
    root.register_module(module=RReLU)
    alpha.register_module(module=LogSoftmax)
    return Tree(root, alpha, beta)


@pytest.fixture
def make_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Path]]:
    """Write importable Python files: ``make_module('pkg.mod', source)``.

    Modules imported during the test are removed from ``sys.modules`` afterwards, and
    the scope imports the registry remembered are forgotten.
    """
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    tried = set(registry_module._TRIED_SCOPE_IMPORTS)

    def make(name: str, source: str) -> Path:
        parts = name.split(".")
        folder = tmp_path.joinpath(*parts[:-1])
        folder.mkdir(parents=True, exist_ok=True)
        for depth in range(1, len(parts)):
            init = tmp_path.joinpath(*parts[:depth], "__init__.py")
            if not init.exists():
                init.write_text("")
        path = folder / f"{parts[-1]}.py"
        path.write_text(textwrap.dedent(source))
        return path

    yield make
    for name in set(sys.modules) - before:
        del sys.modules[name]
    registry_module._TRIED_SCOPE_IMPORTS.clear()
    registry_module._TRIED_SCOPE_IMPORTS.update(tried)
