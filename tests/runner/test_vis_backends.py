"""Storage backends (VIS-02, VIS-04): TensorBoard events and W&B runs read back, failing
trackers, the storage API of the Visualizer."""

from __future__ import annotations

import json
import struct
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from mme.config import Config
from mme.registry import VISBACKENDS
from mme.runner import Runner
from mme.runner.visualization import (
    BaseVisBackend,
    LocalVisBackend,
    TensorboardVisBackend,
    Visualizer,
    WandbVisBackend,
    event_file,
)

from .runner_toys import AccuracyEvaluator, Classifier, collate, points

pytestmark = pytest.mark.spec("VIS-02")


def accumulator(folder: Path) -> Any:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0})
    acc.Reload()
    return acc


def test_event_records_match_tensorboards_crc_and_encoding() -> None:
    import os

    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    chunks = [os.urandom(n) for n in (1, 7, 8, 90, 300, 5000)]
    crcs = event_file.masked(event_file._CRC.many(chunks))
    assert [int(c) for c in crcs] == [masked_crc32c(c) for c in chunks]
    payload = event_file.scalar_event(
        12.5,
        300,
        [(event_file.value_prefix("train/loss"), 0.25), (event_file.value_prefix("é"), 2)],
    )
    event = Event.FromString(payload)
    assert event.wall_time == 12.5
    assert event.step == 300
    assert [(v.tag, v.simple_value) for v in event.summary.value] == [
        ("train/loss", 0.25),
        ("é", 2),
    ]
    record = event_file.records([payload])
    (length,) = struct.unpack("<Q", record[:8])
    assert length == len(payload)
    assert record[12 : 12 + length] == payload


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.jit.trace in add_graph
def test_tensorboard_scalars_images_config_and_graph_are_read_back(tmp_path: Path) -> None:
    vis = Visualizer(
        name="vis-tb",
        vis_backends=[dict(type="TensorboardVisBackend", flush_secs=100)],
        save_dir=str(tmp_path),
    )
    for step in range(1, 6):
        vis.add_scalars({"loss": 1.0 / step, "lr": torch.tensor(0.1)}, step=step)
    vis.add_scalar("acc", np.float32(0.75), step=5)
    backend = vis.get_backend("TensorboardVisBackend")
    assert isinstance(backend, TensorboardVisBackend)
    folder = tmp_path / "vis_data"
    assert "loss" not in accumulator(folder).Tags()["scalars"]  # batched: not written yet
    image = np.zeros((6, 8, 3), dtype=np.uint8)
    image[:, :4] = [255, 0, 0]
    vis.add_image("sample", image, step=3)
    vis.add_config(Config(dict(lr=0.1)))
    vis.add_graph(torch.nn.Linear(2, 3), torch.randn(1, 2))
    vis.close()
    acc = accumulator(folder)
    assert [(e.step, round(e.value, 6)) for e in acc.Scalars("loss")] == [
        (1, 1.0),
        (2, 0.5),
        (3, 0.333333),
        (4, 0.25),
        (5, 0.2),
    ]
    assert [(e.step, round(e.value, 6)) for e in acc.Scalars("acc")] == [(5, 0.75)]
    (img,) = acc.Images("sample")
    assert (img.step, img.width, img.height) == (3, 8, 6)
    import io

    import matplotlib.image

    decoded = matplotlib.image.imread(io.BytesIO(img.encoded_image_string), format="png")
    assert (np.round(decoded[..., :3] * 255).astype(np.uint8) == image).all()
    assert "config/text_summary" in acc.Tags()["tensors"]
    assert acc.Tags()["graph"] is True
    backend.add_scalars({"note": "hello", "x": 1}, step=6)
    with pytest.warns(UserWarning, match="'note' is str, not a number"):
        backend.flush()  # values are encoded when written
    with pytest.raises(ValueError, match="step must be an int >= 0, got -1"):
        backend.add_scalars({"x": 1}, step=-1)


def test_flush_happens_at_the_interval(tmp_path: Path) -> None:
    backend = TensorboardVisBackend(str(tmp_path), flush_secs=0)
    backend.add_scalars({"loss": 0.5}, step=1)
    assert [e.value for e in accumulator(tmp_path).Scalars("loss")] == [0.5]
    with pytest.raises(ValueError, match="flush_secs must be >= 0"):
        TensorboardVisBackend(str(tmp_path), flush_secs=-1)


