"""``mme train`` / ``mme test`` / tools/train.py on the shipped digits example."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from mme.runner.cli import test as test_command
from mme.runner.cli import train as train_command

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    """What ``mme <argv>`` runs (the meta-package's ``mme`` dispatches to these modules)."""
    import argparse

    command = {"train": train_command, "test": test_command}[argv[0]]
    parser = argparse.ArgumentParser(prog=f"mme {argv[0]}")
    command.add_arguments(parser)
    return command.run(parser.parse_args(argv[1:]))


CONFIG = str(ROOT / "examples" / "digits" / "digits_config.py")

pytestmark = [
    pytest.mark.spec(infra="mme train and mme test on the shipped example"),
    pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="needs scikit-learn"),
]


def test_train_resume_and_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work_dir = tmp_path / "digits"
    args = [
        "train",
        CONFIG,
        "--work-dir",
        str(work_dir),
        "--cfg-options",
        "train_cfg.max_epochs=2",
        "default_hooks.checkpoint.interval=1",
    ]
    assert main(args) == 0
    assert sorted(p.name for p in work_dir.glob("epoch_*.pth")) == ["epoch_1.pth", "epoch_2.pth"]
    scalars = next(work_dir.glob("*/vis_data/scalars.json")).read_text().splitlines()
    accuracy = [json.loads(line)["accuracy"] for line in scalars if "accuracy" in line]
    assert len(accuracy) == 2
    assert accuracy[-1] > 80
    # --resume without a checkpoint: from the latest one in work_dir, one more epoch
    assert (
        main(
            [
                *args[:-2],
                "train_cfg.max_epochs=3",
                "default_hooks.checkpoint.interval=1",
                "--resume",
            ]
        )
        == 0
    )
    assert (work_dir / "epoch_3.pth").is_file()
    log = sorted(work_dir.glob("*/*.log"))[-1].read_text()
    assert "resumed epoch: 2, iter: 180" in log
    capsys.readouterr()
    assert main(["test", CONFIG, str(work_dir / "epoch_3.pth"), "--work-dir", str(work_dir)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line for line in printed if line.startswith("accuracy: ")]
    log = sorted(work_dir.glob("*/*.log"))[-1].read_text()
    assert f"Load checkpoint from {work_dir / 'epoch_3.pth'}" in log


def test_tools_train_is_the_same_command(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import train as tools_train  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "tools"))
    with pytest.raises(SystemExit) as exc:
        tools_train.main(["--help"])
    assert exc.value.code == 0


def test_amp_switches_the_optimizer_wrapper(tmp_path: Path) -> None:
    import argparse

    from mme.runner.cli import train

    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    cfg = train.build_train_config(parser.parse_args([CONFIG, "--amp", "--resume", "x.pth"]))
    assert cfg["optim_wrapper"]["type"] == "AmpOptimWrapper"  # type: ignore[index]
    assert cfg["resume"] is True
    assert cfg["load_from"] == "x.pth"
    assert cfg["work_dir"] == "./work_dirs/digits"  # type: ignore[index]
