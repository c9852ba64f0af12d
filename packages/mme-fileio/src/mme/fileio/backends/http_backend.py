"""``HTTPBackend``: read files from ``http://`` and ``https://`` URLs (fsspec + aiohttp)."""

from __future__ import annotations

from mme.fileio.backends.base import PathLike
from mme.fileio.backends.fsspec_backend import FsspecBackend


class HTTPBackend(FsspecBackend):
    """Web servers, read-only: ``get``, ``get_text``, ``exists``, ``get_local_path``...

    Needs the ``http`` extra (``pip install "mme-fileio[http]"``, which installs
    aiohttp). Writing or removing raises ``io.UnsupportedOperation``.

    Args:
        **storage_options: Passed to fsspec's HTTP filesystem (``headers``,
            ``client_kwargs``...).
    """

    def put(self, obj: bytes, filepath: PathLike) -> None:
        """Refused: HTTP storage is read-only."""
        raise self._unsupported("write to (HTTP is read-only)", filepath)

    def remove(self, filepath: PathLike) -> None:
        """Refused: HTTP storage is read-only."""
        raise self._unsupported("remove (HTTP is read-only)", filepath)

    def rmtree(self, dir_path: PathLike) -> None:
        """Refused: HTTP storage is read-only."""
        raise self._unsupported("remove (HTTP is read-only)", dir_path)

    def copyfile_from_local(self, src: PathLike, dst: PathLike) -> str:
        """Refused: HTTP storage is read-only."""
        raise self._unsupported("upload to (HTTP is read-only)", dst)

    def copytree_from_local(self, src: PathLike, dst: PathLike) -> str:
        """Refused: HTTP storage is read-only."""
        raise self._unsupported("upload to (HTTP is read-only)", dst)

    def copytree(self, src: PathLike, dst: PathLike) -> str:
        """Refused: HTTP storage is read-only."""
        raise self._unsupported("write to (HTTP is read-only)", dst)
