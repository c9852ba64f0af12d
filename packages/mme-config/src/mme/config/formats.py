"""The config file formats, by extension."""

from __future__ import annotations

import os.path as osp

from mme.config.errors import ConfigFileTypeError

#: Extension -> format.
FORMATS = {".py": "python", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}


def file_format(path: str) -> str:
    """`"python"`, `"json"` or `"yaml"` from the file extension.

    Raises:
        ConfigFileTypeError: (an `OSError`) the extension is not .py, .json, .yaml, .yml.
    """
    ext = osp.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise ConfigFileTypeError(
            f"{path}: unsupported config file type {ext or '(no extension)'!r}; "
            f"use one of {', '.join(FORMATS)}"
        )
    return FORMATS[ext]
