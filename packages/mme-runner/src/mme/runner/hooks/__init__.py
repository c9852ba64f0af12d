"""Hooks: the ``Hook`` base class and the built-in hooks (registered in ``HOOKS``)."""

from mme.runner.hooks.checkpoint_hook import CheckpointHook
from mme.runner.hooks.early_stopping_hook import EarlyStoppingHook
from mme.runner.hooks.ema_hook import EMAHook
from mme.runner.hooks.empty_cache_hook import EmptyCacheHook
from mme.runner.hooks.hook import MOUNT_POINTS, Hook
from mme.runner.hooks.iter_timer_hook import IterTimerHook
from mme.runner.hooks.logger_hook import LoggerHook
from mme.runner.hooks.param_scheduler_hook import ParamSchedulerHook
from mme.runner.hooks.prepare_tta_hook import PrepareTTAHook
from mme.runner.hooks.progress_bar_hook import ProgressBarHook
from mme.runner.hooks.runtime_info_hook import RuntimeInfoHook
from mme.runner.hooks.sampler_seed_hook import DistSamplerSeedHook
from mme.runner.hooks.sync_buffers_hook import SyncBuffersHook
from mme.runner.hooks.visualization_hook import NaiveVisualizationHook, VisualizationHook

__all__ = [
    "MOUNT_POINTS",
    "CheckpointHook",
    "DistSamplerSeedHook",
    "EMAHook",
    "EarlyStoppingHook",
    "EmptyCacheHook",
    "Hook",
    "IterTimerHook",
    "LoggerHook",
    "NaiveVisualizationHook",
    "ParamSchedulerHook",
    "PrepareTTAHook",
    "ProgressBarHook",
    "RuntimeInfoHook",
    "SyncBuffersHook",
    "VisualizationHook",
]
