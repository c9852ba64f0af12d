""" "Did you mean" hints for error messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(wrong: str, candidates: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest candidate, or ``""`` if none is close.

    Args:
        wrong: The name the user gave.
        candidates: The names that would have been valid.
    """
    matches = difflib.get_close_matches(wrong, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {matches[0]!r}?" if matches else ""


def known(candidates: Iterable[str]) -> str:
    """Return the valid names as a short, sorted, quoted list for an error message."""
    names = sorted(candidates)
    return ", ".join(repr(n) for n in names) if names else "(none)"
