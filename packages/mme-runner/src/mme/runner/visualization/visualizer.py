"""``Visualizer``: the run's global visualizer (VIS-03), storing through its backends (VIS-02).

This version stores configs, scalars and images through its backends; the drawing API
(boxes, masks, feature maps) comes later on the same class.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from mme.dist import is_main_process
from mme.logging import ManagerMixin
from mme.registry import VISBACKENDS, VISUALIZERS
from mme.runner._suggest import did_you_mean
from mme.runner.visualization.vis_backend import BaseVisBackend


@VISUALIZERS.register_module()
class Visualizer(ManagerMixin):
    """Global visualizer: ``Visualizer.get_current_instance()`` reaches it from anywhere.

    In a distributed run only the main process stores anything (the backends of the other
    ranks are never opened).

    Args:
        name: The instance name.
        image: An image to draw on (kept for the drawing API).
        vis_backends: Backend configs (``[dict(type='LocalVisBackend')]``) or instances.
        save_dir: Backends without their own ``save_dir`` write to ``<save_dir>/vis_data``.
            Without it, backend configs are not built (nothing is stored).

    Examples:
        >>> vis = Visualizer.get_instance('doc-vis')
        >>> Visualizer.get_current_instance() is vis
        True
    """

    def __init__(
        self,
        name: str = "visualizer",
        image: Any = None,
        vis_backends: Sequence[dict | BaseVisBackend] | dict | None = None,
        save_dir: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name)
        self._image = image
        self.dataset_meta: dict | None = None
        self._vis_backends: dict[str, BaseVisBackend] = {}
        if isinstance(vis_backends, dict):
            vis_backends = [vis_backends]
        if vis_backends and save_dir is not None:
            root = os.path.join(os.fspath(save_dir), "vis_data")
            for index, backend in enumerate(vis_backends):
                if isinstance(backend, dict):
                    cfg = dict(backend)
                    backend_name = cfg.pop("name", None)
                    cfg.setdefault("save_dir", root)
                    built = VISBACKENDS.build(cfg)
                elif isinstance(backend, BaseVisBackend):
                    backend_name, built = None, backend
                else:
                    raise TypeError(
                        f"Visualizer: vis_backends[{index}] must be a dict or a backend, got "
                        f"{type(backend).__name__}"
                    )
                key = backend_name or type(built).__name__
                if key in self._vis_backends:
                    raise ValueError(
                        f"Visualizer: two backends are called {key!r}; give them different "
                        "'name' keys"
                    )
                self._vis_backends[key] = built

    def get_backend(self, name: str) -> BaseVisBackend:
        """The backend called ``name`` (its class name unless configured otherwise)."""
        try:
            return self._vis_backends[name]
        except KeyError:
            raise KeyError(
                f"Visualizer {self.instance_name!r} has no backend {name!r} (it has "
                f"{', '.join(self._vis_backends) or 'none'})."
                f"{did_you_mean(name, self._vis_backends)}"
            ) from None

    @property
    def backends(self) -> dict[str, BaseVisBackend]:
        """The backends by name."""
        return dict(self._vis_backends)

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Store the config in every backend."""
        if not is_main_process():
            return
        for backend in self._vis_backends.values():
            backend.add_config(config, **kwargs)

    def add_graph(self, model: Any, data_batch: Any, **kwargs: Any) -> None:
        """Store the model's structure in every backend."""
        if not is_main_process():
            return
        for backend in self._vis_backends.values():
            backend.add_graph(model, data_batch, **kwargs)

    def add_image(self, name: str, image: Any, step: int = 0) -> None:
        """Store an image in every backend."""
        if not is_main_process():
            return
        for backend in self._vis_backends.values():
            backend.add_image(name, image, step)

    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        """Store one scalar in every backend."""
        if not is_main_process():
            return
        for backend in self._vis_backends.values():
            backend.add_scalar(name, value, step, **kwargs)

    def add_scalars(
        self,
        scalar_dict: dict[str, Any],
        step: int = 0,
        file_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Store several scalars in every backend (``file_path``: an extra JSON file)."""
        if not is_main_process():
            return
        for backend in self._vis_backends.values():
            backend.add_scalars(scalar_dict, step, file_path, **kwargs)

    def close(self) -> None:
        """Close every backend."""
        for backend in self._vis_backends.values():
            backend.close()