def test_missing_tensorboard_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    with pytest.raises(ImportError, match=r'pip install "mme\[tensorboard\]"'):
        Visualizer(
            name="vis-no-tb", vis_backends=[dict(type="TensorboardVisBackend")], save_dir=tmp_path
        )


def test_missing_wandb_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "wandb", None)
    with pytest.raises(ImportError, match=r'pip install "mme\[wandb\]"'):
        WandbVisBackend(str(tmp_path))


class BrokenBackend(BaseVisBackend):
    """A tracker whose every write fails, as a full disk or an unreachable server does."""

    calls = 0

    def _init_env(self) -> None:
        pass

    def _experiment(self) -> Any:
        return self

    def add_scalars(
        self, scalar_dict: dict, step: int = 0, file_path: Any = None, **kw: Any
    ) -> None:
        BrokenBackend.calls += 1
        raise OSError(28, "No space left on device")

    def add_config(self, config: Any, **kwargs: Any) -> None:
        BrokenBackend.calls += 1
        raise ConnectionError("wandb.ai unreachable")


@pytest.mark.spec("VIS-04")
def test_a_failing_tracker_warns_once_and_training_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if "BrokenBackend" not in VISBACKENDS:
        VISBACKENDS.register_module(module=BrokenBackend)
    BrokenBackend.calls = 0
    runner = Runner(
        model=Classifier(),
        work_dir=str(tmp_path),
        train_dataloader=DataLoader(points(32), batch_size=4, collate_fn=collate),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        val_dataloader=DataLoader(points(8), batch_size=4, collate_fn=collate),
        val_cfg=dict(),
        val_evaluator=AccuracyEvaluator(),
        visualizer=dict(
            vis_backends=[
                dict(type="BrokenBackend"),
                dict(type="LocalVisBackend"),
                dict(type="TensorboardVisBackend"),
            ]
        ),
        default_hooks=dict(logger=dict(type="LoggerHook", interval=1)),
    )
    runner.train()
    out = capsys.readouterr().out
    assert runner.epoch == 2
    assert out.count("backend 'BrokenBackend' failed") == 1
    assert "OSError: [Errno 28] No space left on device" in out
    assert BrokenBackend.calls == 1  # disabled after the first failure
    # the other backends got every iteration (16) and both validations
    lines = (Path(runner.log_dir) / "vis_data" / "scalars.json").read_text().splitlines()
    assert len(lines) == 18
    acc = accumulator(Path(runner.log_dir) / "vis_data")
    assert [e.step for e in acc.Scalars("loss")] == list(range(1, 17))  # flushed by after_run
    assert [e.step for e in acc.Scalars("accuracy")] == [1, 2]


def test_storage_api_reaches_every_backend_and_dataset_meta(tmp_path: Path) -> None:
    vis = Visualizer(
        name="vis-two",
        vis_backends=[dict(type="LocalVisBackend"), dict(type="LocalVisBackend", name="copy")],
        save_dir=str(tmp_path),
    )
    assert list(vis.backends) == ["LocalVisBackend", "copy"]
    vis.add_scalar("loss", 0.5, step=2)
    vis.add_image("pic", np.zeros((4, 4, 3), dtype=np.uint8), step=1)
    assert (tmp_path / "vis_data" / "vis_image" / "pic_1.png").exists()
    local = vis.get_backend("copy")
    assert isinstance(local, LocalVisBackend)
    vis.dataset_meta = dict(classes=("cat", "dog"))
    assert vis.dataset_meta == dict(classes=("cat", "dog"))
    with pytest.raises(TypeError, match="dataset_meta must be a dict, got list"):
        vis.dataset_meta = ["cat"]  # type: ignore[assignment]
    with pytest.raises(TypeError, match="add_scalars expects a dict, got list"):
        vis.add_scalars([0.5])  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------- W&B
def wandb_records(run_dir: Path, timeout: float = 60.0) -> list[Any]:
    """The records of an offline run's ``.wandb`` file, once its ``exit`` record is written.

    wandb's service process writes the file after ``finish()`` returns (it was seen empty
    right after), so this waits for the run's last record before reading.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            records = parse_wandb_file(run_dir)
        except Exception:  # a record half written: read again
            records = []
        if records and records[-1].WhichOneof("record_type") == "exit":
            return records
        if time.monotonic() > deadline:
            kinds = [r.WhichOneof("record_type") for r in records]
            raise AssertionError(f"{run_dir}: no exit record after {timeout} s, got {kinds}")
        time.sleep(0.05)


def parse_wandb_file(run_dir: Path) -> list[Any]:
    """The records of an offline run's ``.wandb`` file (LevelDB-log blocks of protobufs)."""
    from wandb.proto import wandb_internal_pb2

    (path,) = run_dir.glob("*.wandb")
    data = path.read_bytes()
    if len(data) < 7:
        return []
    assert data[:4] == b":W&B"
    pos, block, pending, out = 7, 32768, b"", []
    while pos + 7 <= len(data):
        if block - pos % block < 7:
            pos += block - pos % block
            continue
        _, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        chunk, pos = data[pos + 7 : pos + 7 + length], pos + 7 + length
        if kind in (1, 2):
            pending = chunk
        elif kind in (3, 4):
            pending += chunk
        if kind in (1, 4):
            out.append(wandb_internal_pb2.Record.FromString(pending))
    return out


