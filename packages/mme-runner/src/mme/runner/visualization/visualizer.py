"""``Visualizer``: the run's global visualizer (VIS-03), storing through its backends (VIS-02).

It draws on one image with the API of ``drawing.DrawingMixin`` (VIS-01) and stores configs,
scalars, images and model graphs through every backend. A backend whose write fails (a
tracker that cannot be reached, a full disk) logs one warning and is skipped from then on:
a tracker never stops training.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from mme.dist import is_main_process
from mme.logging import ManagerMixin
from mme.registry import VISBACKENDS, VISUALIZERS
from mme.runner._suggest import did_you_mean
from mme.runner.visualization.drawing import DrawingMixin
from mme.runner.visualization.vis_backend import BaseVisBackend


@VISUALIZERS.register_module()
class Visualizer(DrawingMixin, ManagerMixin):
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
        self._save_dir = None if save_dir is None else os.fspath(save_dir)
        self._dataset_meta: dict | None = None
        self._vis_backends: dict[str, BaseVisBackend] = {}
        self._failed: set[str] = set()
        if image is not None:
            self.set_image(image)
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
        self._each("add_config", config, **kwargs)

    def add_graph(self, model: Any, data_batch: Any, **kwargs: Any) -> None:
        """Store the model's structure in every backend."""
        self._each("add_graph", model, data_batch, **kwargs)

    def add_image(self, name: str, image: Any, step: int = 0) -> None:
        """Store an image in every backend."""
        self._each("add_image", name, image, step)

    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        """Store one scalar in every backend."""
        self._each("add_scalar", name, value, step, **kwargs)

    def add_scalars(
        self,
        scalar_dict: dict[str, Any],
        step: int = 0,
        file_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Store several scalars in every backend (``file_path``: an extra JSON file)."""
        self._each("add_scalars", scalar_dict, step, file_path, **kwargs)

    def close(self) -> None:
        """Close every backend (and the drawing canvas)."""
        for key, backend in self._vis_backends.items():
            try:
                backend.close()
            except Exception as error:  # a tracker never stops the run
                self._warn_failed(key, "close", error)
        self._canvas = None

    @property
    def dataset_meta(self) -> dict | None:
        """The dataset's meta information (class names, palette), set by the loops."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, meta: dict | None) -> None:
        if meta is not None and not isinstance(meta, dict):
            raise TypeError(f"Visualizer.dataset_meta must be a dict, got {type(meta).__name__}")
        self._dataset_meta = meta

    def add_datasample(
        self,
        name: str,
        image: Any,
        data_sample: Any = None,
        draw_gt: bool = True,
        draw_pred: bool = True,
        show: bool = False,
        wait_time: float = 0,
        step: int = 0,
    ) -> None:
        """Draw ``image`` with the ground truth and prediction of ``data_sample``, then show it
        or store it through the backends (``add_image``).

        Drawn from the data sample's fields: ``gt_instances`` / ``pred_instances`` with
        ``bboxes`` (and ``labels``; green for the ground truth, red for predictions), and
        ``gt_label`` / ``pred_label`` (``label`` and ``score``) written in the top-left corner,
        with class names from ``dataset_meta['classes']`` when set. Subclasses draw more.
        """
        from mme.runner.visualization.datasample import draw_datasample

        drawn = draw_datasample(self, image, data_sample, draw_gt, draw_pred)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        else:
            self.add_image(name, drawn, step)

    # ------------------------------------------------------------------ backends
    def _each(self, method: str, *args: Any, **kwargs: Any) -> None:
        """Call ``method`` of every working backend, on the main process only."""
        if not is_main_process():
            return
        for key, backend in self._vis_backends.items():
            if key in self._failed:
                continue
            try:
                getattr(backend, method)(*args, **kwargs)
            except (TypeError, ValueError, KeyError, ImportError):
                raise  # the caller's mistake or a missing extra: say it
            except Exception as error:  # a tracker (disk, network) never stops training
                self._warn_failed(key, method, error)

    def _warn_failed(self, key: str, method: str, error: Exception) -> None:
        self._failed.add(key)
        from mme.logging import print_log

        print_log(
            f"Visualizer: backend {key!r} failed in {method} ({type(error).__name__}: "
            f"{error}); it is disabled for the rest of the run, the others continue",
            logger="current",
            level="WARNING",
        )
