"""``Runner``: trains, validates and tests a model from objects or a config (RUN-01..RUN-08).

The Runner holds the arguments, sets up the environment (environment.py), builds components
lazily when the loop that needs them runs (building.py), calls the hooks, and saves and loads
checkpoints (checkpoint.py). Loops live in loops.py, hooks in hooks/.
"""

from __future__ import annotations

import copy
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from mme.config import Config
from mme.dist import broadcast_object_list, get_dist_info, is_main_process
from mme.logging import MessageHub, MMLogger
from mme.registry import (
    LOG_PROCESSORS,
    LOOPS,
    MODEL_WRAPPERS,
    MODELS,
    RUNNERS,
    VISUALIZERS,
    DefaultScope,
)
from mme.runner import (
    building,
    checkpoint_compat,
    checkpoint_recovery,
    environment,
    resume_state,
)
from mme.runner._suggest import did_you_mean
from mme.runner.checkpoint import (
    CheckpointError,
    UnsafeCheckpointError,
    _load_checkpoint,
    check_plain,
    get_state_dict,
    is_model_wrapper,
    load_state_dict,
    weights_to_cpu,
)
from mme.runner.checkpoint import _revise as revise_state_dict
from mme.runner.checkpoint import save_checkpoint as write_checkpoint
from mme.runner.hooks.hook import Hook
from mme.runner.log_processor import LogProcessor
from mme.runner.loops import BaseLoop, EpochBasedTrainLoop, IterBasedTrainLoop, TestLoop, ValLoop
from mme.runner.priority import get_priority
from mme.runner.visualization import Visualizer

_MISSING = object()


def _unique_name(taken: Callable[[str], bool], name: str) -> str:
    if not taken(name):
        return name
    index = 1
    while taken(f"{name}_{index}"):
        index += 1
    return f"{name}_{index}"


