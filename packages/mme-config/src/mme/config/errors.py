"""Exceptions raised for bad config files, keys and overrides.

Every error is a `ConfigError`. Where MMEngine raised a built-in type for the same
mistake, ours derives from that type too, so `except KeyError` (or `OSError`,
`ImportError`, `TypeError`) written for MMEngine still catches it.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A config file or config value is invalid; the message names the file or key."""


class ConfigKeyError(ConfigError, KeyError):
    """A key does not exist, is reserved, or a list index is out of range.

    `str(err)` is the plain message (a bare `KeyError` would print it quoted).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigTypeError(ConfigError, TypeError):
    """An override indexes a value that cannot be indexed that way (a list by a name)."""


class ConfigFileTypeError(ConfigError, OSError):
    """The file is not a config MMEngine could read: an unsupported extension, a folder."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class CustomImportError(ConfigError, ImportError):
    """A module listed in `custom_imports` could not be imported."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
