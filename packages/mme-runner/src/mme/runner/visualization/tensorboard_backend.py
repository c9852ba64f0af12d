"""``TensorboardVisBackend``: scalars, images, the config and the model graph for TensorBoard.

Scalars are encoded straight into event records (see ``event_file``) and kept in memory;
they are written to the event file every ``flush_secs`` seconds, when ``max_pending``
records wait, and on ``close`` (the ``LoggerHook`` closes the visualizer after the run).
Logging every iteration this way costs a few microseconds per iteration. The ``tensorboard``
package is needed for images, text and graphs, and is imported when the backend is built:
``pip install "mme[tensorboard]"``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import socket
import time
import warnings
from typing import Any

import numpy as np

from mme.registry import VISBACKENDS
from mme.runner.optional import import_optional
from mme.runner.visualization import event_file
from mme.runner.visualization.vis_backend import BaseVisBackend, plain_scalar


@VISBACKENDS.register_module()
class TensorboardVisBackend(BaseVisBackend):
    """Writes a TensorBoard event file under ``save_dir`` (``tensorboard --logdir save_dir``).

    Args:
        save_dir: The folder of the event files (the Runner's ``<work_dir>/<timestamp>/vis_data``).
        flush_secs: Write pending records at most this many seconds after they were logged.
        max_pending: Write pending records when this many wait.
    """

    def __init__(
        self, save_dir: str | os.PathLike[str], flush_secs: float = 10.0, max_pending: int = 1000
    ) -> None:
        if flush_secs < 0:
            raise ValueError(f"TensorboardVisBackend: flush_secs must be >= 0, got {flush_secs}")
        if max_pending < 1:
            raise ValueError(f"TensorboardVisBackend: max_pending must be >= 1, got {max_pending}")
        import_optional("tensorboard", extra="tensorboard", purpose="TensorboardVisBackend")
        super().__init__(save_dir)
        self.flush_secs = float(flush_secs)
        self.max_pending = max_pending
        # encoded events (bytes) and scalars still to encode (wall time, step, values)
        self._pending: list[bytes | tuple[float, int, dict]] = []
        self._prefixes: dict[str, bytes] = {}
        self._skipped: set[str] = set()
        self._path: str | None = None
        self._last_flush = 0.0

    @property
    def event_file(self) -> str | None:
        """The path of the event file being written (None before the first write)."""
        return self._path

    def _init_env(self) -> None:
        os.makedirs(self._save_dir, exist_ok=True)
        now = time.time()
        name = f"events.out.tfevents.{int(now)}.{socket.gethostname()}.{os.getpid()}.{id(self)}"
        self._path = os.path.join(self._save_dir, name)
        self._pending = [event_file.version_event(now)]
        self._last_flush = time.monotonic()
        self.flush()
        atexit.register(self._flush_at_exit)

    def _experiment(self) -> TensorboardVisBackend:
        return self

    # ------------------------------------------------------------------ writing
    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        """Record one scalar at ``step``."""
        self.add_scalars({name: value}, step)

    def add_scalars(
        self,
        scalar_dict: dict[str, Any],
        step: int = 0,
        file_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Record the numbers of ``scalar_dict`` at ``step``.

        The values are kept as they are and encoded with the other pending records when they
        are written (in one tight loop, several times faster than one by one between
        training steps); values that are not numbers are then skipped with a warning, once
        per key. ``file_path`` is for ``LocalVisBackend`` and ignored here.
        """
        if not isinstance(scalar_dict, dict):
            raise TypeError(f"add_scalars expects a dict, got {type(scalar_dict).__name__}")
        if type(step) is not int and (isinstance(step, bool) or not isinstance(step, np.integer)):
            raise ValueError(f"TensorboardVisBackend: step must be an int >= 0, got {step!r}")
        if step < 0:
            raise ValueError(f"TensorboardVisBackend: step must be an int >= 0, got {step!r}")
        if not self._env_ready:
            self._ensure_env()
        self._pending.append((time.time(), int(step), dict(scalar_dict)))
        if len(self._pending) >= self.max_pending or (
            time.monotonic() - self._last_flush >= self.flush_secs
        ):
            self.flush()

    def _encode(self, wall_time: float, step: int, scalar_dict: dict[str, Any]) -> bytes | None:
        values = []
        for key, value in scalar_dict.items():
            number = value if type(value) is float else plain_scalar(value)
            if isinstance(number, bool) or not isinstance(number, int | float):
                if key not in self._skipped:
                    self._skipped.add(key)
                    warnings.warn(
                        f"TensorboardVisBackend: {key!r} is {type(value).__name__}, not a "
                        "number; it is not written",
                        stacklevel=4,
                    )
                continue
            prefix = self._prefixes.get(key)
            if prefix is None:
                prefix = self._prefixes[key] = event_file.value_prefix(key)
            values.append((prefix, number))
        return event_file.scalar_event(wall_time, step, values) if values else None

    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        """Record an HxWx3 RGB uint8 image (PNG-encoded) at ``step``."""
        from mme.runner.visualization.drawing import as_image, matplotlib_module

        summary_pb2 = import_optional(
            "tensorboard.compat.proto.summary_pb2", extra="tensorboard", purpose="add_image"
        )
        array = as_image(image)
        image_module = matplotlib_module("matplotlib.image", "TensorboardVisBackend.add_image")
        import io

        buffer = io.BytesIO()
        image_module.imsave(buffer, array, format="png")
        value = summary_pb2.Summary.Value(
            tag=name,
            image=summary_pb2.Summary.Image(
                height=array.shape[0],
                width=array.shape[1],
                colorspace=3,
                encoded_image_string=buffer.getvalue(),
            ),
        )
        self._add_summary(summary_pb2.Summary(value=[value]), step)

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Record the config's text (``Config.pretty_text``) under the tag ``config``."""
        from torch.utils.tensorboard import summary

        text = getattr(config, "pretty_text", None) or str(config)
        self._add_summary(summary.text("config", f"```\n{text}\n```"), 0)

    def add_graph(self, model: Any, data_batch: Any, **kwargs: Any) -> None:
        """Record the model's graph, traced with ``data_batch`` (a tensor or tuple of them)."""
        event_pb2 = import_optional(
            "tensorboard.compat.proto.event_pb2", extra="tensorboard", purpose="add_graph"
        )
        from torch.utils.tensorboard._pytorch_graph import graph

        graph_def, _ = graph(model, data_batch, **kwargs)
        self._ensure_env()
        self._add(
            event_pb2.Event(
                wall_time=time.time(), graph_def=graph_def.SerializeToString()
            ).SerializeToString()
        )

    def _add_summary(self, summary: Any, step: int) -> None:
        event_pb2 = import_optional(
            "tensorboard.compat.proto.event_pb2", extra="tensorboard", purpose="add_image"
        )
        self._ensure_env()
        event = event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary)
        self._add(event.SerializeToString())

    def _add(self, payload: bytes) -> None:
        self._pending.append(payload)
        if (
            len(self._pending) >= self.max_pending
            or time.monotonic() - self._last_flush >= self.flush_secs
        ):
            self.flush()

    def flush(self) -> None:
        """Write the pending records to the event file."""
        self._last_flush = time.monotonic()
        if not self._pending or self._path is None:
            return
        pending, self._pending = self._pending, []
        payloads = []
        for item in pending:
            payload = item if isinstance(item, bytes) else self._encode(*item)
            if payload is not None:
                payloads.append(payload)
        data = event_file.records(payloads)
        with open(self._path, "ab") as f:
            f.write(data)

    def close(self) -> None:
        """Write what is pending; a later write starts a new event file."""
        if not self._env_ready:
            return
        atexit.unregister(self._flush_at_exit)
        self._env_ready = False
        self.flush()

    def _flush_at_exit(self) -> None:
        with contextlib.suppress(OSError):
            self.flush()