@RUNNERS.register_module()
class Runner:
    """Trains, validates and tests a model.

    Every component argument takes a built object or its config dict; configs are built only
    when the loop that needs them runs, so a runner used only for testing needs only the test
    components. Arguments and config keys are MMEngine's (see the runner guide).

    Args:
        model: A model (``BaseModel``) or its config.
        work_dir: Where checkpoints and the timestamped run folder go.
        train_dataloader: A DataLoader or its config (``dataset``, ``sampler``, ...).
        val_dataloader: Same, for validation.
        test_dataloader: Same, for testing.
        train_cfg: The training loop: ``dict(by_epoch=True, max_epochs=12, val_interval=1)``,
            ``dict(by_epoch=False, max_iters=10000, val_interval=1000)`` or ``dict(type=...)``.
        val_cfg: The validation loop (``dict()`` for ``ValLoop``).
        test_cfg: The test loop (``dict()`` for ``TestLoop``).
        auto_scale_lr: ``dict(enable=True, base_batch_size=16)`` scales the learning rate by
            the real total batch size over ``base_batch_size``.
        optim_wrapper: An ``OptimWrapper`` or its config (``dict(optimizer=dict(type='SGD',
            lr=0.01))``).
        param_scheduler: A scheduler config, a list of them, or built schedulers.
        val_evaluator: An evaluator or metric config(s).
        test_evaluator: Same, for testing.
        default_hooks: Overrides of the default hooks by name (None removes one).
        custom_hooks: More hooks (configs or objects).
        data_preprocessor: Config of the model's data preprocessor, if the model config has
            none.
        load_from: A checkpoint to load the weights from (or to resume from, with ``resume``).
        resume: Resume training: from ``load_from``, or else from the latest checkpoint in
            ``work_dir``.
        launcher: ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
        env_cfg: ``cudnn_benchmark``, ``mp_cfg``, ``dist_cfg``.
        log_processor: A LogProcessor config.
        log_level: ``'INFO'``, ``'DEBUG'``, ...
        visualizer: A Visualizer or its config; by default one with a ``LocalVisBackend``.
        default_scope: The registry scope of the run (``'mme'``).
        randomness: ``dict(seed=None, diff_rank_seed=False, deterministic=False)``.
        experiment_name: The run's name; default ``<config name>_<timestamp>`` or the timestamp.
        cfg: The whole config, saved with the logs and checkpoints.

    Examples:
        >>> runner = Runner(model=model, work_dir='./work_dir',  # doctest: +SKIP
        ...                 train_dataloader=loader, train_cfg=dict(by_epoch=True, max_epochs=2),
        ...                 optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)))
        >>> runner.train()  # doctest: +SKIP
    """

    cfg: Config

    def __init__(
        self,
        model: nn.Module | dict,
        work_dir: str,
        train_dataloader: DataLoader | dict | None = None,
        val_dataloader: DataLoader | dict | None = None,
        test_dataloader: DataLoader | dict | None = None,
        train_cfg: dict | None = None,
        val_cfg: dict | None = None,
        test_cfg: dict | None = None,
        auto_scale_lr: dict | None = None,
        optim_wrapper: Any = None,
        param_scheduler: Any = None,
        val_evaluator: Any = None,
        test_evaluator: Any = None,
        default_hooks: dict[str, Hook | dict | None] | None = None,
        custom_hooks: Sequence[Hook | dict] | None = None,
        data_preprocessor: dict | None = None,
        load_from: str | None = None,
        resume: bool = False,
        launcher: str = "none",
        env_cfg: dict | None = None,
        log_processor: dict | LogProcessor | None = None,
        log_level: str | int = "INFO",
        visualizer: Visualizer | dict | None = None,
        default_scope: str = "mme",
        randomness: dict | None = None,
        experiment_name: str | None = None,
        cfg: Config | dict | None = None,
    ) -> None:
        if env_cfg is None:
            env_cfg = dict(dist_cfg=dict(backend="nccl"))
        if randomness is None:
            randomness = dict(seed=None)
        self._work_dir = os.path.abspath(os.fspath(work_dir))
        os.makedirs(self._work_dir, exist_ok=True)
        if cfg is None:
            self.cfg = Config(dict())
        elif isinstance(cfg, Config):
            self.cfg = copy.deepcopy(cfg)
        else:
            self.cfg = Config(dict(cfg))

        self._check_components(
            train_dataloader,
            train_cfg,
            optim_wrapper,
            param_scheduler,
            val_dataloader,
            val_cfg,
            val_evaluator,
            test_dataloader,
            test_cfg,
            test_evaluator,
        )
        self._train_dataloader = train_dataloader
        self._train_loop: BaseLoop | dict | None = train_cfg
        self.optim_wrapper = optim_wrapper
        self.auto_scale_lr = auto_scale_lr
        self.param_schedulers = param_scheduler
        self._val_dataloader = val_dataloader
        self._val_loop: BaseLoop | dict | None = val_cfg
        self._val_evaluator = val_evaluator
        self._test_dataloader = test_dataloader
        self._test_loop: BaseLoop | dict | None = test_cfg
        self._test_evaluator = test_evaluator
        self._load_from = load_from
        self._resume = resume
        self._has_loaded = False

        # environment
        self._launcher = launcher
        self._distributed = environment.setup_env(env_cfg, launcher)
        self._rank, self._world_size = get_dist_info()
        self._env_cfg = env_cfg
        environment.check_keys(
            randomness, ("seed", "diff_rank_seed", "deterministic"), "randomness"
        )
        self._randomness_cfg = dict(randomness)
        self._seed = environment.set_random_seed(**self._randomness_cfg)

        # run folder, names, logger, message hub, visualizer
        self._timestamp = self._unique_timestamp()
        self._log_dir = os.path.join(self._work_dir, self._timestamp)
        if experiment_name is not None:
            self._experiment_name = f"{experiment_name}_{self._timestamp}"
        elif self.cfg.filename is not None:
            stem = os.path.splitext(os.path.basename(self.cfg.filename))[0]
            self._experiment_name = f"{stem}_{self._timestamp}"
        else:
            self._experiment_name = self._timestamp
        self._instance_name = _unique_name(
            lambda n: MMLogger.check_instance_created(n) or MessageHub.check_instance_created(n),
            self._experiment_name,
        )
        self.logger = MMLogger.get_instance(
            self._instance_name,
            logger_name="mme",
            log_file=os.path.join(self._log_dir, f"{self._timestamp}.log"),
            log_level=log_level,
        )
        self.message_hub = MessageHub.get_instance(self._instance_name)
        self.default_scope = DefaultScope.get_instance(
            self._instance_name, scope_name=default_scope
        )
        self.visualizer = self._build_visualizer(visualizer)
        self.log_processor = self._build_log_processor(log_processor)

        self.logger.info(environment.banner(env_cfg, launcher, self._seed, self._distributed))
        if self.cfg.to_dict():
            self.logger.info(f"Config:\n{self.cfg.pretty_text}")

        # model
        if isinstance(model, Mapping):
            model = dict(model)
            if data_preprocessor is not None:
                model.setdefault("data_preprocessor", data_preprocessor)
            model = MODELS.build(model)
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be an nn.Module or its config, got {type(model).__name__}")
        self._check_model(model)
        from mme.runner.activation_checkpointing import apply_memory_options

        apply_memory_options(model, self.cfg)
        self.model: Any = self.wrap_model(self.cfg.get("model_wrapper_cfg"), model)

        # hooks
        self._hooks: list[Hook] = []
        self._hooks_at: dict[str, list[Callable[..., None]]] = {}
        self.register_hooks(default_hooks, custom_hooks)
        self._checkpoint_hook_preflight_done = False

        self.dump_config()

    # ----------------------------------------------------------------- from_cfg
    @classmethod
    def from_cfg(cls, cfg: Config | dict) -> Runner:
        """Build a runner from a config (a ``Config`` or dict with the Runner's arguments).

        Raises:
            ValueError: a key looks like a typo of a Runner key (``trian_cfg``).
            KeyError: the config has no ``model`` or ``work_dir``.
        """
        cfg = copy.deepcopy(cfg) if isinstance(cfg, Config) else Config(dict(cfg))
        known = [name for name in _init_parameters() if name != "cfg"]
        building.check_config_keys(
            list(cfg.keys()), [*known, *building.EXTRA_CONFIG_KEYS], "config"
        )
        for key in ("model", "work_dir"):
            if key not in cfg:
                hint = " (or pass --work-dir to mme train)" if key == "work_dir" else ""
                raise KeyError(f"the config has no {key!r}{hint}")
        kwargs = {name: cfg.get(name) for name in known if name in cfg}
        kwargs.setdefault("env_cfg", dict())
        return cls(**kwargs, cfg=cfg)

    # --------------------------------------------------------------- properties
    @property
    def work_dir(self) -> str:
        """The working directory (absolute)."""
        return self._work_dir

    @property
    def log_dir(self) -> str:
        """The run folder ``<work_dir>/<timestamp>``: log file, config, vis_data."""
        return self._log_dir

    @property
    def timestamp(self) -> str:
        """The run's timestamp (unique among the runs of ``work_dir``)."""
        return self._timestamp

    @property
    def experiment_name(self) -> str:
        """The run's name."""
        return self._experiment_name

    @property
    def seed(self) -> int:
        """The random seed in use."""
        return self._seed

    @property
    def launcher(self) -> str:
        """The launcher."""
        return self._launcher

    @property
    def distributed(self) -> bool:
        """Whether this is a multi-process run."""
        return self._distributed

    @property
    def rank(self) -> int:
        """This process's rank."""
        return self._rank

    @property
    def world_size(self) -> int:
        """The number of processes."""
        return self._world_size

    @property
    def hooks(self) -> list[Hook]:
        """The registered hooks, in calling order."""
        return list(self._hooks)

    @property
    def train_loop_built(self) -> bool:
        """Whether the training loop exists (``train()`` was called)."""
        loop = self._train_loop  # (not an abstract-class check: the log processor asks often)
        return loop is not None and not isinstance(loop, dict)

    @property
    def train_loop(self) -> Any:
        """The training loop (built on first access)."""
        if isinstance(self._train_loop, BaseLoop) or self._train_loop is None:
            if self._train_loop is None:
                raise RuntimeError(
                    "this runner has no training loop: pass train_dataloader, train_cfg and "
                    "optim_wrapper to train"
                )
            return self._train_loop
        self._train_loop = self.build_train_loop(self._train_loop)
        return self._train_loop

    @property
    def val_loop(self) -> Any:
        """The validation loop (built on first access), or None without val components."""
        if self._val_loop is None or isinstance(self._val_loop, BaseLoop):
            return self._val_loop
        self._val_loop = self.build_val_loop(self._val_loop)
        return self._val_loop

    @property
    def test_loop(self) -> Any:
        """The test loop (built on first access), or None without test components."""
        if self._test_loop is None or isinstance(self._test_loop, BaseLoop):
            return self._test_loop
        self._test_loop = self.build_test_loop(self._test_loop)
        return self._test_loop

    @property
    def train_dataloader(self) -> DataLoader:
        """The training dataloader."""
        return self.train_loop.dataloader

    @property
    def val_dataloader(self) -> DataLoader:
        """The validation dataloader."""
        return self.val_loop.dataloader

    @property
    def test_dataloader(self) -> DataLoader:
        """The test dataloader."""
        return self.test_loop.dataloader

    @property
    def val_evaluator(self) -> Any:
        """The validation evaluator."""
        return self.val_loop.evaluator

    @property
    def test_evaluator(self) -> Any:
        """The test evaluator."""
        return self.test_loop.evaluator

    @property
    def epoch(self) -> int:
        """Epochs finished."""
        loop: Any = self._train_loop
        if loop is None:
            return 0
        # Read by hooks every iteration: a built loop is anything but its config dict (a
        # check against dict is cheaper than one against the abstract BaseLoop).
        return (self.train_loop if isinstance(loop, dict) else loop).epoch

    @property
    def iter(self) -> int:
        """Training iterations finished."""
        loop: Any = self._train_loop
        if loop is None:
            return 0
        return (self.train_loop if isinstance(loop, dict) else loop).iter

    @property
    def max_epochs(self) -> int:
        """Epochs to train."""
        loop: Any = self._train_loop
        if loop is None or isinstance(loop, dict):
            loop = self.train_loop
        return loop.max_epochs

    @property
    def max_iters(self) -> int:
        """Iterations to train."""
        return self.train_loop.max_iters

    # -------------------------------------------------------------------- checks
    @staticmethod
    def _check_components(
        train_dataloader: Any,
        train_cfg: Any,
        optim_wrapper: Any,
        param_scheduler: Any,
        val_dataloader: Any,
        val_cfg: Any,
        val_evaluator: Any,
        test_dataloader: Any,
        test_cfg: Any,
        test_evaluator: Any,
    ) -> None:
        train = {
            "train_dataloader": train_dataloader,
            "train_cfg": train_cfg,
            "optim_wrapper": optim_wrapper,
        }
        given = [k for k, v in train.items() if v is not None]
        if given and len(given) != len(train):
            missing = [k for k in train if k not in given]
            raise ValueError(
                f"training needs train_dataloader, train_cfg and optim_wrapper together: "
                f"{', '.join(given)} given but {', '.join(missing)} missing"
            )
        if param_scheduler is not None and optim_wrapper is None:
            raise ValueError(
                "param_scheduler is set but optim_wrapper is not: schedulers change the "
                "optimizer's parameters, so they need optim_wrapper=dict(optimizer=...)"
            )
        for mode, parts in (
            ("val", (val_dataloader, val_cfg, val_evaluator)),
            ("test", (test_dataloader, test_cfg, test_evaluator)),
        ):
            names = (f"{mode}_dataloader", f"{mode}_cfg", f"{mode}_evaluator")
            given = [n for n, p in zip(names, parts, strict=True) if p is not None]
            if given and len(given) != 3:
                missing = [n for n in names if n not in given]
                hint = ""
                if f"{mode}_evaluator" in missing:
                    hint = (
                        f"; the {mode} loop needs an evaluator to compute metrics, e.g. "
                        f"{mode}_evaluator=dict(type='Accuracy')"
                    )
                raise ValueError(
                    f"{mode} needs {', '.join(names)} together: {', '.join(given)} given but "
                    f"{', '.join(missing)} missing{hint}"
                )

    @staticmethod
    def _check_model(model: nn.Module) -> None:
        for method in ("train_step", "val_step", "test_step"):
            if not callable(getattr(model, method, None)):
                raise TypeError(
                    f"model {type(model).__name__} has no {method}(); derive it from "
                    "mme.runner.BaseModel (or define train_step/val_step/test_step)"
                )

    def _unique_timestamp(self) -> str:
        """``%Y%m%d_%H%M%S`` of now, with ``_1``, ``_2``... if ``work_dir`` has that folder."""
        stamp: list[Any] = [None]
        if is_main_process():
            base = time.strftime("%Y%m%d_%H%M%S", time.localtime())
            index = 0
            while True:
                name = base if index == 0 else f"{base}_{index}"
                try:
                    os.makedirs(os.path.join(self._work_dir, name))
                    break
                except FileExistsError:
                    index += 1
            stamp[0] = name
        if self._distributed:
            broadcast_object_list(stamp)
        return str(stamp[0])

    # ------------------------------------------------------------------ building
    def _build_visualizer(self, visualizer: Visualizer | dict | None) -> Visualizer:
        if isinstance(visualizer, Visualizer):
            return visualizer
        cfg = (
            dict(visualizer)
            if visualizer is not None
            else dict(type="Visualizer", vis_backends=[dict(type="LocalVisBackend")])
        )
        cfg.setdefault("type", "Visualizer")
        name = cfg.pop("name", self._instance_name)
        cfg["name"] = _unique_name(Visualizer.check_instance_created, str(name))
        cfg.setdefault("save_dir", self._log_dir)
        return VISUALIZERS.build(cfg)

    @staticmethod
    def _build_log_processor(log_processor: dict | LogProcessor | None) -> LogProcessor:
        if isinstance(log_processor, LogProcessor):
            return log_processor
        cfg = dict(log_processor or {})
        cfg.setdefault("type", "LogProcessor")
        return LOG_PROCESSORS.build(cfg)

    @staticmethod
    def build_dataloader(
        dataloader: DataLoader | dict, seed: int | None = None, diff_rank_seed: bool = False
    ) -> DataLoader:
        """Build a DataLoader from its config; usable without a runner instance (RUN-05)."""
        return building.build_dataloader(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)

    def build_evaluator(self, evaluator: Any) -> Any:
        """An Evaluator from metric config(s)."""
        return building.build_evaluator(evaluator)

    def build_optim_wrapper(self, optim_wrapper: Any) -> Any:
        """An OptimWrapper from its config."""
        wrapper = building.build_optim_wrapper(optim_wrapper, self.model)
        attach = getattr(self.model, "attach_optimizer", None)  # MMFullyShardedDataParallel
        if callable(attach):
            attach(wrapper)
        return wrapper

    def build_param_scheduler(self, scheduler: Any) -> Any:
        """Parameter schedulers from their configs."""
        return building.build_param_scheduler(scheduler, self)

    def build_train_loop(self, loop: BaseLoop | dict) -> BaseLoop:
        """The training loop from ``train_cfg``."""
        if isinstance(loop, BaseLoop):
            return loop
        cfg = dict(loop)
        if "type" in cfg:
            return LOOPS.build(
                cfg, default_args=dict(runner=self, dataloader=self._train_dataloader)
            )
        by_epoch = cfg.pop("by_epoch", _MISSING)
        if by_epoch is _MISSING:
            if "max_epochs" in cfg:
                by_epoch = True
            elif "max_iters" in cfg:
                by_epoch = False
            else:
                raise KeyError(
                    "train_cfg needs 'type' or 'by_epoch' (e.g. dict(by_epoch=True, "
                    f"max_epochs=12)); got keys {sorted(cfg)}"
                )
        loop_cls = EpochBasedTrainLoop if by_epoch else IterBasedTrainLoop
        return _build_loop(
            loop_cls, cfg, "train_cfg", runner=self, dataloader=self._train_dataloader
        )

    def build_val_loop(self, loop: BaseLoop | dict) -> BaseLoop:
        """The validation loop from ``val_cfg``."""
        if isinstance(loop, BaseLoop):
            return loop
        cfg = dict(loop)
        args = dict(runner=self, dataloader=self._val_dataloader, evaluator=self._val_evaluator)
        if "type" in cfg:
            return LOOPS.build(cfg, default_args=args)
        return _build_loop(ValLoop, cfg, "val_cfg", **args)

    def build_test_loop(self, loop: BaseLoop | dict) -> BaseLoop:
        """The test loop from ``test_cfg``."""
        if isinstance(loop, BaseLoop):
            return loop
        cfg = dict(loop)
        args = dict(runner=self, dataloader=self._test_dataloader, evaluator=self._test_evaluator)
        if "type" in cfg:
            return LOOPS.build(cfg, default_args=args)
        return _build_loop(TestLoop, cfg, "test_cfg", **args)

    def wrap_model(self, model_wrapper_cfg: dict | None, model: nn.Module) -> nn.Module:
        """Move ``model`` to this process's device; in a distributed run wrap it
        (``MMDistributedDataParallel`` unless ``model_wrapper_cfg`` says otherwise)."""
        if is_model_wrapper(model):
            return model
        device = _device()
        model = model.to(device)
        if not self._distributed:
            return model
        cfg = dict(model_wrapper_cfg or {})
        cfg.setdefault("type", "MMDistributedDataParallel")
        from mme.runner.model.separate_ddp import apply_sync_bn

        model = apply_sync_bn(model, self.cfg.get("sync_bn"))
        if cfg["type"] in ("MMFullyShardedDataParallel", "FullyShardedDataParallel"):
            return MODEL_WRAPPERS.build(cfg, default_args=dict(module=model))
        cfg.setdefault("broadcast_buffers", False)
        cfg.setdefault(
            "find_unused_parameters", bool(self.cfg.get("find_unused_parameters", False))
        )
        if device.type == "cuda":
            cfg.setdefault("device_ids", [device.index])
        return MODEL_WRAPPERS.build(cfg, default_args=dict(module=model))

    def scale_lr(self, optim_wrapper: Any, auto_scale_lr: dict | None = None) -> None:
        """Scale the learning rates by (real total batch size) / ``base_batch_size``.

        ``auto_scale_lr=dict(enable=True, base_batch_size=16)``; nothing happens when it is
        None or not enabled.
        """
        from mme.optim import auto_scale_lr as scale

        batch_size = self.train_dataloader.batch_size or 1
        ratio = scale(optim_wrapper, auto_scale_lr, batch_size, self._world_size)
        if ratio is not None:
            self.logger.info(
                f"LR is scaled by {ratio:.4g} (auto_scale_lr, total batch size "
                f"{self._world_size * batch_size})"
            )

    # --------------------------------------------------------------------- hooks
    def register_hook(self, hook: Hook | dict, priority: int | str | None = None) -> None:
        """Add a hook (object or config); it runs after the hooks of higher or equal priority."""
        built = building.build_hook(hook, priority)
        number = get_priority(built.priority)
        index = len(self._hooks)
        for position in range(len(self._hooks) - 1, -1, -1):
            if number >= get_priority(self._hooks[position].priority):
                index = position + 1
                break
        else:
            index = 0
        self._hooks.insert(index, built)
        self._hooks_at = {}

    def register_hooks(
        self, default_hooks: dict | None = None, custom_hooks: Sequence[Hook | dict] | None = None
    ) -> None:
        """Register the default hooks (with ``default_hooks`` applied), then ``custom_hooks``,
        then a progress bar when standard output is a terminal."""
        for hook in building.merged_default_hooks(default_hooks):
            self.register_hook(hook)
        for hook in custom_hooks or []:
            self.register_hook(hook)
        if (
            self._rank == 0
            and _is_terminal()
            and not any(type(h).__name__ == "ProgressBarHook" for h in self._hooks)
        ):
            from mme.runner.hooks.progress_bar_hook import ProgressBarHook

            self.register_hook(ProgressBarHook())

    def _methods_at(self, fn_name: str) -> list[Callable[..., None]]:
        methods = []
        for hook in self._hooks:
            stages = hook.get_triggered_stages()
            if fn_name in stages or (fn_name not in _MOUNT_SET and hasattr(hook, fn_name)):
                methods.append(getattr(hook, fn_name))
        self._hooks_at[fn_name] = methods
        return methods

    def call_hook(self, fn_name: str, **kwargs: Any) -> None:
        """Call ``fn_name(self, **kwargs)`` on every hook that implements it, in priority order.

        Names beyond the 22 mount points (``before_valloader2_iter`` of a custom loop) call
        the hooks that define a method of that name.
        """
        methods = self._hooks_at.get(fn_name)
        if methods is None:
            methods = self._methods_at(fn_name)
        for method in methods:
            method(self, **kwargs)

    def get_hooks_info(self) -> str:
        """The hooks of every mount point, in calling order, as text."""
        from mme.runner.hooks.hook import MOUNT_POINTS

        lines = []
        for point in MOUNT_POINTS:
            hooks = [h for h in self._hooks if point in h.get_triggered_stages()]
            if hooks:
                lines.append(f"{point}:")
                for hook in hooks:
                    lines.append(f"({_priority_name(hook.priority):<12}) {type(hook).__name__}")
                lines.append("-" * 20)
        return "\n".join(lines)

    # ------------------------------------------------------------- entry points
    def train(self) -> nn.Module:
        """Train (validating as ``train_cfg`` says); return the model."""
        if self._train_loop is None:
            raise RuntimeError(
                "Runner.train() needs train_dataloader, train_cfg and optim_wrapper; this "
                "runner was built without them"
            )
        started = time.time()
        self._hooks_at = {}  # hooks may narrow their points once the run is known
        self._train_loop = self.build_train_loop(self._train_loop)
        by_epoch = not isinstance(self._train_loop, IterBasedTrainLoop)
        if self.log_processor.by_epoch != by_epoch:
            self.logger.warning(
                f"log_processor.by_epoch={self.log_processor.by_epoch} but train_cfg trains by "
                f"{'epoch' if by_epoch else 'iteration'}: set log_processor=dict(by_epoch="
                f"{by_epoch}) for log lines that match"
            )
        self.optim_wrapper = self.build_optim_wrapper(self.optim_wrapper)
        self.scale_lr(self.optim_wrapper, self.auto_scale_lr)
        if self.param_schedulers is not None:
            self.param_schedulers = self.build_param_scheduler(self.param_schedulers)
        if self._val_loop is not None:
            self._val_loop = self.build_val_loop(self._val_loop)
            self._preflight_save_best()
        self.call_hook("before_run")
        self._init_model_weights()
        self.load_or_resume()
        loop: Any = self._train_loop
        self.optim_wrapper.initialize_count_status(
            self.model,
            loop.iter,
            loop.max_iters,
        )
        self._maybe_compile("train_step")
        model = self.train_loop.run()
        compiled = getattr(self, "_compiled", None)
        if compiled is not None:
            self.logger.info(compiled.report())
        self.call_hook("after_run")
        self.logger.info(self._summary(time.time() - started))
        return model

    def val(self) -> dict:
        """Validate once; return the metrics."""
        if self._val_loop is None:
            raise RuntimeError(
                "Runner.val() needs val_dataloader, val_cfg and val_evaluator; this runner "
                "was built without them"
            )
        self._val_loop = self.build_val_loop(self._val_loop)
        self.call_hook("before_run")
        self.load_or_resume()
        metrics = self._val_loop.run()
        self.call_hook("after_run")
        return metrics

    def test(self) -> dict:
        """Test once; return the metrics."""
        if self._test_loop is None:
            raise RuntimeError(
                "Runner.test() needs test_dataloader, test_cfg and test_evaluator; this runner "
                "was built without them"
            )
        self._test_loop = self.build_test_loop(self._test_loop)
        self.call_hook("before_run")
        self.load_or_resume()
        metrics = self._test_loop.run()
        self.call_hook("after_run")
        return metrics

    def _init_model_weights(self) -> None:
        model = self.model.module if is_model_wrapper(self.model) else self.model
        init = getattr(model, "init_weights", None)
        if callable(init) and self._load_from is None and not self._resume:
            init()

    def _maybe_compile(self, target: str) -> None:
        """Compile the model's forward as ``cfg.compile`` says (RUN-27, see compiling.py);
        ``train_step``/``val_step``/``test_step`` stay Python."""
        from mme.runner.compiling import compile_model

        model = self.model.module if is_model_wrapper(self.model) else self.model
        self._compiled = compile_model(model, self.cfg.get("compile"), self.logger)

    def _preflight_save_best(self) -> None:
        """Check that ``save_best`` metrics exist by evaluating one validation batch."""
        from mme.runner.hooks.checkpoint_hook import CheckpointHook

        hooks = [h for h in self._hooks if isinstance(h, CheckpointHook)]
        names = [k for h in hooks for k in h.key_indicators if k != "auto"]
        if not names or self._checkpoint_hook_preflight_done:
            return
        self._checkpoint_hook_preflight_done = True
        loop = self._val_loop
        batch = next(iter(loop.dataloader))  # type: ignore[union-attr]
        self.model.eval()
        with torch.no_grad():
            outputs = self.model.val_step(batch)
        loop.evaluator.process(data_samples=outputs, data_batch=batch)  # type: ignore[union-attr]
        metrics = loop.evaluator.evaluate(len(loop.dataloader.dataset))  # type: ignore[union-attr]
        for hook in hooks:
            hook.check_save_best(list(metrics))

    # -------------------------------------------------------------- checkpoints
    def load_or_resume(self) -> None:
        """Resume or load weights as ``resume`` / ``load_from`` say (RUN-22), once."""
        if self._has_loaded:
            return
        resume_from = None
        if self._resume and self._load_from is None:
            if checkpoint_recovery.resume_latest(self) is not None:  # skips corrupt files
                self._has_loaded = True
                return
            if resume_from is None:
                self.logger.info(
                    f"resume=True but {self._work_dir} has no checkpoint: training from scratch"
                )
        elif self._resume:
            resume_from = self._load_from
        if resume_from is not None:
            self.resume(resume_from)
        elif self._load_from is not None:
            self.load_checkpoint(self._load_from)
        self._has_loaded = True

    def load_checkpoint(
        self,
        filename: str,
        map_location: str | torch.device = "cpu",
        strict: bool = False,
        revise_keys: Sequence[tuple[str, str]] = ((r"^module\.", ""),),
        weights_only: bool = True,
    ) -> dict:
        """Load the weights of ``filename`` into the model; return the checkpoint."""
        try:
            checkpoint = _load_checkpoint(
                filename, map_location=map_location, weights_only=weights_only
            )
        except UnsafeCheckpointError:  # e.g. MMEngine's: weights and meta, safely
            checkpoint = checkpoint_compat.load_foreign_checkpoint(
                filename, map_location, logger=self.logger
            )
        state_dict = revise_state_dict(checkpoint.get("state_dict", checkpoint), revise_keys)
        try:
            load_state_dict(self.model, state_dict, strict=strict, logger=self.logger)
        except CheckpointError as error:
            raise CheckpointError(
                f"checkpoint {filename!r} does not fit the model: {error}"
            ) from None
        self.call_hook("after_load_checkpoint", checkpoint=checkpoint)
        self.logger.info(f"Load checkpoint from {filename}")
        return checkpoint

    def resume(
        self,
        filename: str,
        resume_optimizer: bool = True,
        resume_param_scheduler: bool = True,
        map_location: str | torch.device = "cpu",
        weights_only: bool = True,
    ) -> None:
        """Restore weights, optimizer, schedulers, counters and logs from ``filename``."""
        checkpoint = self.load_checkpoint(
            filename, map_location=map_location, weights_only=weights_only, strict=True
        )
        meta = checkpoint.get("meta", {})
        loop = self.train_loop
        loop._epoch = int(meta.get("epoch", 0))
        loop._iter = int(meta.get("iter", 0))
        if isinstance(loop, IterBasedTrainLoop):
            loop._epoch = 0
        seed = meta.get("seed")
        if seed is not None and seed != self._seed:
            self.logger.warning(
                f"The seed {self._seed} is replaced by the checkpoint's seed {seed}"
            )
            self._seed = environment.set_random_seed(
                seed, bool(self._randomness_cfg.get("deterministic", False))
            )
        if "message_hub" in checkpoint:
            resume_state.load_hub_state(self.message_hub, checkpoint["message_hub"])
        if resume_optimizer and "optimizer" in checkpoint:
            self.optim_wrapper = self.build_optim_wrapper(self.optim_wrapper)
            resume_state.load_optimizer(self.optim_wrapper, checkpoint["optimizer"], filename)
        if (
            resume_param_scheduler
            and self.param_schedulers is not None
            and "param_schedulers" in checkpoint
        ):
            self.param_schedulers = self.build_param_scheduler(self.param_schedulers)
            saved = checkpoint["param_schedulers"]
            if isinstance(self.param_schedulers, dict):
                for name, schedulers in self.param_schedulers.items():
                    for scheduler, state in zip(schedulers, saved[name], strict=False):
                        scheduler.load_state_dict(state)
            else:
                for scheduler, state in zip(self.param_schedulers, saved, strict=False):
                    scheduler.load_state_dict(state)
        resume_state.restore(self, checkpoint, filename)
        self._has_loaded = True
        self.logger.info(f"resumed epoch: {self.epoch}, iter: {self.iter}")

    def save_checkpoint(
        self,
        out_dir: str,
        filename: str,
        file_client_args: dict | None = None,
        save_optimizer: bool = True,
        save_param_scheduler: bool = True,
        meta: dict | None = None,
        by_epoch: bool = True,
        backend_args: dict | None = None,
    ) -> None:
        """Save weights (and optimizer, schedulers, message hub) to ``out_dir/filename``."""
        from mme.fileio import join_path
        from mme.runner import __version__

        meta = dict(meta or {})
        if by_epoch:
            meta.setdefault("epoch", self.epoch + 1)
            meta.setdefault("iter", self.iter)
        else:
            meta.setdefault("epoch", self.epoch)
            meta.setdefault("iter", self.iter + 1)
        meta.update(
            cfg=self.cfg.pretty_text if self.cfg.to_dict() else "",
            seed=self._seed,
            experiment_name=self._experiment_name,
            time=time.strftime("%Y%m%d_%H%M%S", time.localtime()),
            mme_version=__version__,
        )
        dataset_meta = getattr(getattr(self.train_dataloader, "dataset", None), "metainfo", None)
        if isinstance(dataset_meta, dict):
            try:
                check_plain(dict(dataset_meta))
                meta["dataset_meta"] = dict(dataset_meta)
            except Exception:
                self.logger.debug(
                    "dataset_meta holds non-plain values; not saved in the checkpoint"
                )
        model = self.model.module if is_model_wrapper(self.model) else self.model
        checkpoint: dict[str, Any] = {
            "meta": meta,
            "state_dict": weights_to_cpu(get_state_dict(model)),
            "message_hub": resume_state.hub_state(self.message_hub),
        }
        if save_optimizer:
            checkpoint["optimizer"] = self.optim_wrapper.state_dict()
        if save_param_scheduler and self.param_schedulers is not None:
            if isinstance(self.param_schedulers, dict):
                checkpoint["param_schedulers"] = {
                    name: [s.state_dict() for s in group]
                    for name, group in self.param_schedulers.items()
                }
            else:
                checkpoint["param_schedulers"] = [s.state_dict() for s in self.param_schedulers]
        checkpoint["resume_state"] = resume_state.capture(self, meta)
        self.call_hook("before_save_checkpoint", checkpoint=checkpoint)
        if is_main_process():
            path = join_path(out_dir, filename, backend_args=backend_args or file_client_args)
            writer = getattr(self, "checkpoint_writer", None)  # CheckpointHook(async_save=True)
            write = write_checkpoint if writer is None else writer.submit
            write(checkpoint, path, backend_args=backend_args or file_client_args)

    def dump_config(self) -> None:
        """Write the config into the run folder (and the visualizer's backends)."""
        if not self.cfg.to_dict() or not is_main_process():
            return
        name = os.path.basename(self.cfg.filename) if self.cfg.filename else f"{self._timestamp}.py"
        self.cfg.dump(os.path.join(self._log_dir, name))
        self.visualizer.add_config(self.cfg)

    def _summary(self, seconds: float) -> str:
        from mme.runner.hooks.checkpoint_hook import CheckpointHook

        lines = [
            "",
            "=" * 60,
            f"Training finished in {_duration(seconds)} "
            f"({self.epoch} epochs, {self.iter} iterations).",
        ]
        for hook in self._hooks:
            if isinstance(hook, CheckpointHook):
                for key, score in hook.best_score.items():
                    lines.append(f"Best {key}: {score:.4f}  ->  {hook.best_ckpt_path.get(key)}")
                if hook.last_ckpt:
                    lines.append(f"Last checkpoint: {hook.last_ckpt}")
        lines.append(f"Work dir: {self._work_dir}")
        log_file = getattr(self.logger, "log_file", None)
        if log_file:
            lines.append(f"Log: {log_file}")
        lines.append(f"Scalars: {os.path.join(self._log_dir, 'vis_data', 'scalars.json')}")
        lines.append("=" * 60)
        return "\n".join(lines)


