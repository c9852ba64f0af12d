"""Config dict -> component: dataloaders, evaluators, optimizer wrappers, schedulers, hooks.

Each function accepts a built object (returned unchanged) or its config. The errors name the
config key at fault and, where one is close, the key that was meant.
"""

from __future__ import annotations

import copy
import inspect
import logging
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import torch
from torch.utils.data import DataLoader

from mme.registry import DATA_SAMPLERS, DATASETS, EVALUATOR, FUNCTIONS, HOOKS
from mme.runner._suggest import close_matches, did_you_mean
from mme.runner.hooks.hook import Hook

if TYPE_CHECKING:
    from mme.runner.runner import Runner

_logger = logging.getLogger("mme.runner")

#: The keys a runner config may hold besides the Runner's arguments.
EXTRA_CONFIG_KEYS = (
    "runner_type",
    "compile",
    "model_wrapper_cfg",
    "custom_imports",
    "find_unused_parameters",
    "sync_bn",
    "activation_checkpointing",
    "efficient_conv_bn_eval",
    "strategy",
    "tta_model",
    "tta_pipeline",
    "_base_",
)

DEFAULT_HOOKS: dict[str, dict[str, Any]] = {
    "runtime_info": dict(type="RuntimeInfoHook"),
    "timer": dict(type="IterTimerHook"),
    "sampler_seed": dict(type="DistSamplerSeedHook"),
    "logger": dict(type="LoggerHook"),
    "param_scheduler": dict(type="ParamSchedulerHook"),
    "checkpoint": dict(type="CheckpointHook", interval=1),
}

_DATALOADER_ARGS = tuple(inspect.signature(DataLoader.__init__).parameters)[1:]


def check_config_keys(keys: Sequence[str], known: Sequence[str], where: str) -> None:
    """Reject keys that look like typos of known keys (``trian_cfg`` for ``train_cfg``).

    Other unknown keys are left alone: configs hold helper variables (``data_root``...).
    """
    for key in keys:
        if key in known or key.startswith("_"):
            continue
        if close_matches(key, known, n=1, cutoff=0.8):
            raise ValueError(
                f"{where}: unknown key {key!r}, which the Runner would ignore."
                f"{did_you_mean(key, known, n=1, cutoff=0.8)}"
            )


# -------------------------------------------------------------------------- data
def build_dataloader(
    dataloader: DataLoader | Mapping[str, Any],
    seed: int | None = None,
    diff_rank_seed: bool = False,
) -> DataLoader:
    """Build a DataLoader from ``dict(dataset=..., sampler=..., batch_size=..., ...)``.

    ``dataset`` and ``sampler`` may be configs (built from ``DATASETS`` / ``DATA_SAMPLERS``,
    the sampler getting the dataset and ``seed``) or objects; ``collate_fn`` defaults to
    ``dict(type='pseudo_collate')``; worker processes are seeded from ``seed``. The other keys
    are DataLoader arguments.
    """
    if isinstance(dataloader, DataLoader):
        return dataloader
    if not isinstance(dataloader, Mapping):
        raise TypeError(
            "a dataloader must be a torch DataLoader or a config dict, got "
            f"{type(dataloader).__name__}"
        )
    from mme.dist import get_rank

    # Copy the configs, not the objects in them (a dataset held in memory stays shared).
    cfg = {k: copy.deepcopy(v) if isinstance(v, Mapping) else v for k, v in dataloader.items()}
    if "dataset" not in cfg:
        raise KeyError("dataloader config has no 'dataset' (a dataset or its config)")
    dataset = cfg.pop("dataset")
    if isinstance(dataset, Mapping):
        dataset = DATASETS.build(dataset)
        if hasattr(dataset, "full_init"):
            dataset.full_init()
    if "sampler" not in cfg:
        raise KeyError(
            "dataloader config has no 'sampler'; add e.g. "
            "sampler=dict(type='DefaultSampler', shuffle=True)"
        )
    sampler = cfg.pop("sampler")
    if isinstance(sampler, Mapping):
        sampler_seed = None if diff_rank_seed else seed
        sampler = DATA_SAMPLERS.build(
            sampler, default_args=dict(dataset=dataset, seed=sampler_seed)
        )
    if seed is not None and cfg.get("num_workers", 0):
        # Workers start afresh after a resume: seed their batches. The main process needs
        # nothing, the checkpoint restores its random states (resume_state.py).
        from mme.runner.sample_seeding import seeded

        # One seed per batch when the DataLoader batches the sampler's indices itself.
        batch_size = cfg.get("batch_size", 1) if cfg.get("batch_sampler") is None else None
        per_batch = batch_size if isinstance(batch_size, int) and batch_size > 0 else 1
        dataset, sampler = seeded(dataset, sampler, seed, per_batch)  # survives a resume
    batch_sampler = cfg.pop("batch_sampler", None)
    if isinstance(batch_sampler, Mapping):
        batch_sampler = DATA_SAMPLERS.build(
            batch_sampler, default_args=dict(sampler=sampler, batch_size=cfg.pop("batch_size", 1))
        )
    init_fn = _worker_init_fn(cfg, seed, get_rank())
    collate = cfg.pop("collate_fn", dict(type="pseudo_collate"))
    if isinstance(collate, Mapping):
        collate = dict(collate)
        kind = collate.pop("type")
        function = FUNCTIONS.get(kind) if isinstance(kind, str) else kind
        collate = partial(function, **collate) if collate else function
    elif not callable(collate):
        raise TypeError(f"dataloader collate_fn must be a config or a function, got {collate!r}")
    for key in cfg:
        if key not in _DATALOADER_ARGS:
            raise TypeError(
                f"dataloader config: unknown key {key!r}.{did_you_mean(key, _DATALOADER_ARGS)} "
                "(keys besides dataset/sampler/batch_sampler/collate_fn/worker_init_fn are "
                "torch DataLoader arguments)"
            )
    options: dict[str, Any] = cfg
    if seed is not None and options.get("generator") is None:
        # Iterators draw their base seed from here, not from the training's random stream.
        options["generator"] = torch.Generator().manual_seed(seed)
    return DataLoader(
        dataset=dataset,
        sampler=sampler if batch_sampler is None else None,
        batch_sampler=batch_sampler,
        collate_fn=collate,
        worker_init_fn=init_fn,
        **options,
    )


