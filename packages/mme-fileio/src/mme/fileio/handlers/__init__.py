"""File format handlers: JSON, YAML, pickle, and the table that maps formats to them."""

from mme.fileio.handlers.base import BaseFileHandler
from mme.fileio.handlers.json_handler import JsonHandler
from mme.fileio.handlers.pickle_handler import PickleHandler
from mme.fileio.handlers.registry import file_handlers, get_handler, register_handler
from mme.fileio.handlers.yaml_handler import YamlHandler

__all__ = [
    "BaseFileHandler",
    "JsonHandler",
    "PickleHandler",
    "YamlHandler",
    "file_handlers",
    "get_handler",
    "register_handler",
]
