"""Exceptions of mme.logging."""

from __future__ import annotations


class LoggingError(Exception):
    """Base class of the errors mme.logging defines.

    Each one is also the built-in type MMEngine raised in its place, so ``except``
    clauses written for MMEngine keep working.
    """


class NotAScalarError(LoggingError, TypeError, ValueError):
    """A value logged as a scalar holds several numbers (a tensor or array of many elements).

    A ``TypeError`` as in MMEngine, and a ``ValueError`` as in earlier mme releases.
    """


class LoggingKeyError(LoggingError, KeyError):
    """A lookup by name failed (a scalar key, a statistics method, a logger name).

    It is a ``KeyError`` so that ``except KeyError`` keeps working, but prints its
    message as written rather than quoted.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