def _worker_init_fn(cfg: dict[str, Any], seed: int | None, rank: int) -> Callable | None:
    given = cfg.pop("worker_init_fn", None)
    quiet = cfg.pop("disable_subprocess_warning", False)
    if isinstance(given, Mapping):
        given = dict(given)
        kind = given.pop("type")
        function = FUNCTIONS.get(kind) if isinstance(kind, str) else kind
        return partial(function, **given)
    if given is not None:
        return given
    if seed is None:
        return None
    from mme.dataset import worker_init_fn

    return partial(
        worker_init_fn,
        num_workers=cfg.get("num_workers", 0),
        rank=rank,
        seed=seed,
        disable_subprocess_warning=quiet,
    )


# --------------------------------------------------------------------- evaluator
def build_evaluator(evaluator: Any) -> Any:
    """An ``Evaluator`` from a metric config, a list of them, or an evaluator config."""
    from mme.runner.evaluator import Evaluator

    if isinstance(evaluator, Evaluator):
        return evaluator
    if isinstance(evaluator, Mapping):
        if "metrics" in evaluator:
            cfg = dict(evaluator)
            cfg.setdefault("type", "Evaluator")
            return EVALUATOR.build(cfg)
        return Evaluator(dict(evaluator))
    if isinstance(evaluator, list | tuple):
        return Evaluator(list(evaluator))
    raise TypeError(
        "an evaluator must be an Evaluator, a metric config dict or a list of them, got "
        f"{type(evaluator).__name__}"
    )


# --------------------------------------------------------------------- optimizer
def build_optim_wrapper(optim_wrapper: Any, model: Any) -> Any:
    """An ``OptimWrapper`` (or ``OptimWrapperDict``) from its config, for ``model``."""
    import torch

    from mme.optim import OptimWrapper, OptimWrapperDict
    from mme.optim import build_optim_wrapper as build

    if isinstance(optim_wrapper, OptimWrapper | OptimWrapperDict):
        return optim_wrapper
    if isinstance(optim_wrapper, torch.optim.Optimizer):
        raise TypeError(
            "optim_wrapper must be an OptimWrapper or its config, got a torch optimizer; use "
            "optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)) or "
            "OptimWrapper(optimizer=your_optimizer)"
        )
    if not isinstance(optim_wrapper, Mapping):
        raise TypeError(f"optim_wrapper must be an OptimWrapper or a dict, got {optim_wrapper!r}")
    cfg = dict(optim_wrapper)
    if "optimizer" in cfg or "constructor" in cfg or "type" in cfg:
        return build(model, cfg)
    wrappers = {}
    for name, sub in cfg.items():
        if not isinstance(sub, Mapping):
            raise TypeError(
                f"optim_wrapper: {name!r} is neither a wrapper config nor an optimizer key; "
                "use optim_wrapper=dict(optimizer=dict(type=..., lr=...))"
            )
        wrappers[name] = build(model, dict(sub))
    return OptimWrapperDict(**wrappers)


def build_param_scheduler(scheduler: Any, runner: Runner) -> Any:
    """Parameter schedulers: a list, or a dict of lists for an ``OptimWrapperDict``.

    ``epoch_length`` (for ``convert_to_iter_based``) is the length of the training dataloader.
    """
    from mme.optim import build_param_schedulers

    return build_param_schedulers(
        scheduler, runner.optim_wrapper, epoch_length=len(runner.train_dataloader)
    )


# ------------------------------------------------------------------------ hooks
def build_hook(hook: Hook | Mapping[str, Any], priority: int | str | None = None) -> Hook:
    """A hook from its config; a ``priority`` key of the config sets its priority."""
    if isinstance(hook, Hook):
        built = hook
    elif isinstance(hook, Mapping):
        cfg = dict(hook)
        priority = cfg.pop("priority", priority)
        built = HOOKS.build(cfg)
    else:
        raise TypeError(f"a hook must be a Hook or a config dict, got {type(hook).__name__}")
    if not isinstance(built, Hook):
        raise TypeError(f"{type(built).__name__} is not a Hook (subclass mme.runner.hooks.Hook)")
    if priority is not None:
        built.priority = priority
    return built


def merged_default_hooks(given: Mapping[str, Any] | None) -> list[Any]:
    """The default hooks with ``given`` applied: a config replaces one, None removes it.

    A config without ``type`` for a default hook keeps the default type (and its arguments).
    """
    hooks: dict[str, Any] = {name: dict(cfg) for name, cfg in DEFAULT_HOOKS.items()}
    for name, cfg in (given or {}).items():
        if cfg is None:
            hooks.pop(name, None)
        elif isinstance(cfg, Mapping) and "type" not in cfg and name in DEFAULT_HOOKS:
            hooks[name] = {**DEFAULT_HOOKS[name], **cfg}
        elif isinstance(cfg, Mapping) and "type" not in cfg:
            raise KeyError(
                f"default_hooks[{name!r}] has no 'type' and is not one of the default hooks "
                f"({', '.join(DEFAULT_HOOKS)}).{did_you_mean(name, DEFAULT_HOOKS)}"
            )
        else:
            hooks[name] = cfg
    return list(hooks.values())
