"""Distributed helpers that give the one-process answer when no process group is up.
"""

__version__ = "0.1.0"
