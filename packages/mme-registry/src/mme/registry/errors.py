"""The errors a registry raises.

Lookup and registration errors are ``KeyError`` subclasses, so code written for
MMEngine (``except KeyError``) keeps working, but their ``str()`` is the plain
message rather than ``KeyError``'s quoted repr, so multi-line hints stay readable.
"""

from __future__ import annotations


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
