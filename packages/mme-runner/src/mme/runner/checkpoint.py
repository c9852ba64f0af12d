"""Checkpoint I/O: save, load, find the latest, over any mme.fileio URI (RUN-22, RUN-23).

A checkpoint is a dict of tensors and plain Python values (``meta``, ``state_dict``,
``optimizer``, ``param_schedulers``, ``message_hub``), so it loads with
``torch.load(weights_only=True)``: loading never runs code from the file. That is the default
here; ``weights_only=False`` opts out for files you trust that hold other objects (checkpoints
written by MMEngine, for instance).

Local files are written to a temporary file and renamed into place: a crash mid-write leaves
the previous checkpoint intact.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import re
import zipfile
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import nn

_logger = logging.getLogger("mme.runner")

#: The default ``revise_keys``: strip the ``module.`` prefix of DDP-wrapped weights.
DEFAULT_REVISE_KEYS: tuple[tuple[str, str], ...] = ((r"^module\.", ""),)
_PLAIN = (str, int, float, bool, bytes, type(None), torch.dtype, torch.device, torch.Size)


class CheckpointError(RuntimeError):
    """A checkpoint cannot be written or read; the message says which file and why."""


class CorruptCheckpointError(CheckpointError):
    """A checkpoint file is truncated or damaged (not a readable torch file)."""


class UnsafeCheckpointError(CheckpointError):
    """A checkpoint holds objects that ``torch.load(weights_only=True)`` refuses."""


# ----------------------------------------------------------------------------- state
def is_model_wrapper(module: nn.Module) -> bool:
    """Whether ``module`` wraps another in ``.module``: torch's DataParallel and
    DistributedDataParallel, or anything registered in ``MODEL_WRAPPERS``."""
    from torch.nn.parallel import DataParallel, DistributedDataParallel

    if isinstance(module, DataParallel | DistributedDataParallel):
        return True
    try:
        from mme.runner.model import is_model_wrapper as registered
    except ImportError:  # the model package is not installed
        return False
    return bool(registered(module))


def unwrap(module: nn.Module) -> nn.Module:
    """``module`` without its model wrappers."""
    while is_model_wrapper(module):
        module = module.module  # type: ignore[assignment]
    return module


def weights_to_cpu(state_dict: Mapping[str, Any]) -> OrderedDict[str, Any]:
    """A copy of ``state_dict`` with every tensor on the CPU (nested dicts included)."""
    out: OrderedDict[str, Any] = OrderedDict()
    for key, value in state_dict.items():
        if isinstance(value, torch.Tensor):
            out[key] = value.detach().cpu()
        elif isinstance(value, Mapping):
            out[key] = weights_to_cpu(value)
        else:
            out[key] = value
    return out


def get_state_dict(
    module: nn.Module,
    destination: OrderedDict | None = None,
    prefix: str = "",
    keep_vars: bool = False,
) -> OrderedDict[str, Any]:
    """The state dict of ``module`` with every model wrapper removed, at any depth.

    Keys read as if no wrapper had been applied (``backbone.conv.weight``, never
    ``module.backbone.conv.weight``).
    """
    module = unwrap(module)
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()  # type: ignore[attr-defined]
    metadata = getattr(destination, "_metadata", None)
    if metadata is not None:
        metadata[prefix[:-1]] = dict(version=module._version)
    module._save_to_state_dict(destination, prefix, keep_vars)
    for name, child in module._modules.items():
        if child is not None:
            get_state_dict(child, destination, prefix + name + ".", keep_vars=keep_vars)
    for hook in module._state_dict_hooks.values():
        result = hook(module, destination, prefix, {})
        if result is not None:
            destination = result
    return destination


def check_plain(obj: Any, where: str = "checkpoint") -> None:
    """Raise `CheckpointError` naming the first value ``torch.load(weights_only=True)``
    could not read back (anything but tensors, containers and plain Python values)."""
    found = _first_not_plain(obj)
    if found is None:
        return
    steps, bad = found
    for step in reversed(steps):  # the path is spelled out only for the error
        where = f"{where} key {step[1]!r}" if step[0] == "key" else f"{where}[{step[1]!r}]"
    if isinstance(bad, Mapping):
        raise CheckpointError(
            f"{where} is a {type(bad).__name__}; checkpoints hold plain dicts only "
            "(convert it with dict(...))"
        )
    raise CheckpointError(
        f"{where} is a {type(bad).__module__}.{type(bad).__qualname__}, which "
        "torch.load(weights_only=True) cannot read back; store plain values (numbers, strings, "
        "lists, dicts, tensors) in checkpoints"
    )


_LEAVES = (torch.Tensor, *_PLAIN)


def _first_not_plain(obj: Any) -> tuple[list[tuple[str, Any]], Any] | None:
    """``(steps from obj down to the value, the value)`` of the first value that is not
    plain, or None. The steps are listed innermost first (built only on the way back)."""
    if isinstance(obj, _LEAVES):
        return None
    kind = type(obj)
    if kind is dict or kind is OrderedDict:
        for key, value in obj.items():
            found = _first_not_plain(key)
            if found is not None:
                found[0].append(("key", key))
                return found
            found = _first_not_plain(value)
            if found is not None:
                found[0].append(("item", key))
                return found
        return None
    if kind is list or kind is tuple or kind is set:
        for index, value in enumerate(obj):
            found = _first_not_plain(value)
            if found is not None:
                found[0].append(("item", index))
                return found
        return None
    return [], obj


# ------------------------------------------------------------------------------ save
def save_checkpoint(
    checkpoint: Mapping[str, Any],
    filename: str | os.PathLike[str],
    backend_args: dict[str, Any] | None = None,
    check: bool = True,
) -> None:
    """Write ``checkpoint`` to ``filename`` (a path or any mme.fileio URI).

    Args:
        checkpoint: The checkpoint dict (tensors and plain Python values).
        filename: Where to write; local files are written atomically (renamed into place
            complete; fsynced in a background thread, see ``mme.fileio.atomic_open``).
        backend_args: Arguments of the storage backend (mme.fileio).
        check: Verify first that the checkpoint loads with ``weights_only=True``.

    Raises:
        CheckpointError: the checkpoint holds a value that safe loading cannot read; the
            message names the key.
    """
    from mme.fileio import LocalBackend, atomic_open, get_file_backend

    if check:
        check_plain(dict(checkpoint))
    backend = get_file_backend(filename, backend_args=backend_args)
    if isinstance(backend, LocalBackend):
        # A temporary file in the target folder renamed into place: a reader (or a resume
        # after a kill) sees the old file or the new one, never half of one. The fsync runs
        # in the background, so training does not wait for the disk; a machine crash in that
        # moment can leave the newest file incomplete, which resume=True then skips.
        path = str(filename).removeprefix("file://")
        with atomic_open(path, "wb", sync="background") as file:
            torch.save(dict(checkpoint), file)
        return
    buffer = io.BytesIO()
    torch.save(dict(checkpoint), buffer)
    backend.put(buffer.getvalue(), filename)


# ------------------------------------------------------------------------------ load
def _load_checkpoint(
    filename: str | os.PathLike[str],
    map_location: str | torch.device | None = "cpu",
    weights_only: bool = True,
    backend_args: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Read the checkpoint dict of ``filename`` (a path or URI) without applying it."""
    from mme.fileio import LocalBackend, get_file_backend

    name = str(filename)
    backend = get_file_backend(name, backend_args=backend_args)
    try:
        if isinstance(backend, LocalBackend):
            path = name.removeprefix("file://")
            if not os.path.isfile(path):
                raise FileNotFoundError(f"checkpoint {path!r} does not exist")
            source: Any = path
        else:
            source = io.BytesIO(backend.get(name))
        loaded = torch.load(source, map_location=map_location, weights_only=weights_only)
    except pickle.UnpicklingError as error:
        if "weights_only" not in str(error) and "Weights only" not in str(error):
            raise CorruptCheckpointError(f"checkpoint {name!r} is corrupt: {error}") from error
        raise UnsafeCheckpointError(
            f"checkpoint {name!r} holds objects that safe loading (weights_only=True) refuses: "
            f"{str(error).splitlines()[0]}. If you trust this file (e.g. it was written by "
            "MMEngine), load it with weights_only=False"
        ) from error
    except (FileNotFoundError, PermissionError):
        raise
    except (RuntimeError, EOFError, ValueError, OSError, zipfile.BadZipFile) as error:
        raise CorruptCheckpointError(
            f"checkpoint {name!r} is corrupt or truncated (torch.load: "
            f"{str(error).splitlines()[0] if str(error) else type(error).__name__}); it was "
            "probably written by a process that was killed, or copied incompletely"
        ) from error
    if not isinstance(loaded, dict):
        raise CheckpointError(f"checkpoint {name!r} holds a {type(loaded).__name__}, not a dict")
    return loaded


