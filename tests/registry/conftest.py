"""Shared fixtures for the mme.registry tests."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mme.registry import ROOT_REGISTRIES, DefaultScope, Registry, forget_scope_imports


@pytest.fixture(autouse=True)
def isolated_default_scope() -> Iterator[None]:
    """Every test starts without a default scope and leaves none behind."""
    saved = DefaultScope.snapshot()
    DefaultScope.restore(None)
    yield
    DefaultScope.restore(saved)


@pytest.fixture
def restore_root_registries() -> Iterator[None]:
    """Undo what a test registers in, or imports for, the real root registries."""
    saved = [(registry, registry.snapshot()) for registry in ROOT_REGISTRIES.values()]
    yield
    for registry, state in saved:
        registry.restore(state)


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
    forget_scope_imports()
