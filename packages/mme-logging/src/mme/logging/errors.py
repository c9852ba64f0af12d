"""Exceptions of mme.logging."""

from __future__ import annotations


class LoggingKeyError(KeyError):
    """A lookup by name failed (a scalar key, a statistics method, a logger name).

    It is a ``KeyError`` so that ``except KeyError`` keeps working, but prints its
    message as written rather than quoted.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
