"""Line format and console output of MMLogger (LOG-01, LOG-02).

Lines read ``04/15 14:01:11 - mme - INFO - message``; ERROR and CRITICAL lines
add where they were logged: ``... - ERROR - /path/a.py - <module> - 4 - message``.
On a terminal the console handler draws the line with rich (level in colour,
errors in red); on anything else (a pipe, a file, CI logs) it writes plain text.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

#: ``time.strftime`` format of the console timestamp.
DATE_FORMAT = "%m/%d %H:%M:%S"
#: ``time.strftime`` format of the timestamp in log files, which outlive the year they start in.
FILE_DATE_FORMAT = "%Y/%m/%d %H:%M:%S"

_LEVEL_STYLES = {
    logging.DEBUG: "dim",
    logging.INFO: "green",
    logging.WARNING: "yellow",
    logging.ERROR: "bold red",
    logging.CRITICAL: "bold white on red",
}


class MMFormatter(logging.Formatter):
    """Formats records as ``time - logger name - LEVEL - [location - ]message``.

    Args:
        logger_name: The name shown in every line. Records that other ``mme.*``
            loggers send to MMLogger's handlers are shown under this name too.
        datefmt: ``time.strftime`` format of the timestamp; log files use
            `FILE_DATE_FORMAT` (with the year), as MMEngine's do.
    """

    def __init__(self, logger_name: str, datefmt: str = DATE_FORMAT) -> None:
        super().__init__(datefmt=datefmt)
        self.logger_name = logger_name

    def prefix(self, record: logging.LogRecord) -> str:
        """The part of the line before the message, ending in ``' - '``."""
        parts = [self.formatTime(record, self.datefmt), self.logger_name, record.levelname]
        if record.levelno >= logging.ERROR:
            parts += [record.pathname, record.funcName, str(record.lineno)]
        return " - ".join(parts) + " - "

    def format(self, record: logging.LogRecord) -> str:
        """The full line, followed by the traceback or stack when the record has one."""
        record.message = record.getMessage()
        line = self.prefix(record) + record.message
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


class DuplicateWarningFilter(logging.Filter):
    """Lets each distinct WARNING message through once per handler, as MMEngine's logger does.

    A warning raised in every iteration (a deprecated argument, a missing key) would
    otherwise fill the log; other levels are never filtered.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a WARNING whose message this handler has already let through."""
        if record.levelno != logging.WARNING:
            return True
        message = record.getMessage()
        if message in self.seen:
            return False
        self.seen.add(message)
        return True


class ConsoleHandler(logging.Handler):
    """Writes formatted records to a stream; in colour through rich on a terminal.

    Args:
        stream: Where to write; ``None`` means whatever ``sys.stdout`` is at the
            time of each record (so redirections made later are honoured).
        level: The handler's level.
    """

    def __init__(self, stream: IO[str] | None = None, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self._stream = stream
        self._console: Any = None
        self._console_for: IO[str] | None = None

    @property
    def stream(self) -> IO[str]:
        """The stream records go to now."""
        return self._stream if self._stream is not None else sys.stdout

    def _rich_console(self, stream: IO[str]) -> Any:
        """A rich Console for ``stream`` if it is a colour terminal, else None."""
        if stream is not self._console_for:
            self._console_for = stream
            self._console = None
            isatty = getattr(stream, "isatty", None)
            if callable(isatty) and isatty():
                from rich.console import Console  # deferred: plain output needs no rich

                console = Console(file=stream, soft_wrap=True, highlight=False)
                if console.is_terminal and console.color_system is not None:
                    self._console = console
        return self._console

    def emit(self, record: logging.LogRecord) -> None:
        """Write one record."""
        try:
            line = self.format(record)
            stream = self.stream
            console = self._rich_console(stream)
            if console is None:
                stream.write(line + "\n")
                stream.flush()
            else:
                console.print(_styled(line, record), markup=False, emoji=False)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


def _styled(line: str, record: logging.LogRecord) -> Any:
    """The line as rich Text: level name in its colour, ERROR and above all red."""
    from rich.text import Text

    text = Text(line)
    style = _LEVEL_STYLES.get(record.levelno, "")
    if record.levelno >= logging.ERROR or record.levelno <= logging.DEBUG:
        text.stylize(style)
    else:
        marker = f" - {record.levelname} - "
        at = line.find(marker)
        if at >= 0 and style:
            text.stylize(style, at + 3, at + 3 + len(record.levelname))
    return text
