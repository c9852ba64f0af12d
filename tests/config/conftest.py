"""Shared fixtures for the mme.config tests."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def tutorial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the tutorial's config files; the working directory is set to it."""
    target = tmp_path / "tutorial"
    shutil.copytree(FIXTURES / "tutorial", target)
    monkeypatch.chdir(target)
    return target


@pytest.fixture
def formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the JSON/YAML fixtures; the working directory is set to it."""
    target = tmp_path / "formats"
    shutil.copytree(FIXTURES / "formats", target)
    monkeypatch.chdir(target)
    return target


@pytest.fixture
def clean_import_state(tmp_path_factory: pytest.TempPathFactory):
    """Restore sys.path and drop modules imported from temp dirs after a test.

    Only modules loaded from the test's temporary directories are removed: library
    modules first imported during the test (yaml's C extension, for one) stay.
    """
    path = list(sys.path)
    modules = set(sys.modules)
    root = str(tmp_path_factory.getbasetemp())
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        origin = getattr(sys.modules[name], "__file__", None) or ""
        if origin.startswith(root):
            del sys.modules[name]
