"""The spec's worked example and golden outputs (Conv2d, TestNet, ResNet-50), exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from mme.analysis import (
    ActivationAnalyzer,
    FlopAnalyzer,
    get_model_complexity_info,
    parameter_count,
)

FIXTURES = Path(__file__).parent / "fixtures"


class InnerNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(10, 10)
        self.fc2 = nn.Linear(10, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc1(self.fc2(x))


class TestNet(nn.Module):
    __test__ = False

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(10, 10)
        self.fc2 = nn.Linear(10, 10)
        self.inner = InnerNet()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc1(self.fc2(self.inner(x)))


TESTNET_TABLE = """\
+---------------------+----------------------+--------+--------------+
| module              | #parameters or shape | #flops | #activations |
+---------------------+----------------------+--------+--------------+
| model               | 0.44K                | 0.4K   | 40           |
|  fc1                |  0.11K               |  100   |  10          |
|   fc1.weight        |   (10, 10)           |        |              |
|   fc1.bias          |   (10,)              |        |              |
|  fc2                |  0.11K               |  100   |  10          |
|   fc2.weight        |   (10, 10)           |        |              |
|   fc2.bias          |   (10,)              |        |              |
|  inner              |  0.22K               |  0.2K  |  20          |
|   inner.fc1         |   0.11K              |   100  |   10         |
|    inner.fc1.weight |    (10, 10)          |        |              |
|    inner.fc1.bias   |    (10,)             |        |              |
|   inner.fc2         |   0.11K              |   100  |   10         |
|    inner.fc2.weight |    (10, 10)          |        |              |
|    inner.fc2.bias   |    (10,)             |        |              |
+---------------------+----------------------+--------+--------------+"""

TESTNET_ARCH = """\
TestNet(
  #params: 0.44K, #flops: 0.4K, #acts: 40
  (fc1): Linear(
    in_features=10, out_features=10, bias=True
    #params: 0.11K, #flops: 100, #acts: 10
  )
  (fc2): Linear(
    in_features=10, out_features=10, bias=True
    #params: 0.11K, #flops: 100, #acts: 10
  )
  (inner): InnerNet(
    #params: 0.22K, #flops: 0.2K, #acts: 20
    (fc1): Linear(
      in_features=10, out_features=10, bias=True
      #params: 0.11K, #flops: 100, #acts: 10
    )
    (fc2): Linear(
      in_features=10, out_features=10, bias=True
      #params: 0.11K, #flops: 100, #acts: 10
    )
  )
)"""


@pytest.mark.spec("ANA-03")
def test_conv2d_worked_example() -> None:
    conv = nn.Conv2d(in_channels=3, out_channels=10, kernel_size=3)
    inputs = torch.randn((1, 3, 10, 10))
    assert FlopAnalyzer(conv, inputs).total() == 17280 == 10 * 8 * 8 * 3 * 3 * 3
    assert ActivationAnalyzer(conv, inputs).total() == 640 == 10 * 8 * 8
    assert parameter_count(conv)[""] == 280 == 3 * 10 * 3 * 3 + 10
    result = get_model_complexity_info(conv, inputs=inputs)
    assert (result["flops"], result["activations"], result["params"]) == (17280, 640, 280)
    assert (result["flops_str"], result["activations_str"], result["params_str"]) == (
        "17.28K",
        "0.64K",
        "0.28K",
    )


@pytest.mark.spec("ANA-01", "ANA-02", "ANA-04", "ANA-05", "ANA-08")
def test_testnet_table_arch_and_strings() -> None:
    result = get_model_complexity_info(TestNet(), (1, 10))
    assert set(result) >= {
        "flops", "flops_str", "activations", "activations_str",
        "params", "params_str", "out_table", "out_arch",
    }  # fmt: skip
    assert result["out_table"] == TESTNET_TABLE
    assert result["out_arch"] == TESTNET_ARCH
    assert f"Model Flops:{result['flops_str']}" == "Model Flops:0.4K"
    assert f"Model Parameters:{result['params_str']}" == "Model Parameters:0.44K"
    assert (result["flops"], result["activations"], result["params"]) == (400, 40, 440)
    assert result["activations_str"] == "40"


@pytest.mark.spec("ANA-01")
def test_show_table_and_show_arch_switch_the_outputs_off() -> None:
    result = get_model_complexity_info(TestNet(), (1, 10), show_table=False, show_arch=False)
    assert result["out_table"] == ""
    assert result["out_arch"] == ""
    assert result["flops"] == 400


@pytest.mark.spec("ANA-06", "ANA-02")
def test_resnet50_numbers(resnet_result: dict[str, Any]) -> None:
    assert resnet_result["flops_str"] == "4.145G"
    assert resnet_result["params_str"] == "25.557M"
    assert resnet_result["activations_str"] == "11.115M"
    assert resnet_result["flops"] == 4_144_854_528
    assert resnet_result["params"] == 25_557_032
    assert resnet_result["activations"] == 11_114_984


@pytest.mark.spec("ANA-06", "ANA-07", "ANA-08")
def test_resnet50_table_is_the_spec_table(resnet_result: dict[str, Any]) -> None:
    golden = (FIXTURES / "resnet50_table.txt").read_text().rstrip("\n")
    assert resnet_result["out_table"] == golden
    rows = resnet_result["out_table"].splitlines()
    assert (
        rows[3] == "| resnet                 | 25.557M              | 4.145G     | 11.115M      |"
    )
    # (c) modules without parameters come after their parameterised siblings
    assert rows[-5].startswith("|  fc ")
    assert rows[-2].startswith("|  avgpool ")


@pytest.mark.spec("ANA-06", "ANA-07", "ANA-08")
def test_resnet50_arch_matches_the_spec(resnet_result: dict[str, Any]) -> None:
    arch = resnet_result["out_arch"]
    lines = arch.splitlines()
    assert lines[:3] == [
        "MMResNet50(",
        "  #params: 25.56M, #flops: 4.14G, #acts: 11.11M",
        "  (data_preprocessor): BaseDataPreprocessor(#params: 0, #flops: N/A, #acts: N/A)",
    ]
    assert "    (relu): ReLU(inplace=True)" in lines
    assert "    (avgpool): AdaptiveAvgPool2d(" in lines
    assert "      #params: 0, #flops: 0.1M, #acts: 0" in lines
    # The spec's rendering lost part of the indentation; compare the text of every line.
    # torch 2.x adds `bias=True` to BatchNorm's repr, which the spec's torch did not have.
    spec = (FIXTURES / "resnet50_arch_spec_rendering.txt").read_text().splitlines()
    ours = [line.strip().replace("affine=True, bias=True,", "affine=True,") for line in lines]
    assert ours == [line.strip() for line in spec]
