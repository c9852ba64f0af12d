"""Operator rules at the dispatcher, checked against hand-derived formulas."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mme.analysis import ActivationAnalyzer, FlopAnalyzer, get_model_complexity_info


class Fn(nn.Module):
    """A module running `fn(*inputs)`."""

    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args: Any) -> Any:
        return self.fn(*args)


def flops(model: nn.Module, *inputs: Any) -> int:
    return FlopAnalyzer(model, inputs).unsupported_ops_warnings(False).total()


def acts(model: nn.Module, *inputs: Any) -> int:
    return ActivationAnalyzer(model, inputs).unsupported_ops_warnings(False).total()


@pytest.mark.spec("ANA-03")
@pytest.mark.parametrize(
    ("conv", "shape", "expected_flops", "expected_acts"),
    [
        # batch 2 x weight (8*3*5) x output positions (12)
        (nn.Conv1d(3, 8, 5), (2, 3, 16), 2 * 8 * 3 * 5 * 12, 2 * 8 * 12),
        # stride 2, padding 1: output 5x5; groups=4: weight (8, 2, 3, 3)
        (nn.Conv2d(8, 8, 3, 2, 1, groups=4), (1, 8, 10, 10), 8 * 2 * 9 * 25, 8 * 25),
        (nn.Conv3d(2, 4, 3), (1, 2, 5, 5, 5), 4 * 2 * 27 * 27, 4 * 27),
        # transposed: the positions are the input's (6x6); weight (4, 6, 3, 3)
        (nn.ConvTranspose2d(4, 6, 3, stride=2), (1, 4, 6, 6), 4 * 6 * 9 * 36, 6 * 13 * 13),
    ],
)
def test_convolutions(
    conv: nn.Module, shape: tuple, expected_flops: int, expected_acts: int
) -> None:
    x = torch.randn(shape)
    assert flops(conv, x) == expected_flops
    assert acts(conv, x) == expected_acts
    assert FlopAnalyzer(conv, x).by_operator() == {"conv": expected_flops}


@pytest.mark.spec("ANA-03")
def test_linear_on_batched_sequences_and_without_bias() -> None:
    x = torch.randn(2, 7, 16)
    assert flops(nn.Linear(16, 32), x) == 2 * 7 * 16 * 32
    assert acts(nn.Linear(16, 32), x) == 2 * 7 * 32
    assert flops(nn.Linear(16, 32, bias=False), x) == 2 * 7 * 16 * 32
    # a non-contiguous input takes matmul's path
    assert flops(nn.Linear(7, 3), x.transpose(1, 2)) == 2 * 16 * 7 * 3


@pytest.mark.spec("ANA-03")
def test_matrix_products() -> None:
    a, b = torch.randn(4, 5, 6), torch.randn(4, 6, 7)
    assert flops(Fn(torch.matmul), a, b) == 4 * 5 * 6 * 7
    assert flops(Fn(torch.bmm), a, b) == 4 * 5 * 6 * 7
    assert acts(Fn(torch.bmm), a, b) == 4 * 5 * 7
    assert flops(Fn(lambda x, y: torch.einsum("bij,bjk->bik", x, y)), a, b) == 4 * 5 * 6 * 7
    bias = torch.randn(4, 5, 7)
    assert flops(Fn(torch.baddbmm), bias, a, b) == 4 * 5 * 6 * 7
    assert flops(Fn(torch.matmul), torch.randn(5, 6), torch.randn(6)) == 5 * 6  # mv
    assert flops(Fn(torch.matmul), torch.randn(6), torch.randn(6)) == 6  # dot
    # broadcasting a matrix over a batch: every batch element is multiplied
    assert flops(Fn(torch.matmul), torch.randn(5, 6), b) == 4 * 5 * 6 * 7


@pytest.mark.spec("ANA-03")
def test_scaled_dot_product_attention_counts_both_products() -> None:
    q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 7, 8), torch.randn(2, 3, 7, 4)
    model = Fn(F.scaled_dot_product_attention)
    assert flops(model, q, k, v) == 2 * 3 * 5 * 7 * (8 + 4)
    assert acts(model, q, k, v) == 2 * 3 * 5 * (7 + 4)


@pytest.mark.spec("ANA-07")
def test_normalisation_layers() -> None:
    x = torch.randn(2, 8, 4, 4)
    n = x.numel()
    bn = nn.BatchNorm2d(8)
    assert flops(bn.train(), x) == 5 * n  # batch statistics
    assert flops(bn.eval(), x) == 2 * n  # running statistics: foldable scale and shift
    assert flops(nn.BatchNorm2d(8, affine=False).eval(), x) == n
    assert flops(nn.GroupNorm(2, 8), x) == 5 * n
    assert flops(nn.LayerNorm(4), x) == 5 * n
    assert flops(nn.LayerNorm(4, elementwise_affine=False), x) == 4 * n
    assert flops(nn.InstanceNorm2d(8, affine=True), x) == 5 * n
    assert flops(nn.InstanceNorm2d(8), x) == 4 * n
    assert acts(nn.BatchNorm2d(8), x) == 0  # only convolutions and products make activations


@pytest.mark.spec("ANA-07")
def test_pooling_and_upsampling() -> None:
    x = torch.randn(1, 4, 8, 8)
    assert flops(nn.AdaptiveAvgPool2d(1), x) == x.numel()  # runs as mean over H, W
    assert flops(nn.AdaptiveAvgPool2d(2), x) == x.numel()
    assert flops(nn.AvgPool2d(2), x) == x.numel()
    assert flops(nn.MaxPool2d(2), x) == 0
    assert flops(nn.ReLU(), x) == 0
    assert flops(nn.Upsample(scale_factor=2), x) == 4 * 16 * 16
    assert flops(nn.Upsample(scale_factor=2, mode="bilinear"), x) == 4 * 4 * 16 * 16
    assert flops(nn.Upsample(scale_factor=2, mode="bicubic"), x) == 16 * 4 * 16 * 16
    volume = torch.randn(1, 2, 4, 4, 4)
    assert flops(nn.Upsample(scale_factor=2, mode="trilinear"), volume) == 8 * 2 * 8 * 8 * 8
    grid = torch.rand(1, 5, 6, 2) * 2 - 1
    sample = Fn(lambda t, g: F.grid_sample(t, g, align_corners=False))
    assert flops(sample, x, grid) == 4 * 4 * 5 * 6  # bilinear: 4 per output
    # a mean that is not a pooling (over channels) costs nothing and is not an unknown op
    analyzer = FlopAnalyzer(Fn(lambda t: t.mean(1)), x)
    assert analyzer.total() == 0
    assert not analyzer.unsupported_ops()


class Branchy(nn.Module):
    """Data-dependent control flow: a TorchScript trace records only one branch."""

    def __init__(self) -> None:
        super().__init__()
        self.small = nn.Linear(8, 4)
        self.large = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if x.sum() > 0:
            out = self.large(x)
        else:
            out = self.small(x)
        return {"logits": out, "features": x}


@pytest.mark.spec("ANA-01", "ANA-03")
def test_data_dependent_control_flow_and_dict_output() -> None:
    model = Branchy()
    positive = torch.ones(3, 8)
    result = get_model_complexity_info(model, inputs=positive)
    assert result["flops"] == 3 * 8 * 32 + 3 * 32 * 4
    assert result["activations"] == 3 * 32 + 3 * 4
    assert "(small): Linear(in_features=8, out_features=4, bias=True)" not in result["out_arch"]
    assert "#params: 36, #flops: N/A, #acts: N/A" in result["out_arch"]  # small: never called
    negative = -torch.ones(3, 8)
    assert FlopAnalyzer(model, negative).total() == 3 * 8 * 4
    assert FlopAnalyzer(model, negative).uncalled_modules() == {
        "large", "large.0", "large.1", "large.2"
    }  # fmt: skip


@pytest.mark.spec("ANA-03")
def test_transformer_encoder_by_hand() -> None:
    b, seq, d, heads, ff, layers = 2, 5, 16, 4, 32, 2
    encoder = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, batch_first=True),
        num_layers=layers,
        enable_nested_tensor=False,
    )
    x = torch.randn(b, seq, d)
    per_layer_flops = (
        b * seq * d * 3 * d  # q, k, v projection
        + 2 * b * seq * seq * d  # q @ k^T and attn @ v over all heads
        + b * seq * d * d  # output projection
        + 2 * b * seq * d * ff  # feed-forward
        + 2 * 5 * b * seq * d  # two layer norms
    )
    per_layer_acts = b * seq * 3 * d + b * heads * seq * (seq + d // heads) + b * seq * d
    per_layer_acts += b * seq * ff + b * seq * d
    for mode in (encoder.train, encoder.eval):  # eval must not take the fused fast path
        mode()
        analyzer = FlopAnalyzer(encoder, x)
        assert analyzer.total() == layers * per_layer_flops
        assert analyzer.total("layers.1.linear1") == b * seq * d * ff
        assert ActivationAnalyzer(encoder, x).total() == layers * per_layer_acts


@pytest.mark.spec("ANA-01")
def test_several_inputs_as_shapes_tuples_and_dicts() -> None:
    class TwoInputs(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(4, 2)
            self.b = nn.Linear(6, 2)

        def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return self.a(x) + self.b(y)

    model = TwoInputs()
    expected = 4 * 2 + 6 * 2
    assert get_model_complexity_info(model, input_shape=((4,), (6,)))["flops"] == expected
    x, y = torch.randn(1, 4), torch.randn(1, 6)
    assert get_model_complexity_info(model, inputs=(x, y))["flops"] == expected
    assert get_model_complexity_info(model, inputs={"y": y, "x": x})["flops"] == expected


@pytest.mark.spec("ANA-02")
def test_operators_without_a_rule_are_listed_once(caplog: pytest.LogCaptureFixture) -> None:
    model = Fn(lambda x: torch.sigmoid(x) * x + x)
    with caplog.at_level(logging.WARNING, logger="mme.analysis"):
        result = get_model_complexity_info(model, inputs=torch.randn(2, 3))
    assert result["unsupported_ops"] == {"aten::sigmoid": 1, "aten::mul": 1, "aten::add": 1}
    assert caplog.records == []  # get_model_complexity_info reports in its result only
    with caplog.at_level(logging.WARNING, logger="mme.analysis"):
        FlopAnalyzer(model, torch.randn(2, 3)).total()
    assert len(caplog.records) == 1
    assert "aten::sigmoid (1x)" in caplog.records[0].getMessage()


@pytest.mark.spec("ANA-06")
def test_analysis_restores_batch_norm_statistics() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    get_model_complexity_info(model, (3, 8, 8))
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert model.training  # the mode is the caller's


@pytest.mark.spec("ANA-03")
def test_shared_module_is_counted_under_its_first_name_each_call() -> None:
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    analyzer = FlopAnalyzer(model, torch.randn(1, 4))
    assert analyzer.total() == 2 * 16
    assert analyzer.by_module()["0"] == 2 * 16
    assert analyzer.canonical_module_name("2") == "0"


@pytest.mark.spec("ANA-07")
def test_rules_of_operators_this_cpu_build_does_not_dispatch() -> None:
    """CUDA attention kernels and the other batch norm entry points, called directly."""
    from mme.analysis.handles import DEFAULT_ACTIVATION_HANDLES, DEFAULT_FLOP_HANDLES

    q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 7, 8), torch.randn(2, 3, 7, 4)
    for name in (
        "aten::_scaled_dot_product_flash_attention",
        "aten::_scaled_dot_product_efficient_attention",
        "aten::_scaled_dot_product_cudnn_attention",
    ):
        assert DEFAULT_FLOP_HANDLES[name]([q, k, v], [None]) == {
            "scaled_dot_product_attention": 2 * 3 * 5 * 7 * (8 + 4)
        }
        assert DEFAULT_ACTIVATION_HANDLES[name]([q, k, v], [None]) == {
            "scaled_dot_product_attention": 2 * 3 * 5 * (7 + 4)
        }
    x, w, stat = torch.randn(2, 4, 3, 3), torch.ones(4), torch.zeros(4)
    n = x.numel()

    def bn(name: str, *args: Any) -> int:
        return sum(DEFAULT_FLOP_HANDLES[name]([x, *args], [x]).values())

    assert bn("aten::cudnn_batch_norm", w, w, stat, stat, True, 0.1, 1e-5) == 5 * n
    assert bn("aten::cudnn_batch_norm", w, w, stat, stat, False, 0.1, 1e-5) == 2 * n
    assert bn("aten::_native_batch_norm_legit", None, None, stat, stat, True, 0.1, 1e-5) == 4 * n
    assert bn("aten::_native_batch_norm_legit", w, w, True, 0.1, 1e-5) == 5 * n  # no_stats
    assert bn("aten::_native_batch_norm_legit_no_training", w, w, stat, stat, 0.1, 1e-5) == 2 * n
    assert bn("aten::_batch_norm_with_update", w, w, stat, stat, 0.1, 1e-5) == 5 * n
    assert bn("aten::_batch_norm_no_update", None, None, stat, stat, 0.1, 1e-5) == n


@pytest.mark.spec("ANA-01")
def test_a_failing_forward_leaves_the_model_as_it_was() -> None:
    class Failing(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bn = nn.BatchNorm1d(4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.bn(x)
            raise RuntimeError("broken forward")

    model = Failing()
    with pytest.raises(RuntimeError, match="broken forward"):
        get_model_complexity_info(model, inputs=torch.randn(3, 4))
    assert not model._forward_pre_hooks
    assert not model.bn._forward_hooks
    assert model.bn.num_batches_tracked.item() == 0
    assert flops(nn.Linear(4, 4), torch.randn(1, 4)) == 16  # and counting works afterwards
