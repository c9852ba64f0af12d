"""PEP 678 notes on exceptions, also on Python 3.10."""

from __future__ import annotations


def add_note(error: BaseException, note: str) -> None:
    """Attach ``note`` to ``error`` (``BaseException.add_note``; ``__notes__`` on 3.10)."""
    adder = getattr(error, "add_note", None)
    if adder is not None:
        adder(note)
    else:  # Python 3.10
        notes = list(getattr(error, "__notes__", []))
        notes.append(note)
        error.__notes__ = notes  # type: ignore[attr-defined]
