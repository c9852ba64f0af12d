"""Models (``mmengine.model``): BaseModel, data preprocessors, weight init, model wrappers.

``BaseModel`` gives a model ``train_step``/``val_step``/``test_step`` around its ``forward``;
``BaseDataPreprocessor``/``ImgDataPreprocessor`` move and normalise batches; ``BaseModule``
and the initializers of ``WEIGHT_INITIALIZERS`` initialise weights from ``init_cfg``;
``MMDistributedDataParallel`` keeps the step API under DDP.
"""

from mme.runner.model.averaged_model import (
    BaseAveragedModel,
    ExponentialMovingAverage,
    MomentumAnnealingEMA,
    StochasticWeightAverage,
)
from mme.runner.model.base_model import BaseModel
from mme.runner.model.base_module import BaseModule, ModuleDict, ModuleList, Sequential
from mme.runner.model.data_preprocessor import BaseDataPreprocessor, ImgDataPreprocessor
from mme.runner.model.fsdp import MMFullyShardedDataParallel
from mme.runner.model.losses import (
    NONFINITE_POLICIES,
    NonFiniteLossError,
    parse_losses,
    update_if_finite,
)
from mme.runner.model.separate_ddp import (
    MMSeparateDistributedDataParallel,
    convert_sync_batchnorm,
    revert_sync_batchnorm,
)
from mme.runner.model.tta import BaseTTAModel, tta_config
from mme.runner.model.utils import detect_anomalous_params, merge_dict, stack_batch
from mme.runner.model.weight_init import (
    BaseInit,
    Caffe2XavierInit,
    ConstantInit,
    KaimingInit,
    NormalInit,
    PretrainedInit,
    TruncNormalInit,
    UniformInit,
    XavierInit,
    bias_init_with_prob,
    caffe2_xavier_init,
    constant_init,
    initialize,
    kaiming_init,
    normal_init,
    trunc_normal_init,
    uniform_init,
    update_init_info,
    xavier_init,
)
from mme.runner.model.wrappers import MMDistributedDataParallel, is_model_wrapper

__all__ = [
    "NONFINITE_POLICIES",
    "BaseAveragedModel",
    "BaseDataPreprocessor",
    "BaseInit",
    "BaseModel",
    "BaseModule",
    "BaseTTAModel",
    "Caffe2XavierInit",
    "ConstantInit",
    "ExponentialMovingAverage",
    "ImgDataPreprocessor",
    "KaimingInit",
    "MMDistributedDataParallel",
    "MMFullyShardedDataParallel",
    "MMSeparateDistributedDataParallel",
    "ModuleDict",
    "ModuleList",
    "MomentumAnnealingEMA",
    "NonFiniteLossError",
    "NormalInit",
    "PretrainedInit",
    "Sequential",
    "StochasticWeightAverage",
    "TruncNormalInit",
    "UniformInit",
    "XavierInit",
    "bias_init_with_prob",
    "caffe2_xavier_init",
    "constant_init",
    "convert_sync_batchnorm",
    "detect_anomalous_params",
    "initialize",
    "is_model_wrapper",
    "kaiming_init",
    "merge_dict",
    "normal_init",
    "parse_losses",
    "revert_sync_batchnorm",
    "stack_batch",
    "trunc_normal_init",
    "tta_config",
    "uniform_init",
    "update_if_finite",
    "update_init_info",
    "xavier_init",
]
