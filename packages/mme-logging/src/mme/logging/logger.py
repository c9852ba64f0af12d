"""MMLogger and print_log (LOG-01..LOG-06).

``MMLogger`` is a standard `logging.Logger` with named global instances
(`ManagerMixin`). It is the configured logger at the top of the ``mme``
logger hierarchy: the packages below it log through
``logging.getLogger("mme.<package>")`` without importing this module, and a
handler on the ``mme`` logger hands their records to the handlers of the
current MMLogger (console and file). Records still propagate to the root
logger, so the standard tools (pytest's ``caplog``, a ``basicConfig`` set up
by the application) see them as well.

Log files (LOG-03, LOG-04): ``log_file='work_dir/run.log'`` writes
``work_dir/run/run.log`` (a folder of the same stem is added unless the file
is already in one). Only rank 0 writes it, unless ``distributed=True`` or
``log_level='DEBUG'``: then, in a run of more than one process, every rank
writes ``work_dir/run/run_<hostname>_device<local_rank>_rank<rank>.log``.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any, ClassVar

from mme.logging._suggest import did_you_mean, known
from mme.logging.console import (
    FILE_DATE_FORMAT,
    ConsoleHandler,
    DuplicateWarningFilter,
    MMFormatter,
)
from mme.logging.file_handlers import build_file_handler, release
from mme.logging.manager import ManagerMixin
from mme.logging.rank_info import RankInfo, get_rank_info

#: Name of the logger ``get_current_instance`` builds when none exists yet, and the
#: top of the hierarchy that other mme packages log under.
ROOT_NAME = "mme"
_LEVEL_NAMES = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET")
_FILE_MODES = ("w", "a")


def parse_level(level: int | str, where: str = "log_level") -> int:
    """Return the numeric logging level of ``level`` (``'INFO'``, ``'debug'``, 20, ...).

    Raises:
        ValueError: ``level`` is not a known level name.
        TypeError: ``level`` is neither a str nor an int.
    """
    if isinstance(level, bool) or not isinstance(level, int | str):
        raise TypeError(f"{where} must be a level name or int, got {type(level).__name__}")
    if isinstance(level, int):
        return level
    value = logging.getLevelName(level.upper())
    if not isinstance(value, int):
        raise ValueError(
            f"{where}={level!r} is not a logging level (expected one of "
            f"{', '.join(_LEVEL_NAMES)}).{did_you_mean(level.upper(), _LEVEL_NAMES)}"
        )
    return value


def log_file_path(log_file: str | Path, rank_info: RankInfo, per_rank: bool) -> Path | None:
    """Where this process writes its log file, or None if it writes none.

    Args:
        log_file: The file asked for, e.g. ``'work_dir/run.log'``.
        rank_info: This process's rank.
        per_rank: Whether every rank writes a file (``distributed=True`` or DEBUG).

    Returns:
        ``<dir>/<stem>/<name>`` (the folder is not repeated when ``log_file`` is
        already in a folder called ``<stem>``); in a multi-process run with
        ``per_rank``, the name is ``<stem>_<hostname>_device<local_rank>_rank<rank><suffix>``;
        None for ranks other than 0 when not ``per_rank``.
    """
    path = Path(log_file)
    if path.name in ("", ".", ".."):
        raise ValueError(f"log_file={str(log_file)!r} does not name a file")
    stem = path.stem
    folder = path.parent if path.parent.name == stem else path.parent / stem
    if per_rank and rank_info.world_size > 1:
        host = socket.gethostname().replace("/", "_").replace("\\", "_") or "localhost"
        name = f"{stem}_{host}_device{rank_info.local_rank}_rank{rank_info.rank}{path.suffix}"
        return folder / name
    if rank_info.rank != 0:
        return None
    return folder / path.name


class _ForwardToCurrentLogger(logging.Handler):
    """Handler on the ``mme`` logger that passes records to the current MMLogger's handlers."""

    def emit(self, record: logging.LogRecord) -> None:
        logger = MMLogger._forward_target
        if logger is None or record.levelno < logger.getEffectiveLevel():
            return
        for handler in logger.handlers:
            if record.levelno >= handler.level:
                handler.handle(record)


def _forwarding_handler() -> None:
    """Install the forwarding handler on the ``mme`` logger once."""
    top = logging.getLogger(ROOT_NAME)
    if not any(isinstance(h, _ForwardToCurrentLogger) for h in top.handlers):
        top.addHandler(_ForwardToCurrentLogger())


