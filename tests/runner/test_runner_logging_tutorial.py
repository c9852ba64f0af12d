"""EX-30: every run of the logging tutorial, its log lines reproduced exactly.

The model is seeded and the iteration timer reads a fake clock, so every number of every line
is fixed; the expected losses come from a hand-written training loop, not from the runner.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import torch
from torch.utils.data import DataLoader

from mme.logging import MessageHub
from mme.runner import Runner
from mme.runner.hooks import iter_timer_hook

from .runner_toys import ToyModel

pytestmark = pytest.mark.spec("LOG-19", "LOG-20", "LOG-21", "RUN-08")

TRAIN_DATASET = [(torch.ones(1, 1), torch.ones(1, 1))] * 50


@pytest.fixture(autouse=True)
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each reading of the timer's clock advances it by 1 ms: data_time 1 ms, time 2 ms."""
    ticks = itertools.count()
    monkeypatch.setattr(iter_timer_hook, "clock", lambda: next(ticks) * 0.001)


def seeded_model() -> ToyModel:
    torch.manual_seed(2022)
    return ToyModel()


def hand_written_losses() -> list[tuple[float, float]]:
    """(loss1, loss2) of each of the 25 iterations, from a plain PyTorch loop."""
    model = seeded_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    history = []
    for img, label in DataLoader(TRAIN_DATASET, batch_size=2):
        feat = model.linear(img)
        loss1, loss2 = (feat - label).pow(2).mean(), (feat - label).abs().mean()
        (loss1 + loss2).backward()
        optimizer.step()
        optimizer.zero_grad()
        history.append((loss1.item(), loss2.item()))
    return history


def run(tmp_path: Path, model: Any = None, **kwargs: Any) -> list[str]:
    runner = Runner(
        model=model if model is not None else seeded_model(),
        work_dir=str(tmp_path),
        train_dataloader=DataLoader(TRAIN_DATASET, batch_size=2),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(checkpoint=None),
        **kwargs,
    )
    runner.train()
    log = Path(runner.log_dir, f"{runner.timestamp}.log").read_text()
    return [line.split(" - ", 3)[3] for line in log.splitlines() if "(train)" in line]


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


HEAD = "lr: 1.0000e-02  eta: 0:00:00  time: 0.0020  data_time: 0.0010"


def test_default_log_processor_averages_losses_over_ten_iterations(tmp_path: Path) -> None:
    losses = hand_written_losses()
    lines = run(tmp_path)
    expected = []
    for end in (10, 20):
        l1 = mean([a for a, _ in losses[end - 10 : end]])
        l2 = mean([b for _, b in losses[end - 10 : end]])
        total = mean([a + b for a, b in losses[end - 10 : end]])
        expected.append(
            f"Epoch(train) [1][{end}/25]  {HEAD}  "
            f"loss1: {l1:.4f}  loss2: {l2:.4f}  loss: {total:.4f}"
        )
    assert lines == expected
    # The golden lines themselves (seed 2022):
    assert lines == [
        f"Epoch(train) [1][10/25]  {HEAD}  loss1: 0.0575  loss2: 0.2244  loss: 0.2819",
        f"Epoch(train) [1][20/25]  {HEAD}  loss1: 0.0010  loss2: 0.0226  loss: 0.0236",
    ]


def test_global_mean_of_loss1_replaces_the_window_mean(tmp_path: Path) -> None:
    losses = hand_written_losses()
    lines = run(
        tmp_path,
        log_processor=dict(
            custom_cfg=[dict(data_src="loss1", method_name="mean", window_size="global")]
        ),
    )
    assert f"loss1: {mean([a for a, _ in losses[:20]]):.4f}  loss2:" in lines[1]
    assert f"loss1: {mean([a for a, _ in losses[:10]]):.4f}  loss2:" in lines[0]


def test_log_name_adds_the_global_mean_next_to_the_window_mean(tmp_path: Path) -> None:
    losses = hand_written_losses()
    lines = run(
        tmp_path,
        log_processor=dict(
            custom_cfg=[
                dict(
                    data_src="loss1",
                    log_name="loss1_global",
                    method_name="mean",
                    window_size="global",
                )
            ]
        ),
    )
    window = mean([a for a, _ in losses[10:20]])
    overall = mean([a for a, _ in losses[:20]])
    assert lines[1].endswith(
        f"loss1: {window:.4f}  loss2: {mean([b for _, b in losses[10:20]]):.4f}"
        f"  loss: {mean([a + b for a, b in losses[10:20]]):.4f}"
        f"  loss1_global: {overall:.4f}"
    )


