""" "Did you mean" suggestions for unknown keys, shared by every error message."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(name: str, candidates: Iterable[object], n: int = 3) -> str:
    """Return ``" Did you mean 'a' or 'b'?"`` for the closest candidates, or ``""``.

    Args:
        name: The key the user wrote.
        candidates: The keys that exist at that place.
        n: At most this many suggestions.
    """
    import difflib

    names = [str(c) for c in candidates]
    close = difflib.get_close_matches(str(name), names, n=n, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in names}
        close = [lowered[m] for m in difflib.get_close_matches(str(name).lower(), lowered, n=n)]
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?"
