"""``CheckpointHook``: periodic, latest, best and published checkpoints (RUN-16, RUN-24).

Files in ``out_dir`` (``work_dir`` by default): ``epoch_{N}.pth`` or ``iter_{N}.pth``, the
best ones as ``best_{metric}_epoch_{N}.pth``, and a ``last_checkpoint`` file in ``work_dir``
naming the newest checkpoint. Only the main process writes.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mme.dist import is_main_process
from mme.registry import HOOKS
from mme.runner.checkpoint import _load_checkpoint, save_checkpoint
from mme.runner.hooks.hook import DATA_BATCH, Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner

RULES = ("greater", "less")
#: Metric names (or parts of them) for which a larger value is better, and smaller.
GREATER_KEYS = ["acc", "top", "AR@", "auc", "precision", "mAP", "mDice", "mIoU", "mAcc", "aAcc"]
LESS_KEYS = ["loss"]


def infer_rule(key: str, greater_keys: Sequence[str], less_keys: Sequence[str], who: str) -> str:
    """``'greater'`` or ``'less'`` for metric ``key``, from the key lists (exact, then part)."""
    lowered = key.lower()
    greater = [k.lower() for k in greater_keys]
    less = [k.lower() for k in less_keys]
    if lowered in greater:
        return "greater"
    if lowered in less:
        return "less"
    if any(k in lowered for k in greater):
        return "greater"
    if any(k in lowered for k in less):
        return "less"
    raise ValueError(
        f"{who}: cannot tell whether a larger or smaller {key!r} is better; pass "
        f"rule='greater' or rule='less' (or add it to greater_keys / less_keys)"
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


@HOOKS.register_module()
class CheckpointHook(Hook):
    """Saves checkpoints every ``interval`` epochs or iterations, the best ones and the last.

    Args:
        interval: Save every this many epochs (``by_epoch=True``) or iterations; -1 never
            (the runner's ``default_hooks`` use 1).
        by_epoch: Count ``interval`` in epochs or iterations.
        save_optimizer: Include the optimizer state.
        save_param_scheduler: Include the parameter schedulers' states.
        out_dir: Where to save (any mme.fileio URI); default ``work_dir``. Another folder gets
            the work_dir's name appended.
        max_keep_ckpts: Keep only this many periodic checkpoints (-1: all).
        save_last: Also save after the last epoch or iteration.
        save_best: A metric name, a list of them, or ``'auto'`` (the first metric of the
            evaluator): keep the checkpoint with the best value as
            ``best_{metric}_epoch_{N}.pth``.
        rule: ``'greater'`` or ``'less'`` (one per ``save_best`` metric); inferred from
            ``greater_keys`` / ``less_keys`` when None.
        greater_keys: Metric names (or parts) for which larger is better.
        less_keys: Metric names (or parts) for which smaller is better.
        filename_tmpl: File name template, default ``'epoch_{}.pth'`` / ``'iter_{}.pth'``.
        backend_args: Arguments of the storage backend of ``out_dir``.
        published_keys: After training, write a copy of the best and last checkpoints with
            only these keys (e.g. ``['meta', 'state_dict']``), named
            ``<name>-<sha256[:8]>.pth``.
        save_begin: The first epoch or iteration to save at.
        async_save: Copy each checkpoint to CPU memory and write it in a background thread
            while training continues (a second save waits for the first); the
            ``last_checkpoint`` pointer and deletions follow the write.
    """

    priority = "VERY_LOW"

    def __init__(
        self,
        interval: int = -1,
        by_epoch: bool = True,
        save_optimizer: bool = True,
        save_param_scheduler: bool = True,
        out_dir: str | None = None,
        max_keep_ckpts: int = -1,
        save_last: bool = True,
        save_best: str | Sequence[str] | None = None,
        rule: str | Sequence[str] | None = None,
        greater_keys: Sequence[str] | None = None,
        less_keys: Sequence[str] | None = None,
        filename_tmpl: str | None = None,
        backend_args: dict | None = None,
        published_keys: str | Sequence[str] | None = None,
        save_begin: int = 0,
        async_save: bool = False,
    ) -> None:
        self.async_save = async_save
        self.interval = interval
        self.by_epoch = by_epoch
        self.save_optimizer = save_optimizer
        self.save_param_scheduler = save_param_scheduler
        self.out_dir = out_dir
        self.max_keep_ckpts = max_keep_ckpts
        self.save_last = save_last
        self.backend_args = backend_args
        self.save_begin = save_begin
        if save_begin < 0:
            raise ValueError(f"CheckpointHook: save_begin must be >= 0, got {save_begin}")
        self.filename_tmpl = filename_tmpl or ("epoch_{}.pth" if by_epoch else "iter_{}.pth")
        if "{}" not in self.filename_tmpl:
            raise ValueError(
                f"CheckpointHook: filename_tmpl must contain '{{}}' for the step, got "
                f"{self.filename_tmpl!r}"
            )
        self.key_indicators = _as_list(save_best)
        if "auto" in self.key_indicators and len(self.key_indicators) > 1:
            raise ValueError(
                "CheckpointHook: save_best='auto' cannot be combined with metric names"
            )
        self.rules = _as_list(rule)
        for item in self.rules:
            if item not in RULES:
                raise ValueError(f"CheckpointHook: rule must be 'greater' or 'less', got {item!r}")
        if self.rules and len(self.rules) not in (1, len(self.key_indicators)):
            raise ValueError(
                f"CheckpointHook: {len(self.rules)} rules for {len(self.key_indicators)} "
                "save_best metrics; give one rule, or one per metric"
            )
        if len(self.rules) == 1 and len(self.key_indicators) > 1:
            self.rules = self.rules * len(self.key_indicators)
        self.greater_keys = list(GREATER_KEYS if greater_keys is None else _as_list(greater_keys))
        self.less_keys = list(LESS_KEYS if less_keys is None else _as_list(less_keys))
        self.published_keys = _as_list(published_keys)
        if self.published_keys and not (self.key_indicators or save_last):
            raise ValueError(
                "CheckpointHook: published_keys needs save_best and/or save_last (it publishes "
                "the best and the last checkpoint)"
            )
        self.best_ckpt_path: dict[str, str] = {}
        self.best_score: dict[str, float] = {}
        self.last_ckpt: str | None = None
        self.keep_ckpt_ids: list[int] = []
        if self.key_indicators and self.key_indicators != ["auto"]:
            self._init_rules()

    def _init_rules(self) -> None:
        if not self.rules:
            self.rules = [
                infer_rule(k, self.greater_keys, self.less_keys, "CheckpointHook")
                for k in self.key_indicators
            ]

    def get_triggered_stages(self) -> list[str]:
        # Only the counting unit's point: by epoch, nothing runs per iteration.
        stages = super().get_triggered_stages()
        skipped = "after_train_iter" if self.by_epoch else "after_train_epoch"
        return [stage for stage in stages if stage != skipped]

    # --------------------------------------------------------------- mount points
    def before_train(self, runner: Runner) -> None:
        from mme.fileio import get_file_backend, join_path

        if self.out_dir is None:
            self.out_dir = runner.work_dir
        elif os.path.normpath(str(self.out_dir)) != os.path.normpath(runner.work_dir):
            basename = os.path.basename(os.path.normpath(runner.work_dir))
            self.out_dir = join_path(self.out_dir, basename, backend_args=self.backend_args)
        backend = get_file_backend(self.out_dir, backend_args=self.backend_args)
        runner.logger.info(f"Checkpoints will be saved to {self.out_dir} by {backend.name}.")
        if self.async_save:
            from mme.runner.async_checkpoint import AsyncCheckpointWriter

            runner.checkpoint_writer = AsyncCheckpointWriter()  # type: ignore[attr-defined]
        hub = runner.message_hub
        self.keep_ckpt_ids = list(hub.get_info("keep_ckpt_ids", []))
        for key in self.key_indicators:
            suffix = "" if len(self.key_indicators) == 1 else f"_{key}"
            path = hub.get_info(f"best_ckpt{suffix}")
            if path is not None:
                self.best_ckpt_path[key] = path
            score = hub.get_info(f"best_score{suffix}")
            if score is not None:
                self.best_score[key] = score
        self.last_ckpt = hub.get_info("last_ckpt")

    def after_train_epoch(self, runner: Runner) -> None:
        if not self.by_epoch:
            return
        if self.every_n_epochs(runner, self.interval, self.save_begin) or (
            self.save_last and self.is_last_train_epoch(runner)
        ):
            runner.logger.info(f"Saving checkpoint at {runner.epoch + 1} epochs")
            self._save_periodic(runner, runner.epoch + 1)

    def after_train_iter(
        self,
        runner: Runner,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        if self.by_epoch:
            return
        if self.every_n_train_iters(runner, self.interval, self.save_begin) or (
            self.save_last and self.is_last_train_iter(runner)
        ):
            runner.logger.info(f"Saving checkpoint at {runner.iter + 1} iterations")
            self._save_periodic(runner, runner.iter + 1)

    def after_val_epoch(self, runner: Runner, metrics: dict[str, Any] | None = None) -> None:
        if not self.key_indicators or not runner.train_loop_built:
            return
        if not metrics:
            runner.logger.warning(
                "CheckpointHook: the evaluator returned no metrics, so no best checkpoint is "
                "saved; check the evaluator and its dataloader"
            )
            return
        if self.key_indicators == ["auto"]:
            self.key_indicators = [next(iter(metrics))]
            self._init_rules()
        for key, rule in zip(self.key_indicators, self.rules, strict=True):
            self._save_best(runner, metrics, key, rule)

    def after_train(self, runner: Runner) -> None:
        from mme.fileio import wait_for_background_syncs

        writer = getattr(runner, "checkpoint_writer", None)
        if writer is not None:
            writer.wait()
        wait_for_background_syncs()  # training ends with its checkpoints on disk
        if not self.published_keys or not is_main_process():
            return
        paths = list(self.best_ckpt_path.values())
        if self.save_last and self.last_ckpt:
            paths.append(self.last_ckpt)
        for path in paths:
            self._publish(runner, path)

    # ------------------------------------------------------------------- helpers
    def check_save_best(self, produced: Sequence[str]) -> None:
        """Raise a ValueError if a ``save_best`` metric is not among ``produced``."""
        for key in self.key_indicators:
            if key != "auto" and key not in produced:
                from mme.runner._suggest import did_you_mean

                raise ValueError(
                    f"default_hooks.checkpoint: save_best={key!r} is not a metric of the "
                    f"val_evaluator, which produces {', '.join(map(repr, produced)) or 'nothing'}."
                    f"{did_you_mean(key, produced)}"
                )

    def _save(self, runner: Runner, filename: str) -> str:
        from mme.fileio import join_path

        path = join_path(str(self.out_dir), filename, backend_args=self.backend_args)
        runner.save_checkpoint(
            str(self.out_dir),
            filename,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
        )
        return path

    def _save_periodic(self, runner: Runner, step: int) -> None:
        from mme.fileio import atomic_write, exists, join_path, remove

        hub = runner.message_hub
        self.keep_ckpt_ids.append(step)
        expired = []
        if self.max_keep_ckpts > 0:
            while len(self.keep_ckpt_ids) > self.max_keep_ckpts:
                expired.append(self.keep_ckpt_ids.pop(0))
        # The checkpoint lists the files still to delete: a resume after a kill between the
        # save and the deletion deletes them then.
        hub.update_info("keep_ckpt_ids", expired + self.keep_ckpt_ids)
        path = join_path(
            str(self.out_dir), self.filename_tmpl.format(step), backend_args=self.backend_args
        )
        self.last_ckpt = path
        hub.update_info("last_ckpt", path)
        self._save(runner, self.filename_tmpl.format(step))
        hub.update_info("keep_ckpt_ids", list(self.keep_ckpt_ids))
        if not is_main_process():
            return

        def finish() -> None:
            # fsynced after the checkpoint's own fsync (one background queue, in order)
            atomic_write(os.path.join(runner.work_dir, "last_checkpoint"), path, sync="background")
            # Old files go only once the new one and the pointer to it are complete.
            for old in expired:
                old_path = join_path(
                    str(self.out_dir),
                    self.filename_tmpl.format(old),
                    backend_args=self.backend_args,
                )
                if exists(old_path, backend_args=self.backend_args):
                    remove(old_path, backend_args=self.backend_args)

        self._after_write(runner, finish)

    @staticmethod
    def _after_write(runner: Runner, task: Any) -> None:
        """Run ``task`` once the checkpoint just saved is written (at once unless async)."""
        writer = getattr(runner, "checkpoint_writer", None)
        if writer is None:
            task()
        else:
            writer.then(task)

    def _save_best(self, runner: Runner, metrics: dict[str, Any], key: str, rule: str) -> None:
        if key not in metrics:
            self.check_save_best(list(metrics))
        value = float(metrics[key])
        if not math.isfinite(value):
            runner.logger.warning(f"CheckpointHook: {key} is {value}; not a best checkpoint")
            return
        best = self.best_score.get(key)
        better = best is None or (value > best if rule == "greater" else value < best)
        if not better:
            return
        from mme.fileio import exists, join_path, remove

        suffix = "" if len(self.key_indicators) == 1 else f"_{key}"
        hub = runner.message_hub
        self.best_score[key] = value
        hub.update_info(f"best_score{suffix}", value)
        old = self.best_ckpt_path.get(key)
        unit, step = ("epoch", runner.epoch) if self.by_epoch else ("iter", runner.iter)
        filename = f"best_{key.replace('/', '_')}_{unit}_{step}.pth"
        path = join_path(str(self.out_dir), filename, backend_args=self.backend_args)
        self.best_ckpt_path[key] = path
        hub.update_info(f"best_ckpt{suffix}", path)
        self._save(runner, filename)
        if old is not None and old != path and is_main_process():

            def remove_old() -> None:  # after the new best is complete
                if exists(old, backend_args=self.backend_args):
                    remove(old, backend_args=self.backend_args)

            self._after_write(runner, remove_old)
        runner.logger.info(
            f"The best checkpoint with {value:.4f} {key} at {step} {unit} is saved to {filename}."
        )

    def _publish(self, runner: Runner, path: str) -> None:
        checkpoint = _load_checkpoint(path, map_location="cpu", backend_args=self.backend_args)
        published = {k: checkpoint[k] for k in self.published_keys if k in checkpoint}
        missing = [k for k in self.published_keys if k not in checkpoint]
        if missing:
            runner.logger.warning(
                f"CheckpointHook: published_keys {missing} are not in {path}; they are skipped"
            )
        import io

        import torch

        buffer = io.BytesIO()
        torch.save(published, buffer)
        digest = hashlib.sha256(buffer.getvalue()).hexdigest()[:8]
        stem = path[: -len(".pth")] if path.endswith(".pth") else path
        target = f"{stem}-{digest}.pth"
        save_checkpoint(published, target, backend_args=self.backend_args)
        runner.logger.info(f"The checkpoint {path} is published to {target}.")
