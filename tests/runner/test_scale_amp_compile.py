"""Mixed precision through the Runner (RUN-25) and ``cfg.compile`` (RUN-27), on CPU."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from torch.utils.data import DataLoader

from mme.runner import Hook, Runner
from mme.runner.cli.train import add_arguments, build_train_config
from mme.runner.compiling import CompiledForward, compile_options

from .runner_toys import AccuracyEvaluator, Classifier, collate, points


class DtypeClassifier(Classifier):
    """Records the dtype its logits had in each mode (bfloat16 under CPU autocast)."""

    def __init__(self) -> None:
        super().__init__(hidden=16)
        self.dtypes: dict[str, torch.dtype] = {}

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor, mode: str = "tensor") -> Any:
        self.dtypes[mode] = self.net(inputs).dtype
        return super().forward(inputs, labels, mode)


class LossRecorder(Hook):
    def __init__(self) -> None:
        self.losses: list[float] = []

    def after_train_iter(
        self, runner: Runner, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        self.losses.append(float(outputs["loss"]))


def _runner(work_dir: Path, max_epochs: int = 4, **kwargs: Any) -> Runner:
    torch.manual_seed(0)
    args: dict[str, Any] = dict(
        model=DtypeClassifier(),
        work_dir=str(work_dir),
        train_dataloader=DataLoader(points(64), batch_size=16, collate_fn=collate, drop_last=True),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(
            type="AmpOptimWrapper",
            dtype="bfloat16",
            optimizer=dict(type="SGD", lr=0.5, momentum=0.9),
        ),
        val_dataloader=DataLoader(points(16, seed=1), batch_size=16, collate_fn=collate),
        val_cfg=dict(fp16=True),
        val_evaluator=AccuracyEvaluator(),
        randomness=dict(seed=0),
        default_hooks=dict(logger=dict(interval=100)),
    )
    args.update(kwargs)
    return Runner(**args)


@pytest.mark.spec("RUN-25", "OPT-02")
def test_bfloat16_amp_trains_through_the_runner_and_resumes_exactly(tmp_path: Path) -> None:
    recorder = LossRecorder()
    straight = _runner(tmp_path / "straight")
    straight.register_hook(recorder)
    straight.train()
    model = straight.model
    assert model.dtypes["loss"] == torch.bfloat16  # the forward ran under autocast
    assert model.dtypes["predict"] == torch.bfloat16  # ValLoop(fp16=True) too
    assert model.net[0].weight.dtype == torch.float32  # the weights stay float32
    first, last = recorder.losses[:4], recorder.losses[-4:]
    assert sum(last) / 4 < 0.5 * sum(first) / 4

    checkpoint = torch.load(tmp_path / "straight" / "epoch_4.pth", weights_only=True)
    assert "loss_scaler" in checkpoint["optimizer"]

    _runner(tmp_path / "resumed", max_epochs=2).train()
    resumed = _runner(tmp_path / "resumed", resume=True)
    resumed.train()
    for mine, theirs in zip(resumed.model.parameters(), model.parameters(), strict=True):
        torch.testing.assert_close(mine, theirs, rtol=0, atol=0)
    assert resumed.optim_wrapper.loss_scaler.state_dict() == (
        straight.optim_wrapper.loss_scaler.state_dict()
    )


@pytest.mark.spec("RUN-25")
def test_val_and_test_loops_autocast_only_with_fp16(tmp_path: Path) -> None:
    runner = _runner(
        tmp_path,
        max_epochs=1,
        val_cfg=dict(),
        test_dataloader=DataLoader(points(8, seed=2), batch_size=8, collate_fn=collate),
        test_cfg=dict(fp16=True),
        test_evaluator=AccuracyEvaluator(),
    )
    runner.val()
    assert runner.model.dtypes["predict"] == torch.float32
    runner.test()
    assert runner.model.dtypes["predict"] == torch.bfloat16


@pytest.mark.spec("RUN-25", "RUN-03")
def test_mme_train_amp_switches_the_optim_wrapper(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "cfg.py"
    config.write_text("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))\nmodel = dict()\n")
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    cfg: Any = build_train_config(parser.parse_args([str(config), "--amp"]))
    assert cfg.optim_wrapper == dict(
        type="AmpOptimWrapper", loss_scale="dynamic", optimizer=dict(type="SGD", lr=0.1)
    )
    config.write_text(
        "optim_wrapper = dict(type='AmpOptimWrapper', optimizer=dict(type='SGD', lr=0.1))\n"
    )
    build_train_config(parser.parse_args([str(config), "--amp"]))
    assert "AMP training is already enabled" in capsys.readouterr().out
    config.write_text("model = dict()\n")
    with pytest.raises(SystemExit, match="--amp: the config has no optim_wrapper"):
        build_train_config(parser.parse_args([str(config), "--amp"]))


# --------------------------------------------------------------------------- compile
def _compile_runner(
    work_dir: Path, compile_cfg: Any, batch_sizes: tuple[int, ...] = (8,)
) -> Runner:
    torch.manual_seed(0)
    data = points(8 * len(batch_sizes))
    batches: list[Any] = []
    start = 0
    for size in batch_sizes:
        batches.append(collate(data[start : start + size]))
        start += size
    return Runner(
        model=Classifier(),
        work_dir=str(work_dir),
        train_dataloader=DataLoader(batches, batch_size=None),  # type: ignore[arg-type]
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        default_hooks=dict(checkpoint=None, logger=dict(interval=100)),
        cfg=dict(compile=compile_cfg),
    )


def _log(runner: Runner) -> str:
    return (Path(runner.log_dir) / f"{runner.timestamp}.log").read_text()


@pytest.mark.spec("RUN-27")
def test_inductor_compiles_the_forward_on_cpu(tmp_path: Path) -> None:
    if not any(shutil.which(cc) for cc in ("gcc", "cc", "clang")):
        pytest.skip("no C compiler (gcc, cc or clang) on PATH: inductor builds CPU kernels with it")
    eager = _compile_runner(tmp_path / "eager", compile_cfg=False)
    eager.train()
    runner = _compile_runner(tmp_path / "inductor", compile_cfg=dict(backend="inductor"))
    runner.train()
    forward = runner.model.forward
    assert isinstance(forward, CompiledForward)
    assert forward.failed is None
    assert forward.compilations == 1
    for mine, theirs in zip(runner.model.parameters(), eager.model.parameters(), strict=True):
        torch.testing.assert_close(mine, theirs)
    assert "forward compiled 1 time(s) (0 recompilation(s)) over 2 call(s)" in _log(runner)


@pytest.mark.spec("RUN-27")
def test_recompilations_are_counted_and_reported_once(tmp_path: Path) -> None:
    runner = _compile_runner(
        tmp_path, compile_cfg=dict(backend="eager", dynamic=False), batch_sizes=(8, 4, 2)
    )
    runner.train()
    forward = runner.model.forward
    assert forward.compilations == 3
    log = _log(runner)
    assert log.count("torch.compile recompiled Classifier.forward") == 1
    assert "compiled 3 time(s) (2 recompilation(s)) over 6 call(s)" in log


def _failing_backend(gm: Any, example_inputs: Any) -> Any:
    raise RuntimeError("this backend cannot compile anything")


@pytest.mark.spec("RUN-27")
def test_a_model_that_fails_to_compile_falls_back_with_a_warning(tmp_path: Path) -> None:
    runner = _compile_runner(tmp_path / "soft", compile_cfg=dict(backend=_failing_backend))
    runner.train()
    assert runner.epoch == 2
    log = _log(runner)
    assert "torch.compile could not compile Classifier.forward (BackendCompilerFailed" in log
    assert "this backend cannot compile anything" in log
    assert "ran without compiling (BackendCompilerFailed)" in log

    strict = _compile_runner(
        tmp_path / "strict", compile_cfg=dict(backend=_failing_backend, strict=True)
    )
    with pytest.raises(Exception, match="this backend cannot compile anything"):
        strict.train()


@pytest.mark.spec("RUN-27")
def test_unknown_compile_options_are_named() -> None:
    with pytest.raises(TypeError, match=r"unknown option 'mdoe'\. Did you mean 'mode'"):
        compile_options(dict(mdoe="max-autotune"))
    with pytest.raises(TypeError, match=r"cfg\.compile must be True or a dict"):
        compile_options("inductor")  # type: ignore[arg-type]
    assert compile_options(True) == ({}, False, True)
    assert compile_options(dict(backend="eager", strict=True)) == (
        dict(backend="eager"),
        True,
        True,
    )


def test_compiled_forward_keeps_the_steps_python() -> None:
    model = Classifier()
    compiled = CompiledForward(model, dict(backend="eager"))
    model.forward = compiled  # type: ignore[method-assign]
    out = model.val_step((torch.zeros(2, 2), torch.tensor([0, 1])))
    assert len(out) == 2
    assert compiled.compilations == 1
    assert "val_step" not in vars(model)  # the step is the class's Python method


def test_a_copy_of_a_compiled_model_runs_eagerly() -> None:
    import copy

    model = Classifier()
    model.forward = CompiledForward(model, dict(backend="eager"))  # type: ignore[method-assign]
    twin = copy.deepcopy(model)
    assert not isinstance(twin.forward, CompiledForward)
    assert twin.forward.__self__ is twin
    out = twin(torch.zeros(2, 2), torch.tensor([0, 1]), mode="tensor")
    assert len(out) == 2
