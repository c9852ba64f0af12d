"""File I/O for mme: load and dump with pluggable handlers over fsspec storage.

This package never imports torch.
"""

__version__ = "0.1.0"
