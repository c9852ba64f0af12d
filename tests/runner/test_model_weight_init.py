"""BaseModule, init_cfg (layer, override, bias, bias_prob, Pretrained), the *_init functions."""

from __future__ import annotations

import logging
import math
import pickle
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from mme.registry import WEIGHT_INITIALIZERS
from mme.runner.model import (
    BaseModule,
    Caffe2XavierInit,
    ConstantInit,
    KaimingInit,
    ModuleDict,
    ModuleList,
    NormalInit,
    PretrainedInit,
    Sequential,
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
    xavier_init,
)


class Net(BaseModule):
    def __init__(self, init_cfg: Any = None) -> None:
        super().__init__(init_cfg)
        self.conv = nn.Conv2d(3, 8, 3)
        self.head = nn.Linear(8, 4)
        self.norm = nn.BatchNorm1d(4)


@pytest.mark.spec("MOD-08")
def test_every_initializer_is_registered_under_both_names() -> None:
    expected = {
        "Constant": ConstantInit,
        "Xavier": XavierInit,
        "Normal": NormalInit,
        "TruncNormal": TruncNormalInit,
        "Uniform": UniformInit,
        "Kaiming": KaimingInit,
        "Caffe2Xavier": Caffe2XavierInit,
        "Pretrained": PretrainedInit,
    }
    for short, cls in expected.items():
        assert WEIGHT_INITIALIZERS.get(short) is cls
        assert WEIGHT_INITIALIZERS.get(cls.__name__) is cls


@pytest.mark.spec("MOD-08")
def test_layer_selects_submodules_by_class_or_base_class_name() -> None:
    net = Net(
        init_cfg=[
            dict(type="Constant", layer="_ConvNd", val=2, bias=3),  # Conv2d's base class
            dict(type="ConstantInit", layer=["Linear", "_BatchNorm"], val=1, bias=0),
        ]
    )
    net.init_weights()
    assert net.conv.weight.unique().tolist() == [2.0]
    assert net.conv.bias.unique().tolist() == [3.0]
    assert net.head.weight.unique().tolist() == [1.0]
    assert net.norm.weight.unique().tolist() == [1.0]
    assert net.is_init


@pytest.mark.spec("MOD-08")
def test_override_initialises_a_named_submodule_differently() -> None:
    net = Net(
        init_cfg=dict(
            type="Constant",
            layer=["Conv2d", "Linear"],
            val=1,
            bias=2,
            override=dict(type="Constant", name="head", val=5, bias=6),
        )
    )
    net.init_weights()
    assert net.conv.weight.unique().tolist() == [1.0]
    assert (net.head.weight.unique().tolist(), net.head.bias.unique().tolist()) == ([5.0], [6.0])
    only_name = Net(init_cfg=dict(type="Constant", val=7, bias=8, override=dict(name="head")))
    only_name.init_weights()  # the enclosing cfg's initializer, on head only
    assert only_name.head.weight.unique().tolist() == [7.0]
    assert only_name.conv.weight.unique().tolist() != [7.0]


@pytest.mark.spec("MOD-08")
def test_bias_prob_sets_the_bias_of_a_classifier() -> None:
    assert bias_init_with_prob(0.01) == pytest.approx(-4.59511985)
    net = Net(init_cfg=dict(type="Normal", layer="Linear", std=0.01, bias_prob=0.01))
    net.init_weights()
    assert net.head.bias.tolist() == pytest.approx([-4.59511985] * 4)
    assert net.head.weight.std().item() < 0.05
    with pytest.raises(ValueError, match=r"prior_prob must be in \(0, 1\), got 1.5"):
        bias_init_with_prob(1.5)


