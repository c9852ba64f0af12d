"""DefaultOptimWrapperConstructor and paramwise_cfg; custom constructors (OPT-11..OPT-14)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

import pytest
import torch
from torch import nn

from mme.logging import MMLogger, print_log
from mme.optim import DefaultOptimWrapperConstructor, build_optim_wrapper
from mme.registry import OPTIM_WRAPPER_CONSTRUCTORS


class ToyModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.ModuleDict(dict(layer0=nn.Linear(1, 1), layer1=nn.Linear(1, 1)))
        self.head = nn.Sequential(OrderedDict(linear=nn.Linear(1, 1), bn=nn.BatchNorm1d(1)))


@pytest.fixture(autouse=True)
def _logger() -> None:
    MMLogger.get_instance("optim-constructor-tests")


def _messages(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level]


def _groups(wrapper: Any) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in g.items() if k in ("lr", "weight_decay")} for g in wrapper.param_groups
    ]


@pytest.mark.spec("OPT-12")
def test_norm_decay_mult_golden_log(caplog: pytest.LogCaptureFixture) -> None:
    optim_wrapper = dict(
        optimizer=dict(type="SGD", lr=0.01, weight_decay=0.0001),
        paramwise_cfg=dict(norm_decay_mult=0),
    )
    with caplog.at_level(logging.INFO):
        wrapper = build_optim_wrapper(ToyModel(), optim_wrapper)
    assert _messages(caplog) == [
        "paramwise_options -- backbone.layer0.bias:lr=0.01",
        "paramwise_options -- backbone.layer0.bias:weight_decay=0.0001",
        "paramwise_options -- backbone.layer1.bias:lr=0.01",
        "paramwise_options -- backbone.layer1.bias:weight_decay=0.0001",
        "paramwise_options -- head.linear.bias:lr=0.01",
        "paramwise_options -- head.linear.bias:weight_decay=0.0001",
        "paramwise_options -- head.bn.weight:weight_decay=0.0",
        "paramwise_options -- head.bn.bias:weight_decay=0.0",
    ]
    assert [g["weight_decay"] for g in wrapper.param_groups] == [0.0001] * 6 + [0.0, 0.0]


@pytest.mark.spec("OPT-13")
def test_custom_keys_golden_log(caplog: pytest.LogCaptureFixture) -> None:
    optim_wrapper = dict(
        optimizer=dict(type="SGD", lr=0.01, weight_decay=0.0001),
        paramwise_cfg=dict(
            custom_keys={
                "backbone.layer0": dict(lr_mult=0, decay_mult=0),
                "backbone": dict(lr_mult=1),
                "head": dict(lr_mult=0.1),
            }
        ),
    )
    with caplog.at_level(logging.INFO):
        wrapper = build_optim_wrapper(ToyModel(), optim_wrapper)
    golden = []
    for name in ("backbone.layer0.weight", "backbone.layer0.bias"):
        golden += [f"{name}:lr=0.0", f"{name}:weight_decay=0.0", f"{name}:lr_mult=0",
                   f"{name}:decay_mult=0"]  # fmt: skip
    for name in ("backbone.layer1.weight", "backbone.layer1.bias"):
        golden += [f"{name}:lr=0.01", f"{name}:weight_decay=0.0001", f"{name}:lr_mult=1"]
    for name in ("head.linear.weight", "head.linear.bias", "head.bn.weight", "head.bn.bias"):
        golden += [f"{name}:lr=0.001", f"{name}:weight_decay=0.0001", f"{name}:lr_mult=0.1"]
    assert _messages(caplog) == [f"paramwise_options -- {line}" for line in golden]
    assert [g["lr"] for g in wrapper.param_groups] == [0.0, 0.0, 0.01, 0.01] + [0.001] * 4
    assert wrapper.param_groups[0]["lr_mult"] == 0  # custom-key entries are kept in the group


class ConvNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3)
        self.dw = nn.Conv2d(8, 8, 3, groups=8, bias=False)
        self.gn = nn.GroupNorm(2, 8)
        self.ln = nn.LayerNorm(8)
        self.scale = nn.Parameter(torch.ones(8))
        self.frozen = nn.Linear(2, 2)
        self.frozen.requires_grad_(False)


@pytest.mark.spec("OPT-12")
def test_every_multiplier_applies_to_its_kind_of_parameter() -> None:
    cfg = dict(
        optimizer=dict(type="SGD", lr=1.0, weight_decay=1.0),
        paramwise_cfg=dict(
            bias_lr_mult=2.0,
            bias_decay_mult=0.5,
            norm_decay_mult=0.0,
            dwconv_decay_mult=0.25,
            flat_decay_mult=0.125,
        ),
    )
    wrapper = build_optim_wrapper(ConvNet(), cfg)
    groups = _groups(wrapper)
    # order: own params (scale), then children conv, dw, gn, ln, frozen
    assert groups == [
        {"lr": 1.0, "weight_decay": 0.125},  # scale: 1-D
        {"lr": 1.0, "weight_decay": 1.0},  # conv.weight
        {"lr": 2.0, "weight_decay": 0.5},  # conv.bias
        {"lr": 1.0, "weight_decay": 0.25},  # depth-wise conv weight
        {"lr": 1.0, "weight_decay": 0.0},  # gn.weight
        {"lr": 1.0, "weight_decay": 0.0},  # gn.bias (norm: no bias_lr_mult)
        {"lr": 1.0, "weight_decay": 0.0},  # ln.weight
        {"lr": 1.0, "weight_decay": 0.0},  # ln.bias
        {"lr": 1.0, "weight_decay": 1.0},  # frozen.weight: as the optimizer defaults
        {"lr": 1.0, "weight_decay": 1.0},  # frozen.bias
    ]
    assert "lr_mult" not in wrapper.param_groups[0]


@pytest.mark.spec("OPT-12")
def test_flat_decay_mult_alone_also_covers_biases() -> None:
    cfg = dict(
        optimizer=dict(type="SGD", lr=1.0, weight_decay=1.0),
        paramwise_cfg=dict(flat_decay_mult=0.0),
    )
    wrapper = build_optim_wrapper(nn.Linear(2, 2), cfg)
    assert [g["weight_decay"] for g in wrapper.param_groups] == [1.0, 0.0]


class DeformConv2d(nn.Module):  # named like mmcv's / torchvision's: recognised by name
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(2, 2, 1, 1))
        self.conv_offset = nn.Conv2d(2, 2, 1)


@pytest.mark.spec("OPT-12")
def test_dcn_offset_lr_mult_and_the_dcn_exceptions() -> None:
    model = nn.Sequential(OrderedDict(dcn=DeformConv2d()))
    cfg = dict(
        optimizer=dict(type="SGD", lr=1.0, weight_decay=1.0),
        paramwise_cfg=dict(dcn_offset_lr_mult=0.1, bias_lr_mult=2.0, bias_decay_mult=0.0),
    )
    groups = _groups(build_optim_wrapper(model, cfg))
    # dcn.weight; conv_offset.weight and .bias get the offset lr, no bias multipliers
    assert groups == [
        {"lr": 1.0, "weight_decay": 1.0},
        {"lr": 0.1, "weight_decay": 1.0},
        {"lr": 0.1, "weight_decay": 1.0},
    ]


@pytest.mark.spec("OPT-12")
def test_bypass_duplicate_skips_shared_parameters(caplog: pytest.LogCaptureFixture) -> None:
    shared = nn.Linear(1, 1)
    model = nn.Sequential(OrderedDict(a=nn.Sequential(shared), b=nn.Sequential(shared)))
    cfg = dict(optimizer=dict(type="SGD", lr=0.1), paramwise_cfg=dict(bypass_duplicate=True))
    with caplog.at_level(logging.WARNING):
        wrapper = build_optim_wrapper(model, cfg)
    assert len(wrapper.param_groups) == 2
    assert "b.0.weight is duplicate. It is skipped since bypass_duplicate=True" in _messages(
        caplog, logging.WARNING
    )
    with pytest.raises(ValueError, match="more than one parameter group"):
        build_optim_wrapper(model, dict(optimizer=dict(type="SGD", lr=0.1),
                                        paramwise_cfg=dict(bias_lr_mult=1.0)))  # fmt: skip


@pytest.mark.spec("OPT-13")
def test_longest_custom_key_wins_and_other_keys_go_into_the_group() -> None:
    model = ToyModel()
    cfg = dict(
        optimizer=dict(type="Adam", lr=1.0, weight_decay=1.0),
        paramwise_cfg=dict(
            custom_keys={
                "backbone": dict(lr_mult=0.5),
                "backbone.layer1": dict(lr_mult=0.25, betas=(0.5, 0.5)),
                "backbone.layer1.bias": dict(decay_mult=0.0),
            }
        ),
    )
    groups = build_optim_wrapper(model, cfg).param_groups
    by_lr = [(g["lr"], g["weight_decay"], g["betas"]) for g in groups[:4]]
    assert by_lr == [
        (0.5, 1.0, (0.9, 0.999)),
        (0.5, 1.0, (0.9, 0.999)),
        (0.25, 1.0, (0.5, 0.5)),
        (1.0, 0.0, (0.9, 0.999)),  # the longer key wins
    ]


@pytest.mark.spec("OPT-13")
def test_unmatched_custom_key_is_reported_with_the_closest_names(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.01),
        paramwise_cfg=dict(custom_keys={"backbone.layr0": dict(lr_mult=0), "head": dict()}),
    )
    with caplog.at_level(logging.WARNING):
        build_optim_wrapper(ToyModel(), cfg)
    warnings = _messages(caplog, logging.WARNING)
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "paramwise_cfg.custom_keys: 'backbone.layr0' matches no parameter of ToyModel, so its "
        "options are not applied. Closest parameter names: 'backbone.layer0'"
    )


@pytest.mark.spec("OPT-12")
def test_paramwise_errors_name_the_key() -> None:
    model = ToyModel()
    with pytest.raises(KeyError, match=r"'norm_decay_mul'.*Did you mean 'norm_decay_mult'"):
        build_optim_wrapper(
            model,
            dict(optimizer=dict(type="SGD", lr=0.1, weight_decay=1e-4),
                 paramwise_cfg=dict(norm_decay_mul=0)),
        )  # fmt: skip
    with pytest.raises(ValueError, match="norm_decay_mult is set but the optimizer config has no"):
        build_optim_wrapper(
            model, dict(optimizer=dict(type="SGD", lr=0.1), paramwise_cfg=dict(norm_decay_mult=0))
        )
    with pytest.raises(ValueError, match=r"custom_keys\['head'\] sets decay_mult"):
        build_optim_wrapper(
            model,
            dict(optimizer=dict(type="SGD", lr=0.1),
                 paramwise_cfg=dict(custom_keys={"head": dict(decay_mult=0)})),
        )  # fmt: skip
    with pytest.raises(TypeError, match=r"custom_keys\['head'\] must be a dict"):
        build_optim_wrapper(
            model,
            dict(optimizer=dict(type="SGD", lr=0.1), paramwise_cfg=dict(custom_keys={"head": 0.1})),
        )


@OPTIM_WRAPPER_CONSTRUCTORS.register_module(force=True)
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    def __init__(self, optim_wrapper_cfg: Any, paramwise_cfg: Any = None) -> None:
        super().__init__(optim_wrapper_cfg, paramwise_cfg=None)
        self.decay_factor = paramwise_cfg.get("decay_factor", 0.5)
        super().__init__(optim_wrapper_cfg, paramwise_cfg)

    def add_params(  # type: ignore[override]
        self, params: list[Any], module: nn.Module, prefix: str = "", lr: Any = None
    ) -> None:
        if lr is None:
            lr = self.base_lr
        for name, param in module.named_parameters(recurse=False):
            param_group = dict()
            param_group["params"] = [param]
            param_group["lr"] = lr
            params.append(param_group)
            full_name = f"{prefix}.{name}" if prefix else name
            print_log(f"{full_name} : lr={lr}", logger="current")
        for name, child in module.named_children():
            chiled_prefix = f"{prefix}.{name}" if prefix else name
            self.add_params(params, child, chiled_prefix, lr=lr * self.decay_factor)


class ToyModel2(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.ModuleDict(dict(linear=nn.Linear(1, 1)))
        self.linear = nn.Linear(1, 1)


@pytest.mark.spec("OPT-14")
def test_custom_constructor_golden(caplog: pytest.LogCaptureFixture) -> None:
    optim_wrapper = dict(
        optimizer=dict(type="SGD", lr=0.01, weight_decay=0.0001),
        paramwise_cfg=dict(decay_factor=0.5),
        constructor="LayerDecayOptimWrapperConstructor",
    )
    with caplog.at_level(logging.INFO):
        wrapper = build_optim_wrapper(ToyModel2(), optim_wrapper)
    assert _messages(caplog) == [
        "layer.linear.weight : lr=0.0025",
        "layer.linear.bias : lr=0.0025",
        "linear.weight : lr=0.005",
        "linear.bias : lr=0.005",
    ]
    assert [g["lr"] for g in wrapper.param_groups] == [0.0025, 0.0025, 0.005, 0.005]


@pytest.mark.spec("OPT-14")
def test_unknown_constructor_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(KeyError, match="LayerDecayOptimWrapperConstructor"):
        build_optim_wrapper(
            ToyModel2(),
            dict(optimizer=dict(type="SGD", lr=0.01),
                 constructor="LayerDecayOptimWraperConstructor"),
        )  # fmt: skip
