"""The root registries of mme, the tops of every registry tree.

Each lists as ``locations`` the mme package that registers its built-ins, so that
``OPTIMIZERS.build(dict(type='SGD', ...))`` imports ``mme.optim`` on first use, and,
if mme-optim is not installed, says ``pip install mme-optim``. Downstream packages
hang their own registries below these (``Registry('model', parent=MODELS,
scope='mmdet')``).
"""

from __future__ import annotations

from mme.registry.registry import Registry

_RUNNER = ["mme.runner"]
_OPTIM = ["mme.optim"]
_DATASET = ["mme.dataset"]

#: Runners (``runner_type='CustomRunner'``).
RUNNERS = Registry("runner", scope="mme", locations=_RUNNER)
#: Functions that build a runner from a config.
RUNNER_CONSTRUCTORS = Registry("runner constructor", scope="mme", locations=_RUNNER)
#: Training, validation and test loops (``EpochBasedTrainLoop``...).
LOOPS = Registry("loop", scope="mme", locations=_RUNNER)
#: Hooks (``CheckpointHook``, ``ParamSchedulerHook``...).
HOOKS = Registry("hook", scope="mme", locations=_RUNNER)
#: Training strategies (single device, DDP, FSDP...).
STRATEGIES = Registry("strategy", scope="mme", locations=_RUNNER)
#: Datasets.
DATASETS = Registry("dataset", scope="mme", locations=_DATASET)
#: Samplers of data loaders (``DefaultSampler``, ``InfiniteSampler``).
DATA_SAMPLERS = Registry("data sampler", scope="mme", locations=_DATASET)
#: Data transforms of pipelines.
TRANSFORMS = Registry("transform", scope="mme", locations=_DATASET)
#: Models and their modules.
MODELS = Registry("model", scope="mme", locations=["mme.runner.model"])
#: Model wrappers for distributed training (``MMDistributedDataParallel``...).
MODEL_WRAPPERS = Registry("model_wrapper", scope="mme", locations=["mme.runner.model"])
#: Weight initialisers (``init_cfg`` types).
WEIGHT_INITIALIZERS = Registry("weight initializer", scope="mme", locations=["mme.runner.model"])
#: Optimizers: every ``torch.optim`` optimizer and custom ones.
OPTIMIZERS = Registry("optimizer", scope="mme", locations=_OPTIM)
#: Optimizer wrappers (``OptimWrapper``, ``AmpOptimWrapper``).
OPTIM_WRAPPERS = Registry("optim_wrapper", scope="mme", locations=_OPTIM)
#: Constructors of optimizer wrappers (``paramwise_cfg`` handling).
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    "optimizer wrapper constructor", scope="mme", locations=_OPTIM
)
#: Parameter schedulers (``MultiStepLR``...).
PARAM_SCHEDULERS = Registry("parameter scheduler", scope="mme", locations=_OPTIM)
#: Evaluation metrics.
METRICS = Registry("metric", scope="mme", locations=["mme.runner.evaluator"])
#: Evaluators (one or more metrics).
EVALUATOR = Registry("evaluator", scope="mme", locations=["mme.runner.evaluator"])
#: Task-specific components (anchor generators, box coders...).
TASK_UTILS = Registry("task util", scope="mme", locations=_RUNNER)
#: Visualizers.
VISUALIZERS = Registry("visualizer", scope="mme", locations=_RUNNER)
#: Visualization backends (``LocalVisBackend``, ``TensorboardVisBackend``...).
VISBACKENDS = Registry("vis_backend", scope="mme", locations=_RUNNER)
#: Log processors.
LOG_PROCESSORS = Registry("log_processor", scope="mme", locations=_RUNNER)
#: Inferencers.
INFERENCERS = Registry("inferencer", scope="mme", locations=_RUNNER)
#: Functions, such as the collate functions of data loaders.
FUNCTIONS = Registry("function", scope="mme", locations=_DATASET)

#: Every root registry by its Python name, in the order of the documentation.
ROOT_REGISTRIES: dict[str, Registry] = {
    "RUNNERS": RUNNERS,
    "RUNNER_CONSTRUCTORS": RUNNER_CONSTRUCTORS,
    "LOOPS": LOOPS,
    "HOOKS": HOOKS,
    "STRATEGIES": STRATEGIES,
    "DATASETS": DATASETS,
    "DATA_SAMPLERS": DATA_SAMPLERS,
    "TRANSFORMS": TRANSFORMS,
    "MODELS": MODELS,
    "MODEL_WRAPPERS": MODEL_WRAPPERS,
    "WEIGHT_INITIALIZERS": WEIGHT_INITIALIZERS,
    "OPTIMIZERS": OPTIMIZERS,
    "OPTIM_WRAPPERS": OPTIM_WRAPPERS,
    "OPTIM_WRAPPER_CONSTRUCTORS": OPTIM_WRAPPER_CONSTRUCTORS,
    "PARAM_SCHEDULERS": PARAM_SCHEDULERS,
    "METRICS": METRICS,
    "EVALUATOR": EVALUATOR,
    "TASK_UTILS": TASK_UTILS,
    "VISUALIZERS": VISUALIZERS,
    "VISBACKENDS": VISBACKENDS,
    "LOG_PROCESSORS": LOG_PROCESSORS,
    "INFERENCERS": INFERENCERS,
    "FUNCTIONS": FUNCTIONS,
}