@pytest.mark.spec("MOD-08")
def test_init_cfg_naming_nothing_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError) as info:
        Net(init_cfg=dict(type="Kaiming", layer="Conv2D")).init_weights()
    assert str(info.value) == (
        "init_cfg type='KaimingInit': layer ['Conv2D'] names no submodule of Net (its layers: "
        "BatchNorm1d, Conv2d, Linear, Net). Did you mean 'Conv2d'?"
    )
    with pytest.raises(ValueError) as info:
        Net(init_cfg=dict(type="Constant", val=1, override=dict(name="haed"))).init_weights()
    assert str(info.value) == (
        "init_cfg override name='haed' names no submodule of Net (its submodules: conv, head, "
        "norm). Did you mean 'head'?"
    )
    with pytest.raises(
        ValueError, match="has neither 'layer' nor 'override', so it initialises nothing"
    ):
        Net(init_cfg=dict(type="Constant", val=1)).init_weights()
    with pytest.raises(
        ValueError, match=r"override \{'val': 2, 'name': 'head'\} needs a 'type' key"
    ):
        Net(init_cfg=dict(type="Constant", val=1, override=dict(name="head", val=2))).init_weights()
    with pytest.raises(ValueError, match="override must contain the key 'name'"):
        Net(
            init_cfg=dict(type="Constant", val=1, override=dict(type="Constant", val=2))
        ).init_weights()
    with pytest.raises(KeyError, match="has no 'type'"):
        Net(init_cfg=dict(layer="Linear")).init_weights()
    with pytest.raises(KeyError, match="Kaimnig"):
        Net(init_cfg=dict(type="Kaimnig", layer="Linear")).init_weights()
    # a layer list where only some names match is fine (shared configs list several)
    Net(init_cfg=dict(type="Constant", val=1, layer=["Linear", "GroupNorm"])).init_weights()


@pytest.mark.spec("MOD-08")
def test_initializer_argument_errors() -> None:
    with pytest.raises(TypeError, match="bias must be an int or float, got '0'"):
        ConstantInit(val=1, bias="0")
    with pytest.raises(TypeError, match="layer must be a str or a list of str, got 3"):
        ConstantInit(val=1, layer=3)
    with pytest.raises(
        ValueError,
        match=r"distribution must be 'uniform' or 'normal', got 'unifrom'\. Did you mean 'uniform'",
    ):
        XavierInit(distribution="unifrom")
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out', got 'fan'"):
        KaimingInit(mode="fan")


@pytest.mark.spec("MOD-08")
def test_children_init_weights_then_pretrained_wins(tmp_path: Path) -> None:
    class Backbone(BaseModule):
        def __init__(self) -> None:
            super().__init__(init_cfg=dict(type="Constant", layer="Linear", val=3))
            self.fc = nn.Linear(2, 2)

    class Model(BaseModule):
        def __init__(self, init_cfg: Any) -> None:
            super().__init__(init_cfg)
            self.backbone = Backbone()
            self.head = nn.Linear(2, 1)

    source = Model(init_cfg=None)
    nn.init.constant_(source.backbone.fc.weight, 9.0)
    checkpoint = tmp_path / "pretrained.pth"
    # as saved from a DDP model inside a runner checkpoint
    torch.save(
        {"state_dict": {f"module.{k}": v for k, v in source.state_dict().items()}}, checkpoint
    )
    model = Model(
        init_cfg=[
            dict(type="Pretrained", checkpoint=str(checkpoint)),
            dict(type="Constant", layer="Linear", val=1),
        ]
    )
    model.init_weights()
    assert model.backbone.fc.weight.unique().tolist() == [9.0]  # pretrained loaded last
    assert model.backbone.is_init
    summary = model.init_summary
    assert summary["backbone.fc.weight"] == f"PretrainedInit: load from {checkpoint}"
    prefixed = Backbone()
    prefixed.init_cfg = dict(type="Pretrained", checkpoint=str(checkpoint), prefix="backbone")
    prefixed.init_weights()
    assert prefixed.fc.weight.unique().tolist() == [9.0]
    wrong = Backbone()
    wrong.init_cfg = dict(type="Pretrained", checkpoint=str(checkpoint), prefix="backbon.")
    with pytest.raises(
        ValueError,
        match=r"no key of .* starts with prefix 'backbon\.' \(its prefixes: backbone\., head\.\)"
        r"\. Did you mean 'backbone\.'",
    ):
        wrong.init_weights()


class Payload:
    def __reduce__(self) -> Any:
        return (print, ("code ran while loading",))


@pytest.mark.spec("MOD-08")
def test_pretrained_loads_weights_only(tmp_path: Path) -> None:
    checkpoint = tmp_path / "evil.pth"
    torch.save({"state_dict": {"fc.weight": torch.ones(2, 2)}, "extra": Payload()}, checkpoint)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        PretrainedInit(checkpoint=str(checkpoint))(nn.Linear(2, 2))


