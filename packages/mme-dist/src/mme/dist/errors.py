"""Errors raised by mme.dist and the wrapper that names the failing collective."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch.distributed as torch_dist

from mme.dist import _state


class LaunchError(RuntimeError):
    """The launcher's environment is missing or inconsistent, so ``init_dist`` cannot start."""


class CollectiveError(RuntimeError):
    """A collective failed or timed out, typically because another rank died or never joined.

    Attributes:
        collective: name of the mme.dist function that failed, e.g. ``"all_reduce"``.
        rank: global rank of the process that raised.
        world_size: size of the default process group.
    """

    def __init__(self, message: str, collective: str, rank: int, world_size: int) -> None:
        super().__init__(message)
        self.collective = collective
        self.rank = rank
        self.world_size = world_size


@contextmanager
def naming_collective(collective: str) -> Iterator[None]:
    """Re-raise torch's communication errors as `CollectiveError` naming ``collective``.

    torch reports a dead peer or a timeout with a transport message (``Connection closed by
    peer``, ``Timed out``) that does not say which call was waiting; this wrapper adds the call,
    the rank and the group timeout, and keeps torch's error as ``__cause__``.
    """
    try:
        yield
    except CollectiveError:
        raise
    except RuntimeError as exc:
        initialized = torch_dist.is_available() and torch_dist.is_initialized()
        rank = torch_dist.get_rank() if initialized else 0
        world_size = torch_dist.get_world_size() if initialized else 1
        backend = torch_dist.get_backend() if initialized else None
        timeout = _state.current().timeout
        timeout_text = f", timeout {timeout}" if timeout is not None else ""
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        message = (
            f"{collective} failed on rank {rank} of {world_size} "
            f"(backend {backend!r}{timeout_text}): {first_line}. Every rank of the group must "
            f"call {collective} with matching arguments; a rank that exited early or never "
            "reached this call makes the others fail like this, so look for the first error "
            "in the other ranks' output."
        )
        raise CollectiveError(message, collective, rank, world_size) from exc
