"""Shared fixtures of the mme.logging tests."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator

import pytest

_counter = itertools.count()


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A ManagerMixin instance name no other test uses (instances are process-wide)."""
    return f"{request.node.name}-{next(_counter)}"


@pytest.fixture
def restore_mme_logger() -> Iterator[None]:
    """Put the stdlib ``mme`` logger's level back after a test that builds MMLoggers."""
    top = logging.getLogger("mme")
    level = top.level
    yield
    top.setLevel(level)
