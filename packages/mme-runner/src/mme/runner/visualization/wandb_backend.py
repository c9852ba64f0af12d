"""``WandbVisBackend``: scalars, images and the config to Weights & Biases.

``wandb`` is imported when the backend is built (``pip install "mme[wandb]"``); the run
starts on the first write (``wandb.init(dir=save_dir, **init_kwargs)``). Offline runs
(``init_kwargs=dict(mode='offline')`` or ``WANDB_MODE=offline``) write everything under
``save_dir/wandb`` for a later ``wandb sync``.
"""

from __future__ import annotations

import os
from typing import Any

from mme.registry import VISBACKENDS
from mme.runner.optional import import_optional
from mme.runner.visualization.vis_backend import BaseVisBackend, plain_scalar


@VISBACKENDS.register_module()
class WandbVisBackend(BaseVisBackend):
    """Logs to a W&B run.

    Args:
        save_dir: Where W&B writes its local files (``dir`` of ``wandb.init``).
        init_kwargs: Arguments of ``wandb.init`` (``project``, ``name``, ``mode``...).
        define_metric_cfg: Summaries of metrics: ``dict(accuracy='max')`` calls
            ``wandb.define_metric('accuracy', summary='max')``; a list of dicts passes each
            as the arguments of ``wandb.define_metric``.
        commit: The ``commit`` of ``wandb.log``: False gathers the values of several calls
            into one W&B step.
        log_code_name: Save the code of the current directory as an artifact of this name.
        watch_kwargs: Arguments of ``wandb.watch``, called with the model by ``add_graph``.
    """

    def __init__(
        self,
        save_dir: str | os.PathLike[str],
        init_kwargs: dict | None = None,
        define_metric_cfg: dict | list[dict] | None = None,
        commit: bool | None = True,
        log_code_name: str | None = None,
        watch_kwargs: dict | None = None,
    ) -> None:
        if init_kwargs is not None and not isinstance(init_kwargs, dict):
            raise TypeError(f"WandbVisBackend: init_kwargs must be a dict, got {init_kwargs!r}")
        if define_metric_cfg is not None and not isinstance(define_metric_cfg, dict | list):
            raise TypeError(
                "WandbVisBackend: define_metric_cfg must be a dict (metric -> summary) or a "
                f"list of dicts, got {define_metric_cfg!r}"
            )
        self._wandb = import_optional("wandb", extra="wandb", purpose="WandbVisBackend")
        super().__init__(save_dir)
        self._init_kwargs = dict(init_kwargs or {})
        self._define_metric_cfg = define_metric_cfg
        self._commit = commit
        self._log_code_name = log_code_name
        self._watch_kwargs = watch_kwargs
        self._run: Any = None

    def _init_env(self) -> None:
        os.makedirs(self._save_dir, exist_ok=True)
        kwargs = dict(self._init_kwargs)
        kwargs.setdefault("dir", self._save_dir)
        self._run = self._wandb.init(**kwargs)
        cfg = self._define_metric_cfg
        if isinstance(cfg, dict):
            for metric, summary in cfg.items():
                self._run.define_metric(metric, summary=summary)
        elif isinstance(cfg, list):
            for index, item in enumerate(cfg):
                if not isinstance(item, dict):
                    raise TypeError(
                        f"WandbVisBackend: define_metric_cfg[{index}] must be a dict of "
                        f"wandb.define_metric arguments, got {item!r}"
                    )
                self._run.define_metric(**item)
        if self._log_code_name is not None:
            self._run.log_code(name=self._log_code_name)

    def _experiment(self) -> Any:
        """The ``wandb`` run."""
        return self._run

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Record the config (``Config.to_dict()``) as the run's config."""
        self._ensure_env()
        to_dict = getattr(config, "to_dict", None)
        self._run.config.update(to_dict() if callable(to_dict) else dict(config))

    def add_graph(self, model: Any, data_batch: Any, **kwargs: Any) -> None:
        """Watch the model's gradients and parameters (when ``watch_kwargs`` was given)."""
        if self._watch_kwargs is not None:
            self._ensure_env()
            self._run.watch(model, **self._watch_kwargs)

    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        """Log an HxWx3 RGB uint8 image."""
        from mme.runner.visualization.drawing import as_image

        self._ensure_env()
        self._run.log({name: self._wandb.Image(as_image(image))}, commit=self._commit)

    def add_scalars(
        self,
        scalar_dict: dict[str, Any],
        step: int = 0,
        file_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Log the values of ``scalar_dict``; W&B counts its own steps (one per committed
        ``log``), so ``step`` is not passed to it, as in MMEngine."""
        if not isinstance(scalar_dict, dict):
            raise TypeError(f"add_scalars expects a dict, got {type(scalar_dict).__name__}")
        self._ensure_env()
        record = {key: plain_scalar(value) for key, value in scalar_dict.items()}
        self._run.log(record, commit=self._commit)

    def close(self) -> None:
        """Finish the run; a later write starts a new one."""
        if self._run is not None:
            self._run.finish()
            self._run = None
            self._env_ready = False
