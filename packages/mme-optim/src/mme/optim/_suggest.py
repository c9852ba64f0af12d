"""Close-match hints for error messages ("did you mean ...")."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_matches(
    word: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6
) -> list[str]:
    """The candidates closest to ``word``, best first (case differences count little)."""
    unique = list(dict.fromkeys(candidates))
    by_lower: dict[str, list[str]] = {}
    for name in unique:
        by_lower.setdefault(name.lower(), []).append(name)
    found: list[str] = []
    for lowered in difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=cutoff):
        found.extend(by_lower[lowered])
    return found[:n]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``" Did you mean 'x'?"`` (or ``'x' or 'y'``), or ``""`` when nothing is close."""
    quoted = [repr(m) for m in close_matches(word, candidates)]
    if not quoted:
        return ""
    if len(quoted) == 1:
        return f" Did you mean {quoted[0]}?"
    return f" Did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"
