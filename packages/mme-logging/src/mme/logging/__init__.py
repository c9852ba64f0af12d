"""Logging for mme: MMLogger, MessageHub, HistoryBuffer and ManagerMixin.

Everything here works without torch; tensors are accepted when torch is already
imported by the caller.
"""

__version__ = "0.1.0"