def test_local_and_global_maximum(tmp_path: Path) -> None:
    losses = hand_written_losses()
    lines = run(
        tmp_path,
        log_processor=dict(
            custom_cfg=[
                dict(
                    data_src="loss1", log_name="loss1_local_max", window_size=10, method_name="max"
                ),
                dict(
                    data_src="loss1",
                    log_name="loss1_global_max",
                    method_name="max",
                    window_size="global",
                ),
            ]
        ),
    )
    local = max(a for a, _ in losses[10:20])
    overall = max(a for a, _ in losses[:20])
    assert lines[1].endswith(f"loss1_local_max: {local:.4f}  loss1_global_max: {overall:.4f}")


class LossTmpModel(ToyModel):
    """The tutorial's model that logs an intermediate value through the MessageHub."""

    def forward(self, img: torch.Tensor, label: torch.Tensor, mode: str = "tensor") -> Any:
        feat = self.linear(img)
        loss_tmp = (feat - label).abs()
        MessageHub.get_current_instance().update_scalar("train/loss_tmp", loss_tmp.sum())
        return dict(loss=loss_tmp.pow(2))


def test_custom_scalar_from_the_message_hub(tmp_path: Path) -> None:
    torch.manual_seed(2022)
    lines = run(
        tmp_path,
        model=LossTmpModel(),
        log_processor=dict(
            custom_cfg=[dict(data_src="loss_tmp", window_size=10, method_name="mean")]
        ),
    )
    assert [line.split("  ")[0] for line in lines] == [
        "Epoch(train) [1][10/25]",
        "Epoch(train) [1][20/25]",
    ]
    for line in lines:
        names = [item.split(":")[0] for item in line.split("  ")[1:]]
        assert names == ["lr", "eta", "time", "data_time", "loss_tmp", "loss"]


def test_debug_level_logs_what_the_registries_build(tmp_path: Path) -> None:
    run(tmp_path, log_level="DEBUG")
    log = next(tmp_path.glob("*/*.log")).read_text()
    debug = [line.split(" - DEBUG - ")[1] for line in log.splitlines() if " - DEBUG - " in line]
    built = [line for line in debug if line.startswith("Get class")]
    assert 'Get class `LocalVisBackend` from "vis_backend" registry in "mme"' in built
    order = [line.split("`")[1] for line in built]
    hooks = [name for name in order if name.endswith("Hook")]
    assert order.index("LocalVisBackend") < order.index("RuntimeInfoHook")
    assert hooks == [
        "RuntimeInfoHook",
        "IterTimerHook",
        "DistSamplerSeedHook",
        "LoggerHook",
        "ParamSchedulerHook",
    ]


def test_custom_cfg_errors_name_the_entry() -> None:
    from mme.runner import LogProcessor

    with pytest.raises(
        ValueError, match=r"custom_cfg\[0\]: method_name='maen'.*Did you mean 'mean'"
    ):
        LogProcessor(custom_cfg=[dict(data_src="loss", method_name="maen")])
    with pytest.raises(KeyError, match=r"custom_cfg\[0\] has no 'data_src'"):
        LogProcessor(custom_cfg=[dict(method_name="mean")])
    with pytest.raises(ValueError, match="replaces 'loss' a second time"):
        LogProcessor(
            custom_cfg=[
                dict(data_src="loss", method_name="mean"),
                dict(data_src="loss", method_name="max"),
            ]
        )


def scalars_of(tmp_path: Path) -> list[dict]:
    import json

    path = next(tmp_path.glob("*/vis_data/scalars.json"))
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_logger_that_drops_info_still_gets_every_scalar(tmp_path: Path) -> None:
    """At log_level='WARNING' the train lines are not formatted (nobody would see them), and
    the scalars sent to the visualizer are the same as at INFO, with the same custom_cfg."""
    custom = dict(custom_cfg=[dict(data_src="loss1", window_size="global", method_name="max")])
    shown = run(tmp_path / "info", log_processor=custom)
    hidden = run(tmp_path / "warning", log_processor=custom, log_level="WARNING")
    assert len(shown) == 2
    assert hidden == []
    info, warning = scalars_of(tmp_path / "info"), scalars_of(tmp_path / "warning")
    assert len(info) == 2
    assert [set(r) for r in info] == [set(r) for r in warning]
    for a, b in zip(info, warning, strict=True):
        # the same numbers (the fake clock gives both runs the same times)
        assert a == pytest.approx(b)
    assert {"lr", "loss", "loss1", "loss2", "time", "data_time", "epoch", "iter"} <= set(info[0])


def test_a_custom_processor_formats_its_lines_whatever_the_level(tmp_path: Path) -> None:
    from mme.runner import LogProcessor

    calls = []

    class Counting(LogProcessor):
        def get_log_after_iter(self, runner: Any, batch_idx: int, mode: str) -> Any:
            calls.append(batch_idx)
            return super().get_log_after_iter(runner, batch_idx, mode)

    run(tmp_path, log_processor=Counting(), log_level="WARNING")
    assert calls == [9, 19]
    assert [r["iter"] for r in scalars_of(tmp_path)] == [10, 20]
