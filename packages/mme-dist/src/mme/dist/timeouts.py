"""Timeouts of a distributed job: the collective timeout and the bounded rendezvous.

``init_process_group`` on a rank other than 0 connects to rank 0's rendezvous store at
``MASTER_ADDR:MASTER_PORT``. When another program listens on that port and never answers,
torch's client waits for the answer without a limit. `check_rendezvous` connects to
the store first, in a helper thread bounded by the job's timeout, and reports the address
that did not answer as a rendezvous store would.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import torch.distributed as torch_dist

from mme.dist.errors import LaunchError

#: Collective timeout when none is given (as in the specification: 30 minutes).
DEFAULT_TIMEOUT = timedelta(minutes=30)
#: Extra seconds the rendezvous check allows beyond the timeout for the store's own retries.
RENDEZVOUS_GRACE_S = 5.0


def as_timeout(timeout: float | timedelta | None) -> timedelta:
    """``timeout`` (seconds or a timedelta) as a positive timedelta; the default when None."""
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, timedelta):
        value = timeout
    elif isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        value = timedelta(seconds=timeout)
    else:
        raise TypeError(
            f"init_dist: timeout must be seconds (int or float) or a timedelta, got {timeout!r}."
        )
    if value <= timedelta(0):
        raise ValueError(f"init_dist: timeout must be positive, got {timeout!r}.")
    return value


def check_rendezvous(addr: str, port: int, timeout: timedelta, who: str) -> None:
    """Connect to the rendezvous store at ``addr:port`` once, within ``timeout``.

    Rank 0 may still be starting: the store client retries until ``timeout``, as
    ``init_process_group`` would. The client is a plain one (it does not count itself as a
    worker of the job), and it is dropped as soon as it has connected.

    Args:
        addr: ``MASTER_ADDR``.
        port: ``MASTER_PORT``.
        timeout: the job's timeout.
        who: the caller and rank, for the message (``"init_dist('pytorch'): rank 1 of 2"``).

    Raises:
        LaunchError: the store did not answer within the timeout, or answered in a way a
            PyTorch rendezvous store does not; the message names the address.
    """
    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            store = torch_dist.TCPStore(addr, port, is_master=False, timeout=timeout)
            del store
            outcome["ok"] = True
        except Exception as exc:  # torch raises several types for a failed connection
            outcome["error"] = exc

    thread = threading.Thread(target=connect, name="mme-dist-rendezvous-check", daemon=True)
    thread.start()
    thread.join(timeout.total_seconds() + RENDEZVOUS_GRACE_S)
    if outcome.get("ok"):
        return
    expected = (
        "something accepted the connection but did not answer as rank 0's PyTorch rendezvous "
        f"store within the timeout of {timeout}"
    )
    if "error" in outcome:
        first_line = (str(outcome["error"]).strip().splitlines() or [""])[0]
        expected = f"it did not answer as rank 0's rendezvous store within {timeout}: {first_line}"
    raise LaunchError(
        f"{who} could not reach the rendezvous at {addr}:{port} (MASTER_ADDR:MASTER_PORT): "
        f"{expected}. Check that rank 0 runs with the same MASTER_ADDR and MASTER_PORT and that "
        "no other program listens on that port."
    )