def _build_loop(loop_cls: type, cfg: dict, where: str, **args: Any) -> BaseLoop:
    import inspect

    known = list(inspect.signature(loop_cls).parameters)
    for key in cfg:
        if key not in known:
            raise TypeError(
                f"{where}: {loop_cls.__name__} has no argument {key!r}."
                f"{did_you_mean(key, known)} (it takes "
                f"{', '.join(k for k in known if k not in args)})"
            )
    return loop_cls(**cfg, **args)


def _init_parameters() -> list[str]:
    import inspect

    return [p for p in inspect.signature(Runner.__init__).parameters if p != "self"]


def _device() -> torch.device:
    if torch.cuda.is_available():
        from mme.dist import get_local_rank

        return torch.device("cuda", get_local_rank() % torch.cuda.device_count())
    return torch.device("cpu")


def _is_terminal() -> bool:
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(callable(isatty) and isatty()) and os.environ.get("TERM") != "dumb"


def _priority_name(priority: int | str) -> str:
    from mme.runner.priority import Priority

    number = get_priority(priority)
    for item in Priority:
        if item.value == number:
            return item.name
    return str(number)


def _duration(seconds: float) -> str:
    import datetime

    return str(datetime.timedelta(seconds=int(seconds)))


from mme.runner.hooks.hook import MOUNT_POINTS as _MOUNT_POINTS  # noqa: E402

_MOUNT_SET = frozenset(_MOUNT_POINTS)


def build_runner(cfg: Config | dict) -> Runner:
    """The runner of ``cfg``: ``runner_type`` names a registered Runner class (RUN-07)."""
    runner_type = cfg.get("runner_type")
    if runner_type is None:
        return Runner.from_cfg(cfg)
    cls = RUNNERS.get(runner_type) if isinstance(runner_type, str) else runner_type
    if cls is None:
        raise KeyError(f"runner_type={runner_type!r} is not registered in RUNNERS")
    return cls.from_cfg(cfg)
