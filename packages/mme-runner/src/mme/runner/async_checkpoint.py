"""Checkpoints written by a background thread while training continues.

`AsyncCheckpointWriter.submit` copies the checkpoint to CPU memory (every tensor, so the
training may change its own right away), then returns; a thread serialises and writes it
(atomically, like every checkpoint) and then runs the follow-ups queued with `then`
(pointing ``last_checkpoint`` at it, deleting old files), in order. A second save first
waits for the first to finish, so at most one copy is held in memory. `wait` blocks until
everything is written and re-raises a failure of the thread.

Used by ``CheckpointHook(async_save=True)``.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import torch

_writers: weakref.WeakSet[AsyncCheckpointWriter] = weakref.WeakSet()


def wait_all() -> None:
    """Wait for every background write of this process (before looking for checkpoints)."""
    for writer in list(_writers):
        writer.wait()


def cpu_copy(value: Any) -> Any:
    """``value`` with every tensor copied to CPU memory and containers rebuilt."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return type(value)((k, cpu_copy(v)) for k, v in value.items())
    if isinstance(value, list):
        return [cpu_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(cpu_copy(v) for v in value)
    return value


class AsyncCheckpointWriter:
    """Writes one checkpoint at a time in a background thread (see the module text)."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._queued: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._finished = True
        _writers.add(self)

    def submit(
        self, checkpoint: dict[str, Any], path: str, backend_args: dict | None = None
    ) -> None:
        """Copy ``checkpoint`` to CPU memory and write it to ``path`` in the background."""
        from mme.runner.checkpoint import check_plain, save_checkpoint

        check_plain(checkpoint)
        self.wait()
        copy = cpu_copy(checkpoint)
        tasks: list[Callable[[], None]] = [
            lambda: save_checkpoint(copy, path, backend_args=backend_args, check=False)
        ]
        self._queued = tasks
        self._finished = False
        self._thread = threading.Thread(
            target=self._run, args=(tasks,), name="mme-checkpoint-writer", daemon=False
        )
        self._thread.start()

    def then(self, task: Callable[[], None]) -> None:
        """Run ``task`` after the write in progress (at once if there is none)."""
        with self._lock:
            if self._thread is not None and not self._finished:
                self._queued.append(task)
                return
        self.wait()
        task()

    def _run(self, tasks: list[Callable[[], None]]) -> None:
        index = 0
        try:
            while True:
                with self._lock:
                    if index == len(tasks):
                        self._finished = True
                        return
                    task = tasks[index]
                task()
                index += 1
        except BaseException as error:
            with self._lock:
                self._error = error
                self._finished = True

    def wait(self) -> None:
        """Block until the write in progress and its follow-ups are done."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error
