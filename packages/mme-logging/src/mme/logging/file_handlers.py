"""The file handler of an MMLogger: built from ``file_handler_cfg``, one writer per file.

``file_handler_cfg={'type': 'RotatingFileHandler', 'maxBytes': ..., 'backupCount': ...}``
picks any ``logging.FileHandler`` subclass of ``logging`` or ``logging.handlers`` by name,
as MMEngine does; ``filename`` defaults to the logger's log file.

Two MMLoggers may write one file only when both append (``file_mode='a'``): a second
logger in mode ``'w'`` would erase the first's lines, and a first logger in mode ``'w'``
(which writes at its own offset) would overwrite the second's. Such a second logger is
refused with an error naming the file and the logger that writes it.
"""

from __future__ import annotations

import inspect
import logging
import logging.handlers
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mme.logging._suggest import did_you_mean

_open_files: dict[Path, dict[str, str]] = {}  # resolved path -> {MMLogger name: file mode}
_open_files_lock = threading.Lock()


def file_handler_types() -> dict[str, type[logging.FileHandler]]:
    """Name -> class of each ``FileHandler`` subclass in ``logging`` and ``logging.handlers``."""
    types: dict[str, type[logging.FileHandler]] = {}
    for module in (logging, logging.handlers):
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, logging.FileHandler):
                types[name] = obj
    return types


def build_file_handler(
    path: Path, file_mode: str, cfg: Mapping[str, Any] | None, owner: str
) -> logging.FileHandler:
    """Open the log file ``path`` for the MMLogger ``owner``.

    Args:
        path: The log file.
        file_mode: ``'w'`` or ``'a'``; used by the plain ``FileHandler`` (a ``file_handler_cfg``
            sets its own ``mode`` if it wants one, as in MMEngine).
        cfg: ``file_handler_cfg``: ``{'type': name, **constructor arguments}``, or None.
        owner: The MMLogger's instance name, for messages and the one-writer check.

    Raises:
        ValueError: ``cfg`` lacks ``type`` or names no file handler class; or ``path`` is
            already written by another MMLogger and would be truncated.
    """
    if cfg is None:
        _claim(path, owner, file_mode)
        return logging.FileHandler(path, mode=file_mode, encoding="utf-8")
    if not isinstance(cfg, Mapping):
        raise TypeError(
            f"MMLogger {owner!r}: file_handler_cfg must be a dict such as "
            f"{{'type': 'RotatingFileHandler', 'maxBytes': 1048576}}, got {type(cfg).__name__}"
        )
    arguments = dict(cfg)
    kind = arguments.pop("type", None)
    types = file_handler_types()
    if kind not in types:
        shown = "has no 'type'" if kind is None else f"type={kind!r} is not a file handler"
        raise ValueError(
            f"MMLogger {owner!r}: file_handler_cfg {shown}; use one of "
            f"{', '.join(sorted(types))}.{did_you_mean(str(kind), types)}"
        )
    arguments.setdefault("filename", path)
    arguments.setdefault("encoding", "utf-8")
    target = Path(arguments["filename"])
    _claim(target, owner, arguments.get("mode", "a"))
    try:
        return types[kind](**arguments)
    except TypeError as err:
        release(target, owner)
        raise TypeError(f"MMLogger {owner!r}: file_handler_cfg {dict(cfg)!r}: {err}") from None


def _claim(path: Path, owner: str, mode: str) -> None:
    key = path.resolve()
    with _open_files_lock:
        writers = {name: m for name, m in _open_files.get(key, {}).items() if name != owner}
        overwriting = [name for name, m in writers.items() if "a" not in m]
        if writers and "a" not in mode:
            raise ValueError(
                f"MMLogger {owner!r}: the log file {str(path)!r} is already written by MMLogger "
                f"{next(iter(writers))!r}; opening it with file_mode='w' would erase that "
                "logger's lines. Use file_mode='a', another log_file, or close the other logger "
                "first."
            )
        if overwriting:
            raise ValueError(
                f"MMLogger {owner!r}: the log file {str(path)!r} is written by MMLogger "
                f"{overwriting[0]!r} with file_mode='w', which would overwrite this logger's "
                "lines; two loggers share a file only when both use file_mode='a'. Use another "
                "log_file, or close the other logger first."
            )
        _open_files.setdefault(key, {})[owner] = mode


def release(path: Path, owner: str) -> None:
    """Forget that the MMLogger ``owner`` writes ``path`` (it closed the file)."""
    key = path.resolve()
    with _open_files_lock:
        writers = _open_files.get(key, {})
        writers.pop(owner, None)
        if not writers:
            _open_files.pop(key, None)
