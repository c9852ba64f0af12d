"""The multi-process harness itself: a failing or hanging rank fails the test, with its output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.spec("DIST-01")


def test_a_failing_rank_fails_the_test_with_its_traceback(ranks: Callable[..., Any]) -> None:
    with pytest.raises(pytest.fail.Exception) as info:
        ranks("rank1_raises", group_timeout=5.0)
    message = str(info.value)
    assert "--- rank 1 exited with 1 ---" in message
    assert "ValueError: boom from rank 1" in message
    assert 'in rank1_raises\n    raise ValueError("boom from rank 1")' in message


def test_a_hanging_rank_is_killed_at_the_limit(ranks: Callable[..., Any]) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"did not finish within 8.0 s"):
        ranks("rank0_hangs", group_timeout=5.0, limit=8.0)
