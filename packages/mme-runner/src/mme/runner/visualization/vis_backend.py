"""Storage backends of the Visualizer (VIS-02): where scalars, configs and images go.

``BaseVisBackend`` is the interface every backend implements (``add_config``, ``add_scalar``,
``add_scalars``, ``add_image``, ``close``); a backend opens its files or connections on first
use (``experiment``), so building one is free. ``LocalVisBackend`` writes JSON lines and the
config under ``save_dir``; TensorBoard and W&B backends implement the same methods.
"""

from __future__ import annotations

import json
import numbers
import os
from abc import ABCMeta, abstractmethod
from typing import Any

from mme.registry import VISBACKENDS


def plain_scalar(value: Any) -> Any:
    """``value`` as a Python number (tensors and numpy scalars are converted)."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    if isinstance(value, numbers.Number):
        return float(value)  # type: ignore[arg-type]
    raise TypeError(f"scalar values must be numbers, got {type(value).__name__}")


class BaseVisBackend(metaclass=ABCMeta):
    """Interface of visualization backends.

    Args:
        save_dir: Where the backend writes its files.
    """

    def __init__(self, save_dir: str | os.PathLike[str]) -> None:
        self._save_dir = os.fspath(save_dir)
        self._env_ready = False

    @property
    def save_dir(self) -> str:
        """Where the backend writes."""
        return self._save_dir

    @property
    def experiment(self) -> Any:
        """The backend's underlying writer, created on first use."""
        self._ensure_env()
        return self._experiment()

    def _ensure_env(self) -> None:
        if not self._env_ready:
            self._init_env()
            self._env_ready = True

    @abstractmethod
    def _init_env(self) -> None:
        """Create directories, open files or connect; called once, on first use."""

    @abstractmethod
    def _experiment(self) -> Any:
        """The underlying writer."""

    def add_config(self, config: Any, **kwargs: Any) -> None:  # noqa: B027
        """Record the run's config."""

    def add_graph(self, model: Any, data_batch: Any, **kwargs: Any) -> None:  # noqa: B027
        """Record the model's structure."""

    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:  # noqa: B027
        """Record an image (an HxWx3 uint8 array)."""

    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        """Record one scalar at ``step``."""
        self.add_scalars({name: value}, step, **kwargs)

    @abstractmethod
    def add_scalars(
        self,
        scalar_dict: dict[str, Any],
        step: int = 0,
        file_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Record several scalars at ``step``."""

    def close(self) -> None:  # noqa: B027
        """Flush and close what the backend opened."""


@VISBACKENDS.register_module()
class LocalVisBackend(BaseVisBackend):
    """Writes scalars as JSON lines (``scalars.json``), the config and images under ``save_dir``.

    Args:
        save_dir: The folder (the Runner uses ``<work_dir>/<timestamp>/vis_data``).
        img_save_dir: Sub-folder of images.
        config_save_file: File name of the dumped config.
        scalar_save_file: File name of the scalars, one JSON object per line with its ``step``.
    """

    def __init__(
        self,
        save_dir: str | os.PathLike[str],
        img_save_dir: str = "vis_image",
        config_save_file: str = "config.py",
        scalar_save_file: str = "scalars.json",
    ) -> None:
        if not scalar_save_file.endswith(".json"):
            raise ValueError(
                f"LocalVisBackend: scalar_save_file must end in .json, got {scalar_save_file!r}"
            )
        super().__init__(save_dir)
        self._img_save_dir = os.path.join(self._save_dir, img_save_dir)
        self._config_save_file = os.path.join(self._save_dir, config_save_file)
        self._scalar_save_file = os.path.join(self._save_dir, scalar_save_file)
        self._appending: dict[str, Any] = {}  # the JSON-lines files, kept open between lines
        self._extra_files: dict[str, str] = {}  # add_scalars file_path -> its full path

    def _init_env(self) -> None:
        os.makedirs(self._save_dir, exist_ok=True)

    def _experiment(self) -> LocalVisBackend:
        return self

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Dump ``config`` (an mme ``Config`` or anything with ``dump``) as ``config.py``."""
        self._ensure_env()
        dump = getattr(config, "dump", None)
        if callable(dump):
            dump(self._config_save_file)
        else:
            with open(self._config_save_file, "w", encoding="utf-8") as f:
                f.write(str(config))

    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        """Save ``image`` (HxWx3, RGB, uint8) as ``vis_image/<name>_<step>.png``."""
        self._ensure_env()
        from mme.runner.visualization.drawing import as_image, save_png

        array = as_image(image)  # checks the shape before anything is created
        os.makedirs(self._img_save_dir, exist_ok=True)
        save_png(array, os.path.join(self._img_save_dir, f"{name}_{step}.png"))

    def add_scalars(
        self,
        scalar_dict: dict[str, Any],
        step: int = 0,
        file_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Append ``scalar_dict`` with its ``step`` as one JSON line to ``scalars.json``.

        Args:
            scalar_dict: Name -> number.
            step: The iteration or epoch.
            file_path: Also append the line to this ``.json`` file of ``save_dir``.
        """
        if not isinstance(scalar_dict, dict):
            raise TypeError(f"add_scalars expects a dict, got {type(scalar_dict).__name__}")
        self._ensure_env()
        record = {key: plain_scalar(value) for key, value in scalar_dict.items()}
        record.setdefault("step", step)
        line = json.dumps(record) + "\n"
        for target in (self._scalar_save_file, self._extra_file(file_path)):
            if target is None:
                continue
            file = self._appending.get(target)
            if file is None or file.closed:
                file = self._appending[target] = open(target, "a", encoding="utf-8")  # noqa: SIM115
            file.write(line)
            file.flush()  # each line complete on disk for readers (and after a kill)

    def _extra_file(self, file_path: str | None) -> str | None:
        """The path of ``add_scalars``'s ``file_path`` (checked and joined once per name: the
        LoggerHook passes the same one every few iterations)."""
        if file_path is None:
            return None
        extra = self._extra_files.get(file_path)
        if extra is not None:
            return extra
        if not file_path.endswith(".json"):
            raise ValueError(f"add_scalars: file_path must end in .json, got {file_path!r}")
        extra = os.path.join(self._save_dir, file_path)
        if extra == self._scalar_save_file:
            raise ValueError(f"add_scalars: file_path {file_path!r} is the scalar_save_file itself")
        self._extra_files[file_path] = extra
        return extra

    def close(self) -> None:
        """Close the scalar files (a later ``add_scalars`` opens them again)."""
        appending, self._appending = self._appending, {}
        for file in appending.values():
            file.close()