def _revise(state_dict: Mapping[str, Any], revise_keys: Iterable[tuple[str, str]]) -> OrderedDict:
    out: OrderedDict[str, Any] = OrderedDict(state_dict)
    metadata = getattr(state_dict, "_metadata", None)
    for pattern, replacement in revise_keys:
        compiled = re.compile(pattern)
        out = OrderedDict((compiled.sub(replacement, key), value) for key, value in out.items())
    if metadata is not None:
        out._metadata = metadata  # type: ignore[attr-defined]
    return out


def load_state_dict(
    module: nn.Module,
    state_dict: Mapping[str, Any],
    strict: bool = False,
    logger: logging.Logger | None = None,
) -> None:
    """Copy ``state_dict`` into ``module`` (its wrappers removed).

    Missing keys, unexpected keys and tensors of another shape are reported (a warning,
    or `CheckpointError` with ``strict=True``); tensors of another shape are skipped.
    """
    log = logger or _logger
    target = unwrap(module)
    own = target.state_dict()
    filtered: OrderedDict[str, Any] = OrderedDict()
    mismatched = []
    for key, value in state_dict.items():
        if key in own and isinstance(value, torch.Tensor) and own[key].shape != value.shape:
            mismatched.append(
                f"{key}: checkpoint {tuple(value.shape)}, model {tuple(own[key].shape)}"
            )
            continue
        filtered[key] = value
    result = target.load_state_dict(filtered, strict=False)
    problems = []
    if result.unexpected_keys:
        problems.append(f"unexpected key in source state_dict: {_few(result.unexpected_keys)}")
    missing = [k for k in result.missing_keys if not any(k in m for m in mismatched)]
    if missing:
        problems.append(f"missing keys in source state_dict: {_few(missing)}")
    if mismatched:
        problems.append("size mismatch (not loaded): " + _few(mismatched, "; "))
    if problems:
        message = "The model and loaded state dict do not match exactly\n" + "\n".join(problems)
        if strict:
            raise CheckpointError(message)
        log.warning(message)


