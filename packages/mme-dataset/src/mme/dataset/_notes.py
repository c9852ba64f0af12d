"""PEP 678 notes on exceptions, also on Python 3.10."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def add_note(error: BaseException, note: str) -> None:
    """Attach ``note`` to ``error`` (``BaseException.add_note``; ``__notes__`` on 3.10)."""
    adder = getattr(error, "add_note", None)
    if adder is not None:
        adder(note)
    else:  # Python 3.10
        notes = list(getattr(error, "__notes__", []))
        notes.append(note)
        error.__notes__ = notes  # type: ignore[attr-defined]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``" Did you mean 'x'?"`` for the closest candidate, or ``""``."""
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" Did you mean {found[0]!r}?" if found else ""
