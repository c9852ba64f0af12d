"""The errors a registry raises, and helpers that make them useful.

Lookup and registration errors are ``KeyError`` subclasses, so code written for
MMEngine (``except KeyError``) keeps working, but their ``str()`` is the plain
message rather than ``KeyError``'s quoted repr, so multi-line hints stay readable.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class RegistryError(KeyError):
    """Base class of the registry's ``KeyError`` subclasses.

    ``str(error)`` is the message itself, not its repr.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NotRegisteredError(RegistryError):
    """A name (or a ``scope.Name``) was looked up and is not in the registry tree."""


class AlreadyRegisteredError(RegistryError):
    """A name is registered already and ``force=True`` was not given."""


class UnknownScopeError(RegistryError):
    """A ``scope.Name`` key names a scope that no registry in the tree has."""


def add_note(error: BaseException, note: str) -> None:
    """Attach ``note`` to ``error`` (PEP 678), also on Python 3.10.

    On 3.11+ this is ``BaseException.add_note``; on 3.10 the note is stored in
    ``__notes__`` the same way, so tools that read notes find it.
    """
    adder = getattr(error, "add_note", None)
    if adder is not None:
        adder(note)
    else:  # Python 3.10
        notes = list(getattr(error, "__notes__", []))
        notes.append(note)
        error.__notes__ = notes  # type: ignore[attr-defined]


def close_matches(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates closest to ``word``, best first; case differences count little.

    ``'sgd'`` finds ``'SGD'`` and ``'momentun'`` finds ``'momentum'``.
    """
    unique = list(dict.fromkeys(candidates))
    by_lower: dict[str, list[str]] = {}
    for name in unique:
        by_lower.setdefault(name.lower(), []).append(name)
    found: list[str] = []
    for lowered in difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=0.6):
        found.extend(by_lower[lowered])
    return found[:n]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``" Did you mean 'x'?"`` (or ``'x' or 'y'``), or ``""`` when nothing is close."""
    matches = close_matches(word, candidates)
    if not matches:
        return ""
    quoted = [repr(m) for m in matches]
    if len(quoted) == 1:
        return f" Did you mean {quoted[0]}?"
    return f" Did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"