@pytest.mark.spec("MOD-08")
def test_init_summary_says_what_set_each_parameter(caplog: pytest.LogCaptureFixture) -> None:
    class Child(BaseModule):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def init_weights(self) -> None:
            nn.init.zeros_(self.fc.weight)

    class Model(BaseModule):
        def __init__(self) -> None:
            super().__init__(init_cfg=dict(type="Xavier", layer="Conv2d", distribution="uniform"))
            self.conv = nn.Conv2d(1, 1, 1)
            self.child = Child()
            self.untouched = nn.Linear(1, 1)

    model = Model()
    with caplog.at_level(logging.DEBUG, logger="mme.runner.model"):
        model.init_weights()
    xavier = "XavierInit: gain=1, distribution=uniform, bias=0"
    assert model.init_summary == {
        "conv.weight": xavier,
        "conv.bias": xavier,
        "child.fc.weight": "the init_weights of Child",
        "child.fc.bias": "not changed by init_weights of Model (PyTorch's default initialisation)",
        "untouched.weight": "not changed by init_weights "
        "of Model (PyTorch's default initialisation)",
        "untouched.bias": "not changed by init_weights of Model (PyTorch's default initialisation)",
    }
    assert f"conv.weight - (1, 1, 1, 1): {xavier}" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mme.runner.model"):
        model.init_weights()
    assert "init_weights of Model has been called more than once." in caplog.text


@pytest.mark.spec("MOD-08")
def test_containers_take_an_init_cfg() -> None:
    seq = Sequential(
        nn.Linear(1, 2), nn.ReLU(), init_cfg=dict(type="Constant", layer="Linear", val=4)
    )
    seq.init_weights()
    assert seq[0].weight.unique().tolist() == [4.0]
    assert len(seq) == 2
    layers = ModuleList([nn.Linear(1, 1)], init_cfg=dict(type="Constant", layer="Linear", val=5))
    layers.append(nn.Linear(1, 1))
    layers.init_weights()
    assert [m.weight.item() for m in layers] == [5.0, 5.0]
    heads = ModuleDict(
        {"cls": nn.Linear(1, 1)}, init_cfg=dict(type="Constant", layer="Linear", val=6)
    )
    heads.init_weights()
    assert heads["cls"].weight.item() == 6.0
    assert "init_cfg={'type': 'Constant', 'layer': 'Linear', 'val': 6}" in repr(heads)


@pytest.mark.spec("MOD-08")
def test_init_functions() -> None:
    torch.manual_seed(0)
    linear = nn.Linear(200, 300)
    constant_init(linear, 0.5, bias=1)
    assert (linear.weight.unique().tolist(), linear.bias.unique().tolist()) == ([0.5], [1.0])
    uniform_init(linear, a=-0.1, b=0.2, bias=2)
    assert linear.weight.min().item() >= -0.1
    assert linear.weight.max().item() <= 0.2
    assert linear.bias.unique().tolist() == [2.0]
    trunc_normal_init(linear, std=1, a=-0.5, b=0.5)
    assert linear.weight.abs().max().item() <= 0.5
    normal_init(linear, mean=3, std=0.01)
    assert linear.weight.mean().item() == pytest.approx(3, abs=0.01)
    xavier_init(linear, distribution="uniform")
    bound = math.sqrt(6 / (200 + 300))
    assert linear.weight.abs().max().item() <= bound
    xavier_init(linear, gain=2)
    assert linear.weight.std().item() == pytest.approx(2 * math.sqrt(2 / 500), rel=0.05)
    kaiming_init(linear, mode="fan_in")
    assert linear.weight.std().item() == pytest.approx(math.sqrt(2 / 200), rel=0.05)
    caffe2_xavier_init(linear)
    assert linear.weight.abs().max().item() <= math.sqrt(3 / 200)  # uniform, gain 1, fan_in
    no_bias = nn.Conv2d(1, 1, 1, bias=False)
    constant_init(no_bias, 1)  # a missing bias is skipped
    assert no_bias.weight.item() == 1.0
    with pytest.raises(ValueError, match="distribution must be 'uniform' or 'normal'"):
        kaiming_init(linear, distribution="gauss")


@pytest.mark.spec("MOD-08")
def test_initialize_on_a_plain_module() -> None:
    net = nn.Sequential(nn.Conv2d(1, 1, 1), nn.Linear(1, 2))
    initialize(net, dict(type="Constant", layer="Linear", val=1, bias=2))
    assert net[1].bias.tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="init_cfg must be a dict or a list of dicts, got str"):
        initialize(net, "Constant")  # type: ignore[arg-type]
