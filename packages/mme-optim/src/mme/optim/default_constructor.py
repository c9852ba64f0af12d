"""DefaultOptimWrapperConstructor: an optimizer wrapper from a config, with per-parameter
options (OPT-11..OPT-14).

``paramwise_cfg`` sets the learning rate and weight decay of groups of parameters:
``custom_keys`` by parameter name (the longest matching key wins), and multipliers for
biases, normalization layers, depth-wise convolutions, 1-D parameters and deformable
convolution offsets. Each option applied to a parameter is logged as
``paramwise_options -- <name>:<key>=<value>``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from typing import Any

from torch import nn
from torch.optim import Optimizer

from mme.logging import print_log
from mme.optim._suggest import close_matches, did_you_mean
from mme.optim.optim_wrapper import OptimWrapper
from mme.registry import MODEL_WRAPPERS, OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS

#: The keys of ``paramwise_cfg`` the default constructor understands.
PARAMWISE_KEYS = (
    "custom_keys",
    "bias_lr_mult",
    "bias_decay_mult",
    "norm_decay_mult",
    "flat_decay_mult",
    "dwconv_decay_mult",
    "dcn_offset_lr_mult",
    "bypass_duplicate",
)
_DECAY_KEYS = ("bias_decay_mult", "norm_decay_mult", "dwconv_decay_mult", "flat_decay_mult")
_NORM_TYPES: tuple[type[nn.Module], ...] = (
    nn.modules.batchnorm._BatchNorm,
    nn.modules.instancenorm._InstanceNorm,
    nn.GroupNorm,
    nn.LayerNorm,
    nn.LocalResponseNorm,
    *((nn.RMSNorm,) if hasattr(nn, "RMSNorm") else ()),
)
#: Deformable convolutions (mmcv, torchvision), recognised by class name so that
#: neither package is needed.
_DCN_NAMES = frozenset(
    {"DeformConv2d", "ModulatedDeformConv2d", "DeformConv2dPack", "ModulatedDeformConv2dPack"}
)


def _unwrap(model: nn.Module) -> nn.Module:
    """The model inside DDP, DataParallel or a class registered in ``MODEL_WRAPPERS``.

    Only real wrappers are unwrapped: a model that merely has a child called ``module``
    keeps its parameter names.
    """
    wrappers: tuple[type, ...] = (nn.parallel.DistributedDataParallel, nn.DataParallel)
    wrappers += tuple(c for c in MODEL_WRAPPERS.module_dict.values() if isinstance(c, type))
    if isinstance(model, wrappers) and isinstance(getattr(model, "module", None), nn.Module):
        return model.module  # type: ignore[return-value]
    return model


def _optimizer_class(type_: Any) -> Any:
    if isinstance(type_, str):
        return OPTIMIZERS.get(type_)
    return type_


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class DefaultOptimWrapperConstructor:
    """Builds an optimizer wrapper for a model from ``optim_wrapper_cfg``.

    Args:
        optim_wrapper_cfg: The wrapper's config: ``optimizer`` (a config dict or an
            optimizer already built), ``type`` (default ``'OptimWrapper'``) and the
            wrapper's own arguments.
        paramwise_cfg: Per-parameter options: ``custom_keys`` (name substring ->
            ``dict(lr_mult=..., decay_mult=..., <other group keys>)``, the longest
            matching key wins), ``bias_lr_mult``, ``bias_decay_mult``,
            ``norm_decay_mult``, ``flat_decay_mult``, ``dwconv_decay_mult``,
            ``dcn_offset_lr_mult``, ``bypass_duplicate``.

    Subclasses override ``add_params`` to set the param groups their own way;
    ``self.base_lr`` and ``self.base_wd`` are the optimizer's ``lr`` and
    ``weight_decay``.
    """

    def __init__(
        self, optim_wrapper_cfg: Mapping[str, Any], paramwise_cfg: Mapping[str, Any] | None = None
    ) -> None:
        if not isinstance(optim_wrapper_cfg, Mapping):
            raise TypeError(
                "optim_wrapper must be a dict such as dict(optimizer=dict(type='SGD', "
                f"lr=0.01)), got {type(optim_wrapper_cfg).__name__}"
            )
        if "optimizer" not in optim_wrapper_cfg:
            raise KeyError(
                "optim_wrapper has no 'optimizer' key (its keys: "
                f"{', '.join(map(repr, optim_wrapper_cfg)) or 'none'}); write "
                "optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01))"
            )
        self.optim_wrapper_cfg = dict(optim_wrapper_cfg)
        self.optimizer_cfg = self.optim_wrapper_cfg.pop("optimizer")
        self.paramwise_cfg: dict[str, Any] = {} if paramwise_cfg is None else dict(paramwise_cfg)
        if isinstance(self.optimizer_cfg, Optimizer):
            self.base_lr = self.optimizer_cfg.defaults.get("lr")
            self.base_wd = self.optimizer_cfg.defaults.get("weight_decay")
        elif isinstance(self.optimizer_cfg, Mapping):
            self.optimizer_cfg = dict(self.optimizer_cfg)
            self.base_lr = self.optimizer_cfg.get("lr")
            self.base_wd = self.optimizer_cfg.get("weight_decay")
        else:
            raise TypeError(
                "optim_wrapper.optimizer must be a config dict such as dict(type='SGD', "
                f"lr=0.01) or a built torch.optim.Optimizer, got "
                f"{type(self.optimizer_cfg).__name__}"
            )
        self._validate_custom_keys()
        self._param_ids: set[int] = set()
        self._custom_key_hits: set[str] = set()

    def _validate_custom_keys(self) -> None:
        custom_keys = self.paramwise_cfg.get("custom_keys", {})
        if not isinstance(custom_keys, Mapping):
            raise TypeError(
                "paramwise_cfg.custom_keys must be a dict of name -> dict(lr_mult=..., "
                f"decay_mult=...), got {type(custom_keys).__name__}"
            )
        for key, options in custom_keys.items():
            if not isinstance(options, Mapping):
                raise TypeError(
                    f"paramwise_cfg.custom_keys[{key!r}] must be a dict such as "
                    f"dict(lr_mult=0.1), got {type(options).__name__}: {options!r}"
                )
            if "lr_mult" in options and self.base_lr is None:
                raise ValueError(
                    f"paramwise_cfg.custom_keys[{key!r}] sets lr_mult but the optimizer "
                    "config has no 'lr' to multiply"
                )
            if "decay_mult" in options and self.base_wd is None:
                raise ValueError(
                    f"paramwise_cfg.custom_keys[{key!r}] sets decay_mult but the optimizer "
                    "config has no 'weight_decay' to multiply"
                )
        for key in _DECAY_KEYS:
            if self.paramwise_cfg.get(key) is not None and self.base_wd is None:
                raise ValueError(
                    f"paramwise_cfg.{key} is set but the optimizer config has no "
                    "'weight_decay' to multiply"
                )

    def _check_paramwise_keys(self) -> None:
        for key in self.paramwise_cfg:
            if key not in PARAMWISE_KEYS:
                raise KeyError(
                    f"paramwise_cfg key {key!r} is not an option of "
                    f"{type(self).__name__}.{did_you_mean(key, PARAMWISE_KEYS)} Options: "
                    f"{', '.join(PARAMWISE_KEYS)}"
                )

    # ------------------------------------------------------------------ build
    def __call__(self, model: nn.Module) -> OptimWrapper:
        """Build the optimizer for ``model``'s parameters and wrap it."""
        model = _unwrap(model)
        wrapper_cfg = dict(self.optim_wrapper_cfg)
        wrapper_cfg.setdefault("type", "OptimWrapper")
        if isinstance(self.optimizer_cfg, Optimizer):
            if self.paramwise_cfg:
                raise ValueError(
                    "paramwise_cfg cannot be applied to an optimizer that is already built; "
                    "give optim_wrapper.optimizer as a config dict instead"
                )
            optimizer = self.optimizer_cfg
        else:
            optimizer = self._build_optimizer(model)
        return OPTIM_WRAPPERS.build(wrapper_cfg, default_args={"optimizer": optimizer})

    def _build_optimizer(self, model: nn.Module) -> Optimizer:
        optimizer_cfg = dict(self.optimizer_cfg)
        if "type" not in optimizer_cfg:
            raise KeyError(
                "optim_wrapper.optimizer has no 'type' (its keys: "
                f"{', '.join(map(repr, optimizer_cfg)) or 'none'}); write e.g. "
                "dict(type='SGD', lr=0.01)"
            )
        optimizer_cls = _optimizer_class(optimizer_cfg["type"])
        try:
            first_arg = next(iter(inspect.signature(optimizer_cls).parameters))
        except (TypeError, ValueError, StopIteration):
            first_arg = "params"
        if not self.paramwise_cfg:
            optimizer_cfg[first_arg] = model.parameters()
        else:
            default_add_params = type(self).add_params is DefaultOptimWrapperConstructor.add_params
            if default_add_params:
                self._check_paramwise_keys()
            params: list[dict[str, Any]] = []
            self._param_ids = set()
            self._custom_key_hits = set()
            self.add_params(params, model)
            if default_add_params:
                self._report_unmatched_keys(model)
            optimizer_cfg[first_arg] = params
        return OPTIMIZERS.build(optimizer_cfg)

    def _report_unmatched_keys(self, model: nn.Module) -> None:
        custom_keys = self.paramwise_cfg.get("custom_keys", {})
        names = None
        for key in custom_keys:
            if key in self._custom_key_hits:
                continue
            if names is None:
                names = [name for name, _ in model.named_parameters()]
            prefixes = {n.rsplit(".", 1)[0] for n in names} | set(names)
            close = close_matches(key, prefixes, n=3, cutoff=0.5)
            hint = f" Closest parameter names: {', '.join(map(repr, close))}." if close else ""
            print_log(
                f"paramwise_cfg.custom_keys: {key!r} matches no parameter of "
                f"{type(model).__name__}, so its options are not applied.{hint}",
                logger="current",
                level=logging.WARNING,
            )

    # --------------------------------------------------------------- groups
    def add_params(
        self,
        params: list[dict[str, Any]],
        module: nn.Module,
        prefix: str = "",
        is_dcn_module: bool | None = None,
    ) -> None:
        """Append one param group per parameter of ``module`` (recursively) to ``params``.

        Args:
            params: The param groups so far (``[]`` on the first call).
            module: The module whose parameters to add (the model on the first call).
            prefix: The module's name in the model (``'backbone.layer1'``).
            is_dcn_module: Whether ``module`` is inside a deformable convolution.
        """
        cfg = self.paramwise_cfg
        custom_keys = cfg.get("custom_keys", {})
        sorted_keys = sorted(sorted(custom_keys), key=len, reverse=True)
        flat_decay_mult = cfg.get("flat_decay_mult")
        # The documented defaults: biases get lr and weight decay x1 unless told otherwise
        # (a bias is also a 1-D parameter: flat_decay_mult applies to it if given alone).
        bias_lr_mult = cfg.get("bias_lr_mult", 1.0)
        bias_decay_mult = cfg.get("bias_decay_mult", 1.0 if flat_decay_mult is None else None)
        norm_decay_mult = cfg.get("norm_decay_mult")
        dwconv_decay_mult = cfg.get("dwconv_decay_mult")
        dcn_offset_lr_mult = cfg.get("dcn_offset_lr_mult")
        bypass_duplicate = cfg.get("bypass_duplicate", False)
        base_lr, base_wd = self.base_lr, self.base_wd

        is_norm = isinstance(module, _NORM_TYPES)
        is_dwconv = isinstance(module, nn.Conv2d) and module.in_channels == module.groups
        seen = getattr(self, "_param_ids", None)
        if seen is None:
            seen = self._param_ids = set()
        hits = getattr(self, "_custom_key_hits", None)
        if hits is None:
            hits = self._custom_key_hits = set()

        for name, param in module.named_parameters(recurse=False):
            group: dict[str, Any] = {"params": [param]}
            if bypass_duplicate and id(param) in seen:
                print_log(
                    f"{prefix}.{name} is duplicate. It is skipped since "
                    f"bypass_duplicate={bypass_duplicate}",
                    logger="current",
                    level=logging.WARNING,
                )
                continue
            seen.add(id(param))
            if not param.requires_grad:
                params.append(group)
                continue
            full_name = f"{prefix}.{name}" if prefix else name
            dotted = f"{prefix}.{name}"
            for key in sorted_keys:
                if key in dotted:
                    hits.add(key)
                    options = custom_keys[key]
                    group["lr"] = base_lr * options.get("lr_mult", 1.0)
                    if base_wd is not None:
                        group["weight_decay"] = base_wd * options.get("decay_mult", 1.0)
                    group.update(options)
                    break
            else:
                if name == "bias" and not (is_norm or is_dcn_module) and bias_lr_mult is not None:
                    group["lr"] = base_lr * bias_lr_mult
                if (
                    is_dcn_module
                    and dcn_offset_lr_mult is not None
                    and "conv_offset" in prefix
                    and isinstance(module, nn.Conv2d)
                ):
                    group["lr"] = base_lr * dcn_offset_lr_mult
                if base_wd is not None:
                    if is_norm and norm_decay_mult is not None:
                        group["weight_decay"] = base_wd * norm_decay_mult
                    elif name == "bias" and not is_dcn_module and bias_decay_mult is not None:
                        group["weight_decay"] = base_wd * bias_decay_mult
                    elif is_dwconv and dwconv_decay_mult is not None:
                        group["weight_decay"] = base_wd * dwconv_decay_mult
                    elif param.ndim == 1 and not is_dcn_module and flat_decay_mult is not None:
                        group["weight_decay"] = base_wd * flat_decay_mult
            params.append(group)
            for key, value in group.items():
                if key != "params":
                    print_log(f"paramwise_options -- {full_name}:{key}={value}", logger="current")

        child_is_dcn = type(module).__name__ in _DCN_NAMES
        for child_name, child in module.named_children():
            child_prefix = f"{prefix}.{child_name}" if prefix else child_name
            self.add_params(params, child, prefix=child_prefix, is_dcn_module=child_is_dcn)

    def _is_in(self, param_group: dict[str, Any], param_group_list: list[dict[str, Any]]) -> bool:
        """Whether a parameter of ``param_group`` is already in ``param_group_list``."""
        present = {id(p) for group in param_group_list for p in group["params"]}
        return any(id(p) in present for p in param_group["params"])
