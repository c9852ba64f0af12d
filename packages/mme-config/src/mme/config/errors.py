"""Exceptions raised for bad config files, keys and overrides."""

from __future__ import annotations


class ConfigError(ValueError):
    """A config file or config value is invalid; the message names the file or key."""


class ConfigKeyError(KeyError):
    """A key does not exist in a config; the message suggests the closest existing keys.

    ``str(err)`` is the plain message (a bare ``KeyError`` would print it quoted).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