def _few(items: list[str], separator: str = ", ", limit: int = 10) -> str:
    """The first ``limit`` items joined, and how many more there are."""
    shown = separator.join(items[:limit])
    return shown if len(items) <= limit else f"{shown}{separator}... and {len(items) - limit} more"


def load_checkpoint(
    model: nn.Module,
    filename: str | os.PathLike[str],
    map_location: str | torch.device | None = "cpu",
    strict: bool = False,
    logger: logging.Logger | None = None,
    revise_keys: Iterable[tuple[str, str]] = DEFAULT_REVISE_KEYS,
    prefix: str | None = None,
    weights_only: bool = True,
    backend_args: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Load the weights of ``filename`` into ``model`` and return the checkpoint dict.

    Args:
        model: The model (wrappers are removed).
        filename: A path or any mme.fileio URI (``s3://``, ``http://``, ``memory://``...).
        map_location: Where tensors are loaded (default ``'cpu'``).
        strict: Raise when keys or shapes differ instead of warning.
        logger: Where mismatches are reported (default the ``mme.runner`` logger).
        revise_keys: ``(pattern, replacement)`` regex substitutions applied to every key;
            the default strips a leading ``module.``.
        prefix: Load only the keys under ``prefix`` (``'backbone.'``), with it removed.
        weights_only: Safe loading (default). ``False`` lets pickle run code from the file:
            only for files you trust.
        backend_args: Arguments of the storage backend.
    """
    checkpoint = _load_checkpoint(filename, map_location, weights_only, backend_args)
    state_dict = checkpoint.get("state_dict", checkpoint)
    if not isinstance(state_dict, Mapping):
        raise CheckpointError(f"checkpoint {str(filename)!r}: 'state_dict' is not a dict")
    state_dict = _revise(state_dict, revise_keys)
    if prefix:
        state_dict = _with_prefix(state_dict, prefix, filename)
    load_state_dict(model, state_dict, strict, logger)
    return checkpoint


def _with_prefix(state_dict: Mapping[str, Any], prefix: str, filename: Any) -> OrderedDict:
    if not prefix.endswith("."):
        prefix += "."
    selected = OrderedDict(
        (key[len(prefix) :], value) for key, value in state_dict.items() if key.startswith(prefix)
    )
    if not selected:
        tops = sorted({key.split(".", 1)[0] + "." for key in state_dict})
        raise CheckpointError(
            f"checkpoint {str(filename)!r} has no key starting with {prefix!r}; its keys start "
            f"with {', '.join(tops[:10])}"
        )
    return selected


def load_checkpoint_with_prefix(
    prefix: str,
    filename: str | os.PathLike[str],
    map_location: str | torch.device | None = "cpu",
    weights_only: bool = True,
) -> OrderedDict[str, Any]:
    """The part of the checkpoint's ``state_dict`` under ``prefix``, with ``prefix`` removed."""
    checkpoint = _load_checkpoint(filename, map_location, weights_only)
    state_dict = checkpoint.get("state_dict", checkpoint)
    return _with_prefix(state_dict, prefix, filename)


def find_latest_checkpoint(path: str | os.PathLike[str]) -> str | None:
    """The checkpoint named by ``<path>/last_checkpoint``, or None when there is none."""
    from mme.fileio import get_text

    marker = os.path.join(str(path), "last_checkpoint")
    try:
        name = get_text(marker).strip()
    except (FileNotFoundError, OSError):
        return None
    return name or None
