"""``Config``: a config tree read from a file or built from a dict."""

from __future__ import annotations

from typing import Any

from mme.config.config_dict import ConfigDict


class Config:
    """A config: a ``ConfigDict`` tree plus the file it came from.

    Args:
        cfg_dict: The content; a plain dict is converted to ``ConfigDict``.
        filename: The file the content was read from, if any.
    """

    def __init__(self, cfg_dict: dict[str, Any] | None = None, filename: str | None = None):
        if cfg_dict is None:
            cfg_dict = {}
        if not isinstance(cfg_dict, dict):
            raise TypeError(f"Config needs a dict, got {type(cfg_dict).__name__}")
        object.__setattr__(self, "_cfg_dict", ConfigDict(cfg_dict))
        object.__setattr__(self, "_filename", filename)

    @property
    def filename(self) -> str | None:
        """The path of the file this config was read from."""
        return self._filename

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the content as plain dicts and lists."""
        return self._cfg_dict.to_dict()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cfg_dict, name)

    def __getitem__(self, name: str) -> Any:
        return self._cfg_dict[name]

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._cfg_dict, name, value)

    def __setitem__(self, name: str, value: Any) -> None:
        self._cfg_dict[name] = value

    def __contains__(self, name: object) -> bool:
        return name in self._cfg_dict

    def __len__(self) -> int:
        return len(self._cfg_dict)

    def __repr__(self) -> str:
        return f"Config (path: {self._filename}): {self._cfg_dict!r}"
