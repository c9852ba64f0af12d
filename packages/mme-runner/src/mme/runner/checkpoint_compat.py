"""Read checkpoints written by MMEngine 0.10.x without running code from them.

MMEngine pickles its message hub (``HistoryBuffer`` objects holding NumPy arrays) into every
checkpoint, so ``torch.load(weights_only=True)`` refuses the file, and ``weights_only=False``
would let the file run code. `load_foreign_checkpoint` takes a third way: it still loads with
torch's safe unpickler, but lets each class or function the file names outside torch's
allow-list (``mmengine.logging.history_buffer.HistoryBuffer``, ``numpy.ndarray``...) be
rebuilt as an inert `Skipped` stand-in that only records its name. Nothing from the file is
imported or called. Then every entry that holds a stand-in is dropped, with one warning that
says what was skipped: the message hub, a meta value, ... The weights and the rest of
``meta`` (epoch, iter, seed, cfg text) are kept.
"""

from __future__ import annotations

import io
import logging
import os
from typing import Any

import torch

_logger = logging.getLogger("mme.runner")


class Skipped:
    """An object of a class the checkpoint named but safe loading does not know."""

    __slots__ = ("args", "name", "state")
    type_name = "?"
    name: str
    args: tuple[Any, ...]
    state: Any

    def __new__(cls, *args: Any, **kwargs: Any) -> Skipped:
        obj = object.__new__(cls)
        obj.name = cls.type_name
        obj.args = args
        obj.state = None
        return obj

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __repr__(self) -> str:
        return f"<skipped {self.name}>"


def _stand_in(name: str) -> type:
    return type("Skipped", (Skipped,), {"type_name": name, "__slots__": ()})


def _skipped_names(value: Any, found: set[str]) -> set[str]:
    if isinstance(value, Skipped):
        found.add(value.name)
    elif isinstance(value, dict):
        for item in value.values():
            _skipped_names(item, found)
    elif isinstance(value, list | tuple | set):
        for item in value:
            _skipped_names(item, found)
    return found


def load_foreign_checkpoint(
    filename: str | os.PathLike[str],
    map_location: str | torch.device | None = "cpu",
    logger: logging.Logger | None = None,
) -> dict[str, Any]:
    """The weights, meta and other plain entries of a checkpoint from MMEngine (or anything
    that pickles objects of its own), loaded safely; what is skipped is logged.

    Raises:
        CheckpointError: the file is not a torch checkpoint holding a dict.
    """
    from mme.runner.checkpoint import CheckpointError

    name = os.fspath(filename)
    log = logger or _logger
    try:
        source: Any = name
        if "://" in name and not name.startswith("file://"):
            from mme.fileio import get

            source = io.BytesIO(get(name))
        unknown = torch.serialization.get_unsafe_globals_in_checkpoint(source)
        stand_ins: list[Any] = [(_stand_in(g), g) for g in unknown]
        if isinstance(source, io.BytesIO):
            source.seek(0)
        with torch.serialization.safe_globals(stand_ins):
            loaded = torch.load(
                source.removeprefix("file://") if isinstance(source, str) else source,
                map_location=map_location,
                weights_only=True,
            )
    except Exception as error:
        raise CheckpointError(f"checkpoint {name!r} cannot be read safely: {error}") from error
    if not isinstance(loaded, dict):
        raise CheckpointError(f"checkpoint {name!r} holds a {type(loaded).__name__}, not a dict")
    checkpoint: dict[str, Any] = {}
    skipped: list[str] = []
    for key, value in loaded.items():
        if key == "meta" and isinstance(value, dict):
            meta = {}
            for meta_key, meta_value in value.items():
                names = _skipped_names(meta_value, set())
                if names:
                    skipped.append(f"meta[{meta_key!r}] ({', '.join(sorted(names))})")
                else:
                    meta[meta_key] = meta_value
            checkpoint[key] = meta
            continue
        names = _skipped_names(value, set())
        if names:
            skipped.append(f"{key} ({', '.join(sorted(names))})")
        else:
            checkpoint[key] = value
    if skipped:
        log.warning(
            f"{name}: loaded the weights and meta; skipped entries holding objects that safe "
            f"loading does not rebuild: {'; '.join(skipped)}"
        )
    return checkpoint
