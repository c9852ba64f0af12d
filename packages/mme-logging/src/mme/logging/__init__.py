"""Logging for mme: MMLogger, MessageHub, HistoryBuffer and ManagerMixin.

Everything here works without torch; tensors are accepted when torch is already
imported by the caller. Inside this package, ``import logging`` is the standard
library's module (absolute imports).
"""

from mme.logging.console import ConsoleHandler, MMFormatter
from mme.logging.errors import LoggingError, LoggingKeyError, NotAScalarError
from mme.logging.history_buffer import HistoryBuffer
from mme.logging.logger import MMLogger, print_log
from mme.logging.manager import ManagerMeta, ManagerMixin
from mme.logging.message_hub import MessageHub
from mme.logging.rank_info import RankInfo, get_rank_info

__version__ = "0.1.0"

__all__ = [
    "ConsoleHandler",
    "HistoryBuffer",
    "LoggingError",
    "LoggingKeyError",
    "MMFormatter",
    "MMLogger",
    "ManagerMeta",
    "ManagerMixin",
    "MessageHub",
    "NotAScalarError",
    "RankInfo",
    "get_rank_info",
    "print_log",
]