class MMLogger(logging.Logger, ManagerMixin):
    """The run's logger: console output, optional log files, named global instances.

    Build it with ``MMLogger.get_instance(name, ...)``; the latest one built is
    ``MMLogger.get_current_instance()`` and receives the records of every
    ``logging.getLogger("mme.<package>")`` logger.

    Args:
        name: The instance name (see `ManagerMixin`).
        logger_name: The name shown in each line; defaults to ``name``.
        log_file: Also write the log to this file (see the module docs for where).
        log_level: ``'DEBUG'``, ``'INFO'`` (default), ``'WARNING'``, ... or an int.
        file_mode: ``'w'`` to overwrite the file (default) or ``'a'`` to append.
        distributed: Every rank writes its own file, not only rank 0.
        console_all_ranks: Every rank writes to the console at ``log_level``;
            by default ranks other than 0 only show ERROR and above.
        file_handler_cfg: How to open the log file: ``{'type': 'RotatingFileHandler',
            'maxBytes': ..., 'backupCount': ...}`` names any file handler class of
            ``logging`` or ``logging.handlers``; the other keys go to its constructor and
            ``filename`` defaults to the log file. None: a plain ``FileHandler`` with ``file_mode``.

    Each handler lets a given WARNING message through once (repeats are dropped, as in
    MMEngine). Console lines carry ``%m/%d`` dates, file lines ``%Y/%m/%d``.

    Examples:
        >>> logger = MMLogger.get_instance('doc-logger', log_level='INFO')
        >>> logger.info('this is a test')  # doctest: +SKIP
        04/15 14:01:11 - doc-logger - INFO - this is a test
    """

    #: The latest MMLogger built (of any subclass): it receives the ``mme.*`` records.
    _forward_target: ClassVar[MMLogger | None] = None

    def __init__(
        self,
        name: str,
        logger_name: str | None = None,
        log_file: str | Path | None = None,
        log_level: int | str = "INFO",
        file_mode: str = "w",
        distributed: bool = False,
        console_all_ranks: bool = False,
        file_handler_cfg: dict[str, Any] | None = None,
    ) -> None:
        ManagerMixin.__init__(self, name)
        level = parse_level(log_level)
        if file_mode not in _FILE_MODES:
            raise ValueError(
                f"MMLogger {name!r}: file_mode={file_mode!r} is not supported; use 'w' "
                "(overwrite) or 'a' (append)"
            )
        shown_name = name if logger_name is None else logger_name
        logging.Logger.__init__(self, shown_name, level)
        # Above the hierarchy's top: records also reach the root logger's handlers.
        self.parent = logging.getLogger()
        self.rank_info = get_rank_info()
        formatter = MMFormatter(shown_name)

        console = ConsoleHandler()
        if self.rank_info.rank != 0 and not console_all_ranks:
            console.setLevel(logging.ERROR)
        console.setFormatter(formatter)
        console.addFilter(DuplicateWarningFilter())
        self.addHandler(console)

        self.log_file: Path | None = None
        if log_file is not None:
            per_rank = distributed or level <= logging.DEBUG
            path = log_file_path(log_file, self.rank_info, per_rank)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                file_handler = build_file_handler(path, file_mode, file_handler_cfg, name)
                file_handler.setFormatter(MMFormatter(shown_name, FILE_DATE_FORMAT))
                file_handler.addFilter(DuplicateWarningFilter())
                self.addHandler(file_handler)
                self.log_file = Path((file_handler_cfg or {}).get("filename", path))
        _forwarding_handler()
        MMLogger._forward_target = self
        logging.getLogger(ROOT_NAME).setLevel(level)

    @classmethod
    def get_current_instance(cls) -> MMLogger:
        """The most recently built logger; builds one named ``'mme'`` if there is none."""
        with cls._instances_lock:
            if not cls._instances:
                return cls.get_instance(ROOT_NAME)
            return super().get_current_instance()

    def setLevel(self, level: int | str) -> None:
        """Set the level; for the current logger also the level of the ``mme`` hierarchy.

        It takes effect at once, even after the logger has logged: MMLoggers are not in
        the logging module's registry, whose ``setLevel`` only clears the level caches
        of the loggers it knows, so the caches of every MMLogger are cleared here.
        """
        number = parse_level(level)
        super().setLevel(number)
        if MMLogger._forward_target is self:
            logging.getLogger(ROOT_NAME).setLevel(number)
        with MMLogger._instances_lock:
            loggers = list(MMLogger._instances.values())
        for logger in {id(self): self, **{id(each): each for each in loggers}}.values():
            logger._cache.clear()

    def close(self) -> None:
        """Close and remove this logger's file handlers (the console stays)."""
        for handler in list(self.handlers):
            if isinstance(handler, logging.FileHandler):
                handler.close()
                self.removeHandler(handler)
                release(Path(handler.baseFilename), self.instance_name)


def print_log(
    msg: Any,
    logger: logging.Logger | str | None = None,
    level: int | str = logging.INFO,
) -> None:
    """Print ``msg``, or log it through a logger.

    Args:
        msg: The message.
        logger: None prints to stdout; ``'current'`` logs through
            ``MMLogger.get_current_instance()``; ``'silent'`` drops the message; another
            str names a built MMLogger; a `logging.Logger` is used as is.
        level: The level for loggers (name or int); default INFO.

    Raises:
        ValueError: ``logger`` names no built MMLogger.
        TypeError: ``logger`` is of another type.
    """
    number = parse_level(level, "print_log: level")
    if logger is None:
        print(msg)
    elif isinstance(logger, logging.Logger):
        logger.log(number, msg, stacklevel=2)
    elif logger == "silent":
        return
    elif logger == "current":
        MMLogger.get_current_instance().log(number, msg, stacklevel=2)
    elif isinstance(logger, str):
        if not MMLogger.check_instance_created(logger):
            raise ValueError(
                f"print_log: no MMLogger named {logger!r} has been built (built: "
                f"{known(MMLogger.instance_names())}).{MMLogger._missing_instance_hint(logger)} "
                "Pass 'current', None, 'silent', a Logger, or build it with "
                "MMLogger.get_instance(name)"
            )
        MMLogger.get_instance(logger).log(number, msg, stacklevel=2)
    else:
        raise TypeError(
            "print_log: logger must be None, 'current', 'silent', an MMLogger name or a "
            f"logging.Logger, got {type(logger).__name__}"
        )
