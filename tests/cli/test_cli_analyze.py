"""``mme analyze``: a model named by a Python path or built from a config, as a table."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from mme.cli import main

pytest.importorskip("mme.analysis", reason="mme analyze needs mme-analysis")
pytestmark = pytest.mark.spec(infra="the mme analyze command of the meta-package")

NET = """\
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.conv(x).sigmoid().mean((2, 3), keepdim=True).flatten(1))


def two_inputs():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 2)
            self.b = nn.Linear(6, 2)

        def forward(self, x, y):
            return self.a(x) + self.b(y)

    return Two()


not_a_model = 42
"""


@pytest.fixture
def net_file(tmp_path: Path) -> Path:
    path = tmp_path / "net.py"
    path.write_text(NET)
    return path


def test_file_path_with_attr_prints_summary_table_and_unknown_ops(
    net_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", f"{net_file}:Net", "--shape", "3", "10", "10", "--arch"]) == 0
    out = capsys.readouterr().out
    # conv: 8 * 3*3*3 * 8*8 = 13824; global mean: 8*8*8 = 512; fc: 16
    assert "Net on (1, 3, 10, 10): FLOPs 14.352K, parameters 0.242K, activations 0.514K" in out
    assert "conv.weight" in out
    assert "(8, 3, 3, 3)" in out
    assert "Operators without a rule (counted as 0): aten::sigmoid (1x)" in out
    assert "#params: 0.22K, #flops: 13.82K, #acts: 0.51K" in out


def test_module_path_with_a_function_and_two_shapes(
    net_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(net_file.parent))
    monkeypatch.delitem(sys.modules, "net", raising=False)
    assert main(["analyze", "net:two_inputs", "--shape", "4", "--shape", "6"]) == 0
    assert "Two on (1, 4) + (1, 6): FLOPs 20, parameters 24" in capsys.readouterr().out


def test_config_builds_the_model_through_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "analyze_cli_models.py").write_text(
        textwrap.dedent(
            """\
            from torch import nn
            from mme.registry import MODELS

            @MODELS.register_module(force=True)
            class AnalyzeCliNet(nn.Module):
                def __init__(self, width=4):
                    super().__init__()
                    self.fc = nn.Linear(10, width)

                def forward(self, x):
                    return self.fc(x)
            """
        )
    )
    config = tmp_path / "config.py"
    config.write_text(
        "custom_imports = dict(imports=['analyze_cli_models'])\n"
        "model = dict(type='AnalyzeCliNet', width=6)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["analyze", str(config), "--shape", "10"]) == 0
    assert "AnalyzeCliNet on (1, 10): FLOPs 60, parameters 66, activations 6" in (
        capsys.readouterr().out
    )
    config.write_text(
        "custom_imports = dict(imports=['analyze_cli_models'])\n"
        "model = dict(type='AnalyzeCliNte')\n"
    )
    assert main(["analyze", str(config), "--shape", "10"]) == 2
    assert "Did you mean 'AnalyzeCliNet'?" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{net}:Nte", "has no attribute 'Nte'. Did you mean 'Net'?"),
        ("{net}:not_a_model", "expected a torch.nn.Module, got int"),
        ("{dir}/missing.py:Net", "file {dir}/missing.py does not exist"),
        ("{dir}/missing_config.py", "no such config file"),
        ("{dir}/plain.py", "the config has no 'model' dict to build"),
        ("no_such_module_xyz:Net", "cannot import module 'no_such_module_xyz'"),
    ],
)
def test_bad_targets_say_what_is_wrong(
    net_file: Path, target: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (net_file.parent / "plain.py").write_text("x = 1\n")
    fill = {"net": net_file, "dir": net_file.parent}
    assert main(["analyze", target.format(**fill), "--shape", "3", "8", "8"]) == 2
    assert message.format(**fill) in capsys.readouterr().err


def test_a_bad_shape_is_reported(net_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", f"{net_file}:Net", "--shape", "3", "x"])
    assert exit_info.value.code == 2
    assert "argument --shape: invalid int value: 'x'" in capsys.readouterr().err
    assert main(["analyze", f"{net_file}:Net", "--shape", "3", "2", "2"]) == 1
    err = capsys.readouterr().err
    assert "mme analyze: Net failed on input (1, 3, 2, 2):" in err
    assert "Kernel size can't be greater than actual input size" in err


def test_missing_mme_analysis_names_the_extra(
    net_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "mme.analysis", None)
    assert main(["analyze", f"{net_file}:Net"]) == 2
    err = capsys.readouterr().err
    assert '"mme[analysis]"' in err
    assert "--find-links" in err  # a command that can work while nothing is on PyPI
