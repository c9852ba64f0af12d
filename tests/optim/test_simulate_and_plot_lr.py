"""simulate_schedule and the ``mme plot-lr`` subcommand (OPT-18, OPT-19, OPT-20)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from mme.optim import cli as plot_lr
from mme.optim import simulate_schedule

WARMUP_MULTISTEP = [
    dict(type="LinearLR", start_factor=0.001, by_epoch=False, begin=0, end=50),
    dict(type="MultiStepLR", by_epoch=True, milestones=[8, 11], gamma=0.1),
]


@pytest.mark.spec("OPT-19")
def test_simulation_steps_like_the_runner() -> None:
    trace = simulate_schedule(
        WARMUP_MULTISTEP, max_epochs=12, epoch_length=20, optimizer=dict(type="SGD", lr=0.1)
    )
    assert len(trace["lr"]) == 240
    assert trace["iter"][:3] == [0, 1, 2]
    assert trace["epoch"][19:21] == [0, 1]
    assert trace["lr"][0] == pytest.approx(0.0001)
    assert trace["lr"][49] == pytest.approx(0.1)  # the warm-up ends at iteration 50
    assert trace["lr"][159] == pytest.approx(0.1)
    assert trace["lr"][160] == pytest.approx(0.01)  # after the 8th epoch
    assert trace["lr"][220] == pytest.approx(0.001)  # after the 11th
    assert set(trace["momentum"]) == {0.9}


@pytest.mark.spec("OPT-18", "OPT-20", "OPT-21")
def test_simulation_of_iteration_schedules_momentum_and_other_keys() -> None:
    trace = simulate_schedule(
        [
            dict(type="CosineAnnealingLR", T_max=10, by_epoch=False),
            dict(type="LinearMomentum", start_factor=0.5, by_epoch=False, end=5),
            dict(type="ExponentialParamScheduler", param_name="weight_decay", gamma=0.5,
                 by_epoch=False),
        ],
        max_iters=10,
        optimizer=dict(type="Adam", lr=1.0, weight_decay=1.0),
    )  # fmt: skip
    assert list(trace) == ["iter", "epoch", "lr", "momentum", "weight_decay"]
    assert trace["lr"][5] == pytest.approx(0.5)
    assert trace["momentum"][0] == pytest.approx(0.45)  # Adam's betas[0] = 0.9
    assert trace["weight_decay"][3] == pytest.approx(0.125)
    converted = simulate_schedule(
        dict(type="CosineAnnealingLR", T_max=3, convert_to_iter_based=True),
        max_epochs=3,
        epoch_length=4,
    )
    assert len(set(converted["lr"])) == 12


@pytest.mark.spec("OPT-18")
def test_simulation_errors_say_what_is_missing() -> None:
    with pytest.raises(ValueError, match="give epoch_length"):
        simulate_schedule(WARMUP_MULTISTEP, max_epochs=12)
    with pytest.raises(ValueError, match="MultiStepLR is epoch-based"):
        simulate_schedule(WARMUP_MULTISTEP, max_iters=100)
    with pytest.raises(ValueError, match="exactly one of max_epochs and max_iters"):
        simulate_schedule(WARMUP_MULTISTEP)


def _config(tmp_path: Path, train_cfg: str = "dict(by_epoch=True, max_epochs=12)") -> Path:
    path = tmp_path / "warmup.py"
    path.write_text(
        "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))\n"
        f"param_scheduler = {WARMUP_MULTISTEP!r}\n"
        f"train_cfg = {train_cfg}\n"
    )
    return path


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="mme plot-lr")
    plot_lr.add_arguments(parser)
    return plot_lr.run(parser.parse_args(list(argv)))


@pytest.mark.spec("OPT-19")
def test_plot_lr_prints_a_table_without_matplotlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    assert _run(str(_config(tmp_path)), "--epoch-length", "20", "--rows", "5") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["iter", "epoch", "lr", "momentum"]
    assert [line.split()[:3] for line in out[1:6]] == [
        ["0", "0", "0.0001"], ["60", "3", "0.1"], ["120", "6", "0.1"], ["179", "8", "0.01"],
        ["239", "11", "0.001"],
    ]  # fmt: skip
    assert out[6] == "(install matplotlib for a picture: pip install 'mme-optim[plot]')"


@pytest.mark.spec("OPT-19")
def test_plot_lr_writes_a_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "curve.png"
    assert _run(str(_config(tmp_path)), "--epoch-length", "20", "--out", str(out)) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert capsys.readouterr().out == f"wrote {out} (240 iterations)\n"


@pytest.mark.spec("OPT-19")
def test_plot_lr_errors_name_the_missing_piece(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    assert _run(str(config), "--text") == 2
    assert "give epoch_length" in capsys.readouterr().err
    no_length = _config(tmp_path, "dict(by_epoch=True)")
    assert _run(str(no_length), "--epoch-length", "3") == 2
    assert "neither max_epochs nor max_iters" in capsys.readouterr().err
    typo = tmp_path / "typo.py"
    typo.write_text("param_schedulers = []\n")
    assert _run(str(typo)) == 2
    assert "has no param_scheduler. Did you mean 'param_schedulers'?" in capsys.readouterr().err


@pytest.mark.spec("OPT-19")
def test_mme_plot_lr_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = pytest.importorskip("mme.cli")  # the meta-package's command, when installed
    config = str(_config(tmp_path))
    assert cli.main(["plot-lr", config, "--epoch-length", "20", "--text", "--rows", "3"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:3] == ["0", "0", "0.0001"]
