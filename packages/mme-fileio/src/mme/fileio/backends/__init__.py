"""Storage backends: local disk, HTTP, and every fsspec filesystem."""

from mme.fileio.backends.base import BaseStorageBackend
from mme.fileio.backends.fsspec_backend import FsspecBackend
from mme.fileio.backends.http_backend import HTTPBackend
from mme.fileio.backends.local_backend import HardDiskBackend, LocalBackend
from mme.fileio.backends.registry import (
    backends,
    get_file_backend,
    prefix_to_backends,
    register_backend,
)

__all__ = [
    "BaseStorageBackend",
    "FsspecBackend",
    "HTTPBackend",
    "HardDiskBackend",
    "LocalBackend",
    "backends",
    "get_file_backend",
    "prefix_to_backends",
    "register_backend",
]
