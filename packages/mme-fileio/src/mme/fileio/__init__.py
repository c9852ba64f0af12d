"""File I/O for mme: load and dump with pluggable handlers over fsspec storage.

``load``/``dump`` read and write JSON, YAML, pickle (and any format registered
with ``register_handler``) on the local disk, in memory, on S3, over HTTP, inside
zip and tar archives: anything fsspec reaches. Local writes are atomic. This
package never imports torch.
"""

from mme.fileio.atomic import atomic_open, atomic_write, wait_for_background_syncs
from mme.fileio.backends import (
    BaseStorageBackend,
    FsspecBackend,
    HardDiskBackend,
    HTTPBackend,
    LocalBackend,
    get_file_backend,
    register_backend,
)
from mme.fileio.errors import (
    BackendExistsError,
    FileIOError,
    FileParseError,
    MissingExtraError,
    UnsupportedFormatError,
)
from mme.fileio.handlers import (
    BaseFileHandler,
    JsonHandler,
    PickleHandler,
    YamlHandler,
    file_handlers,
    register_handler,
)
from mme.fileio.load_dump import dump, load
from mme.fileio.storage import (
    copy_if_symlink_fails,
    copyfile,
    copyfile_from_local,
    copyfile_to_local,
    copytree,
    copytree_from_local,
    copytree_to_local,
    exists,
    generate_presigned_url,
    get,
    get_local_path,
    get_text,
    isdir,
    isfile,
    join_path,
    list_dir_or_file,
    put,
    put_text,
    remove,
    rmtree,
)
from mme.fileio.text_files import dict_from_file, list_from_file

__all__ = [
    "BackendExistsError",
    "BaseFileHandler",
    "BaseStorageBackend",
    "FileIOError",
    "FileParseError",
    "FsspecBackend",
    "HTTPBackend",
    "HardDiskBackend",
    "JsonHandler",
    "LocalBackend",
    "MissingExtraError",
    "PickleHandler",
    "UnsupportedFormatError",
    "YamlHandler",
    "atomic_open",
    "atomic_write",
    "copy_if_symlink_fails",
    "copyfile",
    "copyfile_from_local",
    "copyfile_to_local",
    "copytree",
    "copytree_from_local",
    "copytree_to_local",
    "dict_from_file",
    "dump",
    "exists",
    "file_handlers",
    "generate_presigned_url",
    "get",
    "get_file_backend",
    "get_local_path",
    "get_text",
    "isdir",
    "isfile",
    "join_path",
    "list_dir_or_file",
    "list_from_file",
    "load",
    "put",
    "put_text",
    "register_backend",
    "register_handler",
    "remove",
    "rmtree",
    "wait_for_background_syncs",
]
__version__ = "0.1.0"
