"""``LogProcessor``: turns the scalars of the message hub into log lines (LOG-19..LOG-21).

Train lines read (by epoch, then by iteration)::

    Epoch(train) [1][10/25]  lr: 1.0000e-02  eta: 0:00:00  time: 0.0019  data_time: 0.0004  loss: 1
    Iter(train) [10/100]  lr: 1.0000e-02  eta: ...

Losses, ``time`` and ``data_time`` are averaged over the last ``window_size`` iterations; the
learning rate and other scalars are the latest value; ``memory`` (MB) appears only with CUDA.
``custom_cfg`` changes the statistic of any scalar (LOG-21).
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mme.logging import HistoryBuffer
from mme.registry import LOG_PROCESSORS
from mme.runner._suggest import did_you_mean

if TYPE_CHECKING:
    from mme.runner.runner import Runner

#: Scalars averaged over the window by default; others show their latest value.
MEAN_PATTERN = r".*(loss|time|data_time|grad_norm).*"
_CFG_KEYS = ("data_src", "method_name", "log_name", "window_size")


@LOG_PROCESSORS.register_module()
class LogProcessor:
    """Formats the train, val and test log lines and the scalars sent to the visualizer.

    Args:
        window_size: Iterations averaged for losses and times (default 10).
        by_epoch: Epoch-style (``Epoch(train) [1][10/25]``) or iteration-style
            (``Iter(train) [10/100]``) lines; should match ``train_cfg``.
        custom_cfg: Statistics of individual scalars, a list of dicts with ``data_src``,
            ``method_name`` (``'mean'``, ``'min'``, ``'max'``, ``'current'`` or a registered
            statistic), optional ``log_name`` (log under a new name instead of replacing) and
            ``window_size`` (an int, ``'global'`` or ``'epoch'``).
        num_digits: Digits after the point of floats (default 4).
        log_with_hierarchy: Keep the ``train/`` / ``val/`` prefix in the scalars given to the
            visualizer.
        mean_pattern: Regular expression of the scalars averaged over the window.

    Examples:
        >>> processor = LogProcessor(custom_cfg=[
        ...     dict(data_src='loss', window_size='global', method_name='mean')])
    """

    def __init__(
        self,
        window_size: int = 10,
        by_epoch: bool = True,
        custom_cfg: Sequence[dict] | None = None,
        num_digits: int = 4,
        log_with_hierarchy: bool = False,
        mean_pattern: str = MEAN_PATTERN,
    ) -> None:
        if isinstance(window_size, bool) or not isinstance(window_size, int) or window_size < 1:
            raise ValueError(
                f"LogProcessor: window_size must be a positive int, got {window_size!r}"
            )
        self.window_size = window_size
        self.by_epoch = by_epoch
        self.custom_cfg = [dict(cfg) for cfg in (custom_cfg or [])]
        self.num_digits = num_digits
        self.log_with_hierarchy = log_with_hierarchy
        self.mean_pattern = re.compile(mean_pattern)
        self._averaged: dict[str, bool] = {}  # key -> whether mean_pattern matches it
        self._lengths: dict[str, tuple[tuple[int, int], int]] = {}  # mode -> (loader, epoch), len
        self._cuda: bool | None = None
        self._check_custom_cfg()

    def _check_custom_cfg(self) -> None:
        methods = HistoryBuffer.statistics_names()
        overwritten: set[str] = set()
        for index, cfg in enumerate(self.custom_cfg):
            where = f"LogProcessor: custom_cfg[{index}]"
            if not isinstance(cfg, dict):
                raise TypeError(f"{where} must be a dict, got {type(cfg).__name__}")
            for key in ("data_src", "method_name"):
                if key not in cfg:
                    raise KeyError(f"{where} has no {key!r} (it needs data_src and method_name)")
            method = cfg["method_name"]
            if method not in methods:
                raise ValueError(
                    f"{where}: method_name={method!r} is not a statistic; use one of "
                    f"{', '.join(sorted(methods))}.{did_you_mean(str(method), methods)}"
                )
            window = cfg.get("window_size")
            if (
                window is not None
                and window not in ("global", "epoch")
                and (isinstance(window, bool) or not isinstance(window, int) or window < 1)
            ):
                raise ValueError(
                    f"{where}: window_size must be a positive int, 'global' or 'epoch', "
                    f"got {window!r}"
                )
            if "log_name" not in cfg:
                if cfg["data_src"] in overwritten:
                    raise ValueError(
                        f"{where} replaces {cfg['data_src']!r} a second time; give one of the "
                        "entries a log_name to log it under another name"
                    )
                overwritten.add(cfg["data_src"])

    # ------------------------------------------------------------------ lines
    def get_log_after_iter(self, runner: Runner, batch_idx: int, mode: str) -> tuple[dict, str]:
        """The scalars (for the visualizer) and the log line after an iteration of ``mode``."""
        tag, shown, memory = self._iter_scalars(runner, batch_idx, mode)
        return tag, self._iter_line(runner, batch_idx, mode, shown, memory)

    def get_scalars_after_iter(self, runner: Runner, batch_idx: int, mode: str) -> dict:
        """The scalars of `get_log_after_iter` without formatting its line.

        The ``LoggerHook`` asks for these when its logger drops INFO records (``log_level``
        ``'WARNING'`` or above), where a formatted line would only be thrown away.
        """
        return self._iter_scalars(runner, batch_idx, mode)[0]

    def _iter_scalars(
        self, runner: Runner, batch_idx: int, mode: str
    ) -> tuple[dict, dict, int | None]:
        """``(tag, shown, memory)``: the scalars for the visualizer; those the line shows
        (without ``epoch``, ``iter`` and ``memory``); the peak CUDA memory or None."""
        custom = self.custom_cfg
        if custom:
            custom = self._parse_window_size(runner, batch_idx, custom)
        shown = self._collect_scalars(custom, runner, mode)
        tag = dict(shown)
        if self.by_epoch and mode in ("train", "val"):
            tag["epoch"] = runner.epoch + 1 if mode == "train" else runner.epoch
        if mode == "train":
            tag["iter"] = runner.iter + 1
        memory = self._max_memory(runner)
        if memory is not None:
            tag["memory"] = memory
        return tag, shown, memory

    def _iter_line(
        self, runner: Runner, batch_idx: int, mode: str, shown: dict, memory: int | None
    ) -> str:
        cur_iter = batch_idx + 1 if (self.by_epoch or mode != "train") else runner.iter + 1
        log_tag = dict(shown)
        lr_items = []
        for key in list(log_tag):
            if key.endswith("lr"):
                lr_items.append(f"{key}: {log_tag.pop(key):.{self.num_digits}e}")

        if self.by_epoch:
            length = self._dataloader_length(runner, mode)
            iter_str = str(cur_iter).rjust(len(str(length)))
            if mode in ("train", "val"):
                epoch = runner.epoch + 1 if mode == "train" else runner.epoch
                epoch_str = f"[{epoch}]"
                if runner.train_loop_built:
                    epoch_str = epoch_str.rjust(len(str(runner.max_epochs)) + 3)
                else:
                    epoch_str = " " + epoch_str
                head = f"Epoch({mode}){epoch_str}[{iter_str}/{length}]"
            else:
                head = f"Epoch({mode}) [{iter_str}/{length}]"
        elif mode == "train":
            iter_str = str(cur_iter).rjust(len(str(runner.max_iters)))
            head = f"Iter({mode}) [{iter_str}/{runner.max_iters}]"
        else:
            length = self._dataloader_length(runner, mode)
            head = f"Iter({mode}) [{str(cur_iter).rjust(len(str(length)))}/{length}]"

        parts = [head, " ".join(lr_items)]
        eta = runner.message_hub.get_info("eta")
        if "time" in log_tag and "data_time" in log_tag and eta is not None:
            parts.append(f"eta: {datetime.timedelta(seconds=int(eta))}")
            parts.append(f"time: {log_tag.pop('time'):.{self.num_digits}f}")
            parts.append(f"data_time: {log_tag.pop('data_time'):.{self.num_digits}f}")
        if memory is not None:
            parts.append(f"memory: {memory}")
        if mode in ("train", "val"):
            for name, value in log_tag.items():
                if mode == "val" and not name.startswith("loss"):
                    continue
                parts.append(f"{name}: {self._format(value)}")
        return "  ".join(parts).rstrip(" ")

    def get_log_after_epoch(
        self, runner: Runner, batch_idx: int, mode: str, with_non_scalar: bool = False
    ) -> tuple[dict, str]:
        """The scalars and the metrics line at the end of a val or test epoch.

        ``Epoch(val) [1][313/313]  accuracy: 35.7000``; the epoch's mean ``time`` and
        ``data_time`` go to the scalars only.
        """
        if mode not in ("val", "test"):
            raise ValueError(f"get_log_after_epoch: mode must be 'val' or 'test', got {mode!r}")
        length = self._dataloader_length(runner, mode)
        if self.by_epoch and mode == "val":
            head = f"Epoch({mode}) [{runner.epoch}][{length}/{length}]"
        elif self.by_epoch:
            head = f"Epoch({mode}) [{length}/{length}]"
        else:
            head = f"Iter({mode}) [{length}/{length}]"
        custom = copy.deepcopy(self.custom_cfg)
        sources = {cfg["data_src"] for cfg in custom}
        for key in ("time", "data_time"):
            if key not in sources:
                custom.append(dict(data_src=key, window_size="epoch", method_name="mean"))
        parsed = self._parse_window_size(runner, batch_idx, custom)
        # Metrics are the latest values (a metric called 'val_loss' is not averaged).
        collected = self._collect_scalars(parsed, runner, mode, latest=True)
        tag: dict[str, Any] = {}
        times: dict[str, Any] = {}
        for key, value in collected.items():
            (times if key.rpartition("/")[2] in ("time", "data_time") else tag)[key] = value
        non_scalars = self._collect_non_scalars(runner, mode)
        parts = [head]
        for name, value in [*tag.items(), *non_scalars.items()]:
            parts.append(f"{name}: {self._format(value)}")
        if with_non_scalar:
            tag.update(non_scalars)
        tag.update(times)
        return tag, "  ".join(parts)

    # ------------------------------------------------------------ internals
    def _format(self, value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.{self.num_digits}f}"
        if hasattr(value, "shape") and getattr(value, "ndim", 0) > 0:
            return f"\n{value}\n"
        return str(value)

    def _parse_window_size(self, runner: Runner, batch_idx: int, custom: list[dict]) -> list[dict]:
        parsed = []
        for cfg in custom:
            cfg = dict(cfg)
            window = cfg.get("window_size")
            if window == "global":
                cfg["window_size"] = runner.iter + 1
            elif window == "epoch":
                cfg["window_size"] = batch_idx + 1
            parsed.append(cfg)
        return parsed

    def _collect_scalars(
        self, custom: list[dict], runner: Runner, mode: str, latest: bool = False
    ) -> dict[str, Any]:
        scalars = runner.message_hub.exported_scalars(mode)
        tag: dict[str, Any] = {}
        averaged = self._averaged
        for key, buffer in scalars.items():
            mean = averaged.get(key)
            if mean is None:
                mean = averaged[key] = self.mean_pattern.match(key) is not None
            if not latest and mean:
                tag[key] = buffer.mean(self.window_size)
            else:
                tag[key] = buffer.current()
        for cfg in custom:
            cfg = dict(cfg)
            source = cfg.pop("data_src")
            name = cfg.pop("log_name", source)
            if source in scalars:
                tag[name] = scalars[source].statistics(**cfg)
        if self.log_with_hierarchy:
            tag = {f"{mode}/{key}": value for key, value in tag.items()}
        return tag

    def _collect_non_scalars(self, runner: Runner, mode: str) -> dict[str, Any]:
        prefix = f"{mode}/"
        info = runner.message_hub.runtime_info
        return {
            (key if self.log_with_hierarchy else key[len(prefix) :]): value
            for key, value in info.items()
            if key.startswith(prefix)
        }

    def _dataloader_length(self, runner: Runner, mode: str) -> int:
        """``len`` of the loader of ``mode``, asked once per loader and epoch (the length of a
        DataLoader is a chain of calls down to its sampler, and a line is written every few
        iterations)."""
        loader = getattr(runner, f"{mode}_dataloader")
        key = (id(loader), runner.epoch)
        cached = self._lengths.get(mode)
        if cached is not None and cached[0] == key:
            return cached[1]
        length = len(loader)
        self._lengths[mode] = (key, length)
        return length

    def _max_memory(self, runner: Runner) -> int | None:
        """Peak CUDA memory in MB since the last line (reset afterwards), or None without CUDA."""
        import torch

        if self._cuda is None:  # (asked once: a line is written every few iterations)
            self._cuda = torch.cuda.is_available()
        if not self._cuda:
            return None
        device = getattr(runner.model, "output_device", None)
        peak = torch.cuda.max_memory_allocated(device=device)
        torch.cuda.reset_peak_memory_stats(device=device)
        return int(peak // (1024 * 1024))
