"""Test-time augmentation (MOD-10): ``BaseTTAModel`` and the config wiring of ``tta_model``.

A TTA dataset yields, for every sample, one entry per augmentation (MMCV's ``TestTimeAug``
packs ``inputs`` and ``data_samples`` as lists). ``BaseTTAModel.test_step`` cuts the batch
into one batch per augmentation, runs the wrapped model's ``test_step`` on each, regroups the
predictions per sample and hands them to ``merge_preds``. A checkpoint of the plain model
loads into the TTA model as is. Call chain of ``Runner.test()``:
the DDP wrapper's ``test_step`` -> ``BaseTTAModel.test_step`` -> ``model.test_step``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from torch import nn

from mme.registry import MODELS


class BaseTTAModel(nn.Module):
    """Wraps a model for test-time augmentation; subclasses write ``merge_preds``.

    Args:
        module: The model (a ``BaseModel``) or its config.
        data_preprocessor: The data preprocessor config given to ``module`` when it is a
            config without one.

    Examples:
        >>> class AverageClsScoreTTA(BaseTTAModel):  # doctest: +SKIP
        ...     def merge_preds(self, data_samples_list):
        ...         ...
        >>> tta_model = dict(type='AverageClsScoreTTA')  # in the config
    """

    module: Any

    def __init__(self, module: nn.Module | dict, data_preprocessor: dict | None = None) -> None:
        super().__init__()
        if isinstance(module, nn.Module):
            self.module = module
        elif isinstance(module, Mapping):
            cfg = dict(module)
            if data_preprocessor is not None:
                cfg.setdefault("data_preprocessor", data_preprocessor)
            self.module = MODELS.build(cfg)
        else:
            raise TypeError(
                f"{type(self).__name__}: module must be a model or its config, got "
                f"{type(module).__name__}"
            )
        self.register_load_state_dict_pre_hook(_into_module)

    @abstractmethod
    def merge_preds(self, data_samples_list: list[list[Any]]) -> list[Any]:
        """Merge ``[[sample0_aug0, sample0_aug1, ...], [sample1_aug0, ...], ...]`` into one
        prediction per sample."""

    def test_step(self, data: Any) -> list[Any]:
        """Run the model on every augmentation of the batch and merge the predictions.

        ``data`` is a dict whose values are lists with one entry per augmentation
        (``dict(inputs=[batch_aug0, batch_aug1], data_samples=[...])``), or a tuple/list of
        such lists.
        """
        batches: list[Any]
        if isinstance(data, Mapping):
            counts = {key: len(value) for key, value in data.items()}
            augs = _one_count(counts, "the values of the TTA batch")
            batches = [{key: value[index] for key, value in data.items()} for index in range(augs)]
        elif isinstance(data, (list, tuple)):
            counts = {str(i): len(value) for i, value in enumerate(data)}
            augs = _one_count(counts, "the items of the TTA batch")
            batches = [[item[index] for item in data] for index in range(augs)]
        else:
            raise TypeError(
                f"{type(self).__name__}.test_step: the batch must be a dict or a tuple/list of "
                f"per-augmentation lists, got {type(data).__name__}"
            )
        predictions = [self.module.test_step(batch) for batch in batches]
        per_sample = [list(sample) for sample in zip(*predictions, strict=True)]
        return self.merge_preds(per_sample)

    def val_step(self, data: Any) -> list[Any]:
        """Same as ``test_step``."""
        return self.test_step(data)

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, Any]:
        """A TTA model only tests: raises ``RuntimeError``."""
        raise RuntimeError(
            f"{type(self).__name__} is a test-time augmentation model: train the plain model "
            "(cfg.model) and wrap it with tta_model only to test"
        )


def _into_module(module: nn.Module, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
    """Load a checkpoint of the plain model (``backbone.x``) as ``module.backbone.x``."""
    for key in list(state_dict):
        rest = key[len(prefix) :]
        if key.startswith(prefix) and not rest.startswith("module."):
            state_dict[f"{prefix}module.{rest}"] = state_dict.pop(key)


def _one_count(counts: dict[str, int], where: str) -> int:
    values = set(counts.values())
    if len(values) != 1:
        raise ValueError(f"{where} must all have one entry per augmentation, got lengths {counts}")
    return values.pop()


def tta_config(cfg: Any) -> Any:
    """The config of a TTA test: ``model`` wrapped in ``tta_model`` and the test dataset's
    pipeline replaced by ``tta_pipeline`` (MMEngine's test-script wiring, MOD-10).

    Equivalent to ``cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)`` and
    ``cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline``; changes ``cfg`` in place
    and returns it.

    Raises:
        KeyError: the config has no ``tta_model``.
    """
    from mme.config import ConfigDict

    if cfg.get("tta_model") is None:
        raise KeyError(
            "--tta: the config has no 'tta_model' (e.g. tta_model = dict(type='MyTTAModel'))"
        )
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    if cfg.get("tta_pipeline") is not None:
        loader = cfg.get("test_dataloader")
        if not isinstance(loader, Mapping) or not isinstance(loader.get("dataset"), Mapping):
            raise KeyError(
                "the config has a 'tta_pipeline' but test_dataloader.dataset is not a config "
                "to put it in"
            )
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    return cfg