def test_wandb_offline_run_has_the_config_scalars_metrics_and_image(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DISABLE_GIT", "true")
    vis = Visualizer(
        name="vis-wandb",
        vis_backends=[
            dict(
                type="WandbVisBackend",
                init_kwargs=dict(project="mme-test", mode="offline"),
                define_metric_cfg=dict(accuracy="max"),
                commit=True,
            )
        ],
        save_dir=str(tmp_path),
    )
    vis.add_config(Config(dict(lr=0.1, model=dict(type="Net"))))
    vis.add_scalars({"loss": torch.tensor(0.5), "lr": 0.1}, step=1)
    vis.add_scalars({"accuracy": 80.0}, step=1)
    vis.add_image("sample", np.zeros((4, 4, 3), dtype=np.uint8))
    vis.close()
    (run_dir,) = (tmp_path / "vis_data" / "wandb").glob("offline-run-*")
    records = wandb_records(run_dir)
    assert [r.WhichOneof("record_type") for r in records][:2] == ["header", "run"]
    run = next(r.run for r in records if r.WhichOneof("record_type") == "run")
    config = {
        item.key: json.loads(item.value_json)
        for r in records
        if r.WhichOneof("record_type") == "config"
        for item in r.config.update
    }
    assert run.project == "mme-test"
    assert config["lr"] == 0.1
    assert config["model"] == {"type": "Net"}
    metrics = [r.metric for r in records if r.WhichOneof("record_type") == "metric"]
    assert any(m.name == "accuracy" and m.summary.max for m in metrics)
    history = [
        {item.nested_key[0]: item.value_json for item in r.history.item}
        for r in records
        if r.WhichOneof("record_type") == "history"
    ]
    assert [json.loads(h["loss"]) for h in history if "loss" in h] == [0.5]
    assert [json.loads(h["accuracy"]) for h in history if "accuracy" in h] == [80.0]
    assert any("sample" in h for h in history)
    assert list((run_dir / "files" / "media" / "images").glob("sample_*.png"))
    with pytest.raises(TypeError, match="define_metric_cfg must be a dict"):
        WandbVisBackend(str(tmp_path), define_metric_cfg="accuracy")  # type: ignore[arg-type]


def test_wandb_commit_log_code_and_watch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DISABLE_GIT", "true")
    code = tmp_path / "code"
    code.mkdir()
    (code / "train.py").write_text("x = 1\n")
    monkeypatch.chdir(code)  # log_code saves the .py files of the current folder
    backend = WandbVisBackend(
        str(tmp_path / "vis_data"),
        init_kwargs=dict(project="mme-test", mode="offline"),
        commit=False,
        log_code_name="mme-code",
        watch_kwargs=dict(log="all", log_freq=1),
    )
    backend.add_graph(torch.nn.Linear(2, 2), None)
    backend.add_scalars({"a": 1.0})
    backend.add_scalars({"b": 2.0})
    backend.experiment.log({}, commit=True)
    backend.close()
    (run_dir,) = (tmp_path / "vis_data" / "wandb").glob("offline-run-*")
    records = wandb_records(run_dir)
    kinds = [r.WhichOneof("record_type") for r in records]
    artifact = records[kinds.index("artifact")].artifact
    assert (artifact.type, artifact.name) == ("code", "mme-code")
    assert [c.path for c in artifact.manifest.contents] == ["train.py"]
    assert any(r.telemetry.feature.watch for r in records if r.HasField("telemetry"))
    rows = [
        {item.nested_key[0]: json.loads(item.value_json) for item in r.history.item}
        for r in records
        if r.WhichOneof("record_type") == "history"
    ]
    assert [(row["a"], row["b"]) for row in rows if "a" in row] == [(1.0, 2.0)]  # one W&B step
