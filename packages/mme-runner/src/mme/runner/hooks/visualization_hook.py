"""Hooks that draw the model's predictions on the input images through the visualizer.

``VisualizationHook`` draws the first batches of each validation (and optionally test) run;
``NaiveVisualizationHook`` is MMEngine's: every ``interval``-th test batch. Both read the
batch as the data preprocessors do, ``dict(inputs=images, data_samples=samples)``, and pair
each image with the model's output for it (a data element with ``pred_*`` fields and,
usually, the ``gt_*`` ones copied from the input), drawn by ``Visualizer.add_datasample``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from mme.registry import HOOKS
from mme.runner.hooks.hook import DATA_BATCH, Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner


def tensor_to_image(tensor: torch.Tensor, bgr_to_rgb: bool = False) -> np.ndarray:
    """A (C, H, W) image tensor (C = 1 or 3) as an HxWx3 RGB uint8 array.

    uint8 tensors are taken as they are; float tensors in [0, 1] are scaled by 255, other
    float tensors (normalised inputs) are stretched to 0-255.
    """
    if tensor.ndim != 3 or tensor.shape[0] not in (1, 3):
        raise ValueError(
            f"an image tensor must be (C, H, W) with C = 1 or 3, got {tuple(tensor.shape)}"
        )
    image = tensor.detach().cpu()
    if image.dtype != torch.uint8:
        image = image.float()
        low, high = float(image.min()), float(image.max())
        if low >= 0 and high <= 1:
            image = image * 255
        elif low < 0 or high > 255:
            image = (image - low) / max(high - low, 1e-12) * 255
        image = image.round().clamp(0, 255).to(torch.uint8)
    if image.shape[0] == 1:
        image = image.expand(3, -1, -1)
    elif bgr_to_rgb:
        image = image.flip(0)
    return image.permute(1, 2, 0).contiguous().numpy()


@HOOKS.register_module()
class VisualizationHook(Hook):
    """Draws the predictions of the first ``num_batches`` batches of every validation.

    The images go to ``runner.visualizer.add_datasample`` named ``val_<batch>_<sample>``
    (``test_...`` in tests), at the epoch (or iteration) of the training, so every backend
    of the visualizer stores them (``vis_image/`` for ``LocalVisBackend``, the Images tab of
    TensorBoard).

    Args:
        num_batches: Draw this many batches of each run (from the first).
        max_samples: At most this many samples of a batch.
        draw_gt: Draw the ground truth.
        draw_pred: Draw the prediction.
        test: Also draw the first batches of ``runner.test()``.
        show: Show each image (a window, or a PNG where there is no display) instead of
            storing it.
        bgr_to_rgb: The inputs are BGR.
    """

    priority = "NORMAL"

    def __init__(
        self,
        num_batches: int = 1,
        max_samples: int = 8,
        draw_gt: bool = True,
        draw_pred: bool = True,
        test: bool = False,
        show: bool = False,
        bgr_to_rgb: bool = False,
    ) -> None:
        for arg, value in (("num_batches", num_batches), ("max_samples", max_samples)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{type(self).__name__}: {arg} must be an int >= 1, got {value!r}")
        self.num_batches = num_batches
        self.max_samples = max_samples
        self.draw_gt = draw_gt
        self.draw_pred = draw_pred
        self.test = test
        self.show = show
        self.bgr_to_rgb = bgr_to_rgb
        self._warned = False

    def after_val_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        if batch_idx < self.num_batches:
            self._draw(runner, "val", batch_idx, data_batch, outputs)

    def after_test_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        if self.test and batch_idx < self.num_batches:
            self._draw(runner, "test", batch_idx, data_batch, outputs)

    def _step(self, runner: Runner) -> int:
        if not runner.train_loop_built:
            return 0
        return runner.epoch if getattr(runner.train_loop, "by_epoch", True) else runner.iter

    def _draw(
        self,
        runner: Runner,
        mode: str,
        batch_idx: int,
        data_batch: DATA_BATCH,
        outputs: Sequence | None,
    ) -> None:
        inputs = data_batch.get("inputs") if isinstance(data_batch, dict) else None
        if inputs is None or not isinstance(outputs, Sequence):
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"{type(self).__name__}: nothing drawn; it needs batches of the form "
                    "dict(inputs=images, data_samples=...) and a list of outputs, got a "
                    f"{type(data_batch).__name__} batch",
                    stacklevel=2,
                )
            return
        step = self._step(runner)
        for index, (image, output) in enumerate(zip(inputs, outputs, strict=False)):
            if index >= self.max_samples:
                break
            runner.visualizer.add_datasample(
                f"{mode}_{batch_idx}_{index}",
                tensor_to_image(image, self.bgr_to_rgb),
                output,
                draw_gt=self.draw_gt,
                draw_pred=self.draw_pred,
                show=self.show,
                step=step,
            )


@HOOKS.register_module()
class NaiveVisualizationHook(VisualizationHook):
    """MMEngine's hook: draws every ``interval``-th batch of ``runner.test()``.

    Args:
        interval: Draw every this many test batches.
        draw_gt: Draw the ground truth.
        draw_pred: Draw the prediction.
    """

    def __init__(self, interval: int = 1, draw_gt: bool = True, draw_pred: bool = True) -> None:
        super().__init__(draw_gt=draw_gt, draw_pred=draw_pred, test=True)
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(
                f"NaiveVisualizationHook: interval must be an int >= 1, got {interval!r}"
            )
        self.interval = interval

    def after_val_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        return

    def after_test_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        if self.every_n_inner_iters(batch_idx, self.interval):
            self._draw(runner, "test", batch_idx, data_batch, outputs)
