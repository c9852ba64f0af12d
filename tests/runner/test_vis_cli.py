"""``mme plot`` and ``mme runs`` on a work_dir written by a tiny real Runner (VIS-04)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
from torch.utils.data import DataLoader

from mme.runner import Runner
from mme.runner.cli import plot, runs
from mme.runner.visualization.run_history import find_runs

from .runner_toys import AccuracyEvaluator, Classifier, collate, points

pytestmark = pytest.mark.spec("VIS-04")


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two runs (3 and 2 epochs) of the tiny classifier in one work_dir."""
    folder = tmp_path_factory.mktemp("work")
    for epochs in (3, 2):
        runner = Runner(
            model=Classifier(),
            work_dir=str(folder),
            train_dataloader=DataLoader(points(16), batch_size=4, collate_fn=collate),
            train_cfg=dict(by_epoch=True, max_epochs=epochs),
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.5)),
            val_dataloader=DataLoader(points(8, seed=1), batch_size=4, collate_fn=collate),
            val_cfg=dict(),
            val_evaluator=AccuracyEvaluator(),
            default_hooks=dict(logger=dict(type="LoggerHook", interval=2)),
        )
        runner.train()
    return folder


def parse(module: object, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)  # type: ignore[attr-defined]
    return parser.parse_args(argv)


def test_runs_reads_back_what_the_runner_logged(work_dir: Path) -> None:
    found = find_runs(work_dir)
    assert len(found) == 2
    first = found[0]
    lines = [json.loads(line) for line in first.scalars_file.read_text().splitlines()]
    accuracies = [line["accuracy"] for line in lines if "accuracy" in line]
    assert len(accuracies) == 3
    assert first.epochs == 3
    assert first.iterations == 12
    key, value, step = first.best()  # type: ignore[misc]
    assert (key, value) == ("accuracy", max(accuracies))
    assert step == 1 + accuracies.index(max(accuracies))
    times = [line["time"] for line in lines if "iter" in line]
    assert first.seconds_per_iter == pytest.approx(sum(times) / len(times))
    assert found[1].epochs == 2


def test_mme_runs_prints_a_row_per_run(work_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert runs.run(parse(runs, [str(work_dir)])) == 0
    out = capsys.readouterr().out
    for header in ("date", "config", "best metric", "epochs", "time / iter"):
        assert header in out
    found = find_runs(work_dir)
    for item in found:
        assert item.folder.name in out
        cells = runs.row(item)
        assert cells[4] == str(item.epochs)
        assert cells[3].startswith("accuracy ")
        started = item.started
        assert started is not None
        assert started.strftime("%Y-%m-%d %H:%M:%S") in out
    assert runs.run(parse(runs, [str(work_dir / "missing")])) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_mme_plot_draws_one_panel_per_key_and_one_line_per_run(
    work_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import matplotlib.image

    out = tmp_path / "curves.png"
    args = parse(plot, [str(work_dir), "--keys", "loss", "accuracy", "--out", str(out)])
    assert plot.run(args) == 0
    assert f"to {out}" in capsys.readouterr().out
    image = matplotlib.image.imread(out)
    assert image.shape[1] == 900  # two panels of 4.5 inches at 100 dpi
    assert image.shape[0] == 360
    # one scalars.json, x in epochs, smoothed
    single = find_runs(work_dir)[1].scalars_file
    args = parse(
        plot, [str(single), "--keys", "loss", "--x", "epoch", "--smooth", "0.5", "--out", str(out)]
    )
    assert plot.run(args) == 0


def test_curves_in_iterations_and_epochs(work_dir: Path) -> None:
    run = find_runs(work_dir)[0]
    xs, ys = plot.curve(run, "loss", "iter")
    assert xs == [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
    xs, _ = plot.curve(run, "accuracy", "iter")
    assert xs == [4.0, 8.0, 12.0]  # each validation at its epoch's last iteration
    xs, ys_epoch = plot.curve(run, "loss", "epoch")
    assert xs == [1.0, 2.0, 3.0]
    assert ys_epoch[0] == pytest.approx(np.mean(ys[:2]))
    assert plot.smooth([1.0, 0.0], 0.5) == [1.0, pytest.approx(1 / 3)]
    assert plot.smooth([1.0, 0.0], 0) == [1.0, 0.0]


def test_plot_errors_name_the_key_or_path(
    work_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse(plot, [str(work_dir), "--keys", "los", "--out", str(tmp_path / "x.png")])
    assert plot.run(args) == 2
    err = capsys.readouterr().err
    assert "mme plot: error: key 'los' is not logged in these runs" in err
    assert "Did you mean 'loss'?" in err
    assert plot.run(parse(plot, [str(tmp_path), "--keys", "loss"])) == 2
    assert "no runs here" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"loss": 1, "iter": 1}\n[1, 2]\n{"loss": 2, "iter": 2}\n')
    assert plot.run(parse(plot, [str(bad), "--keys", "loss"])) == 2
    assert f"{bad}:2: expected a JSON object" in capsys.readouterr().err
    assert plot.run(parse(plot, [str(work_dir), "--smooth", "1"])) == 2
    assert "--smooth must be in [0, 1), got 1.0" in capsys.readouterr().err


def test_iteration_based_runs_and_lower_is_better_metrics(tmp_path: Path) -> None:
    scalars = tmp_path / "20260101_120000" / "vis_data" / "scalars.json"
    scalars.parent.mkdir(parents=True)
    lines = [
        {"loss": 1.0, "time": 0.2, "iter": 10, "step": 10},
        {"val_loss": 0.9, "step": 10},
        {"loss": 0.5, "time": 0.4, "iter": 20, "step": 20},
        {"val_loss": 0.7, "step": 20},
        {"val_loss": 0.8, "step": 30},
    ]
    scalars.write_text("".join(json.dumps(line) + "\n" for line in lines))
    (run,) = find_runs(tmp_path)
    assert run.best() == ("val_loss", 0.7, 20)  # a loss: the lowest is the best
    assert run.epochs is None
    assert runs.row(run)[4] == "20 iters"
    assert runs.row(run)[5] == "0.3000 s"
    assert plot.curve(run, "val_loss", "iter") == ([10.0, 20.0, 30.0], [0.9, 0.7, 0.8])
    from mme.runner.visualization.run_history import RunError

    with pytest.raises(RunError, match="logged no epochs; draw it with --x iter"):
        plot.curve(run, "loss", "epoch")
