"""Construction styles, from_cfg, custom loops and runners, and the early errors."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from mme.config import Config
from mme.registry import HOOKS, LOOPS, MODELS, RUNNERS
from mme.runner import BaseLoop, Hook, Runner, ValLoop, build_runner

from .runner_toys import AccuracyEvaluator, Classifier, ToyBase, collate, points, registered

pytestmark = pytest.mark.spec("RUN-01", "RUN-02")


def base_args(work_dir: Path) -> dict[str, Any]:
    return dict(
        model=Classifier(),
        work_dir=str(work_dir),
        train_dataloader=DataLoader(points(16), batch_size=4, collate_fn=collate),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        default_hooks=dict(checkpoint=None),
    )


@pytest.mark.spec("RUN-01", "RUN-05")
def test_lazy_building_and_dict_components(tmp_path: Path) -> None:
    runner = Runner(
        model=dict(type="Classifier", hidden=4),
        work_dir=str(tmp_path),
        test_dataloader=dict(
            dataset=points(8),
            sampler=dict(type="DefaultSampler", shuffle=False),
            batch_size=4,
            collate_fn=collate,
        ),
        test_cfg=dict(),
        test_evaluator=AccuracyEvaluator(),
    )
    assert isinstance(runner.model, Classifier)
    assert runner.model.net[0].out_features == 4
    assert isinstance(runner._test_loop, dict)  # nothing built before test()
    metrics = runner.test()
    assert set(metrics) == {"accuracy"}
    assert isinstance(runner.test_dataloader, DataLoader)
    # only the test components were needed
    with pytest.raises(RuntimeError, match="needs train_dataloader, train_cfg and optim_wrapper"):
        runner.train()


@pytest.mark.spec("RUN-05")
def test_build_dataloader_without_a_runner() -> None:
    loader = Runner.build_dataloader(
        dict(
            batch_size=3,
            num_workers=0,
            sampler=dict(type="DefaultSampler", shuffle=True),
            dataset=list(range(10)),
            collate_fn=dict(type="default_collate"),
        ),
        seed=1,
    )
    batches = [b.tolist() for b in loader]
    assert sorted(functools.reduce(operator.iadd, batches, [])) == list(range(10))
    with pytest.raises(TypeError, match=r"unknown key 'batchsize'.*Did you mean 'batch_size'"):
        Runner.build_dataloader(dict(dataset=[1], sampler=dict(type="DefaultSampler"), batchsize=2))
    with pytest.raises(KeyError, match="no 'sampler'"):
        Runner.build_dataloader(dict(dataset=[1], batch_size=2))


@pytest.mark.spec("RUN-03")
def test_from_cfg_and_the_typo_check(tmp_path: Path) -> None:
    cfg = Config(
        dict(
            model=dict(type="Classifier"),
            work_dir=str(tmp_path),
            train_dataloader=dict(
                dataset=points(8),
                sampler=dict(type="DefaultSampler", shuffle=True),
                batch_size=4,
                collate_fn=collate,
            ),
            train_cfg=dict(by_epoch=True, max_epochs=1),
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
            data_root="anything",  # helper variables of config files are allowed
        )
    )
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.epoch == 1
    bad = Config({**cfg.to_dict(), "trian_cfg": dict(max_epochs=2)})
    with pytest.raises(
        ValueError,
        match=r"unknown key 'trian_cfg', which the Runner would ignore\. Did you mean 'train_cfg'",
    ):
        Runner.from_cfg(bad)
    no_dir = {k: v for k, v in cfg.to_dict().items() if k != "work_dir"}
    with pytest.raises(KeyError, match=r"no 'work_dir'.*--work-dir"):
        Runner.from_cfg(no_dir)


def test_loop_argument_typo_is_named(tmp_path: Path) -> None:
    args = base_args(tmp_path)
    args["train_cfg"] = dict(by_epoch=True, max_epoch=2)
    runner = Runner(**args)
    with pytest.raises(
        TypeError,
        match=r"EpochBasedTrainLoop has no argument 'max_epoch'\. Did you mean 'max_epochs'",
    ):
        runner.train()


def test_val_loop_without_an_evaluator_is_refused_at_construction(tmp_path: Path) -> None:
    args = base_args(tmp_path)
    args.update(
        val_dataloader=DataLoader(points(4), batch_size=4, collate_fn=collate), val_cfg=dict()
    )
    with pytest.raises(ValueError, match="val_evaluator missing; the val loop needs an evaluator"):
        Runner(**args)


def test_scheduler_without_an_optimizer_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="param_scheduler is set but optim_wrapper is not"):
        Runner(
            model=Classifier(),
            work_dir=str(tmp_path),
            param_scheduler=dict(type="MultiStepLR", milestones=[1]),
        )
    with pytest.raises(ValueError, match="train_cfg given but optim_wrapper missing"):
        Runner(
            model=Classifier(),
            work_dir=str(tmp_path),
            train_dataloader=DataLoader(points(4)),
            train_cfg=dict(max_epochs=1),
        )


def test_save_best_naming_a_missing_metric_fails_before_training(tmp_path: Path) -> None:
    args = base_args(tmp_path)
    args.update(
        val_dataloader=DataLoader(points(4), batch_size=4, collate_fn=collate),
        val_cfg=dict(),
        val_evaluator=AccuracyEvaluator(),
        default_hooks=dict(checkpoint=dict(save_best="acc")),
    )
    runner = Runner(**args)
    with pytest.raises(
        ValueError,
        match="save_best='acc' is not a metric of the val_evaluator, which produces 'accuracy'",
    ):
        runner.train()
    assert runner.iter == 0  # not a single iteration was run


def test_env_cfg_backend_at_the_top_level_is_pointed_to_dist_cfg(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'backend' belongs in env_cfg\\['dist_cfg'\\]"):
        Runner(model=Classifier(), work_dir=str(tmp_path), env_cfg=dict(backend="nccl"))
    with pytest.raises(ValueError, match=r"launcher='pytorc'.*Did you mean 'pytorch'"):
        Runner(model=Classifier(), work_dir=str(tmp_path), launcher="pytorc")


@pytest.mark.spec("RUN-30")
def test_randomness_seed_and_diff_rank_seed(tmp_path: Path) -> None:
    runner = Runner(
        model=Classifier(),
        work_dir=str(tmp_path),
        randomness=dict(seed=7, diff_rank_seed=True, deterministic=False),
    )
    assert runner.seed == 7  # rank 0
    first = torch.rand(1)
    torch.manual_seed(7)
    assert torch.equal(first, torch.rand(1))
    with pytest.raises(ValueError, match=r"randomness: unknown key 'sead'.*Did you mean 'seed'"):
        Runner(model=Classifier(), work_dir=str(tmp_path), randomness=dict(sead=1))


# ----------------------------------------------------------------- EX-06
@pytest.mark.spec("RUN-26")
def test_ex06_gradient_accumulation(tmp_path: Path) -> None:
    class ToyModel(ToyBase):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(1, 1)

        def forward(self, img: torch.Tensor, label: torch.Tensor, mode: str) -> Any:
            return dict(loss=(self.linear(img) - label).pow(2))

    steps: list[int] = []
    model = ToyModel()
    model.linear.weight.register_hook(lambda grad: grad)
    runner = Runner(
        model=model,
        work_dir=str(tmp_path),
        train_dataloader=DataLoader([(torch.ones(1, 1), torch.ones(1, 1))] * 50, batch_size=2),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01), accumulative_counts=4),
    )
    original = runner.build_optim_wrapper

    def counting(cfg: Any) -> Any:
        wrapper = original(cfg)
        step = wrapper.optimizer.step

        def counted(*a: Any, **k: Any) -> Any:
            steps.append(1)
            return step(*a, **k)

        wrapper.optimizer.step = counted
        return wrapper

    runner.build_optim_wrapper = counting  # type: ignore[method-assign]
    runner.train()
    assert len(steps) == 7  # 25 iterations: 6 full groups of 4, then the last one


# ----------------------------------------------------------------- EX-37
class CustomValLoop(BaseLoop):
    """The design doc's custom loop, written correctly: two dataloaders, new mount points."""

    def __init__(self, runner: Runner, dataloader: Any, evaluator: Any, dataloader2: Any) -> None:
        super().__init__(runner, dataloader)
        self.evaluator = (
            runner.build_evaluator(evaluator) if isinstance(evaluator, dict) else evaluator
        )
        self.dataloader2 = runner.build_dataloader(dataloader2)

    def run(self) -> dict:
        self.runner.call_hook("before_val_epoch")
        self.runner.model.eval()
        for idx, data_batch in enumerate(self.dataloader):
            self.runner.call_hook("before_val_iter", batch_idx=idx, data_batch=data_batch)
            outputs = self.runner.model.val_step(data_batch)
            self.evaluator.process(data_samples=outputs, data_batch=data_batch)
            self.runner.call_hook(
                "after_val_iter", batch_idx=idx, data_batch=data_batch, outputs=outputs
            )
        metric = self.evaluator.evaluate(len(self.dataloader.dataset))
        self.runner.call_hook("before_valloader2_epoch")
        for idx, data_batch in enumerate(self.dataloader2):
            self.runner.call_hook("before_valloader2_iter", batch_idx=idx, data_batch=data_batch)
            outputs = self.runner.model.val_step(data_batch)
            self.evaluator.process(data_samples=outputs, data_batch=data_batch)
            self.runner.call_hook(
                "after_valloader2_iter", batch_idx=idx, data_batch=data_batch, outputs=outputs
            )
        metric2 = self.evaluator.evaluate(len(self.dataloader2.dataset))
        self.runner.call_hook("after_valloader2_epoch")
        self.runner.call_hook(
            "after_val_epoch", metrics={**metric, **{f"2/{k}": v for k, v in metric2.items()}}
        )
        return metric


class CustomValHook(Hook):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def before_valloader2_epoch(self, runner: Runner) -> None:
        self.seen.append("epoch")

    def before_valloader2_iter(
        self, runner: Runner, batch_idx: int, data_batch: Any = None
    ) -> None:
        self.seen.append(f"iter{batch_idx}")

    def after_valloader2_iter(
        self, runner: Runner, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        self.seen.append(f"done{batch_idx}")


@pytest.mark.spec("RUN-11")
def test_ex37_custom_loop_with_new_mount_points(tmp_path: Path) -> None:
    args = base_args(tmp_path)
    args.update(
        val_dataloader=DataLoader(points(4), batch_size=4, collate_fn=collate),
        val_cfg=dict(
            type="CustomValLoop",
            dataloader2=dict(
                dataset=points(6),
                sampler=dict(type="DefaultSampler", shuffle=False),
                batch_size=3,
                collate_fn=collate,
            ),
        ),
        val_evaluator=AccuracyEvaluator(),
        custom_hooks=[dict(type="CustomValHook")],
    )
    runner = Runner(**args)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, CustomValHook))
    assert hook.seen == ["epoch", "iter0", "done0", "iter1", "done1"]
    assert isinstance(runner.val_loop, CustomValLoop)
    assert not isinstance(runner.val_loop, ValLoop)


# ----------------------------------------------------------------- EX-38
class CustomRunner(Runner):
    setups: ClassVar[list[str]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        CustomRunner.setups.append("custom")
        super().__init__(*args, **kwargs)


@pytest.mark.spec("RUN-07")
def test_ex38_runner_type_selects_a_registered_runner(tmp_path: Path) -> None:
    cfg = Config(
        dict(model=dict(type="Classifier"), work_dir=str(tmp_path), runner_type="CustomRunner")
    )
    runner = build_runner(cfg)
    assert type(runner) is CustomRunner
    assert CustomRunner.setups == ["custom"]
    assert (
        type(build_runner(Config(dict(model=dict(type="Classifier"), work_dir=str(tmp_path)))))
        is Runner
    )


@pytest.mark.spec("RUN-27")
def test_compile_option_compiles_the_forward(tmp_path: Path) -> None:
    args = base_args(tmp_path)
    runner = Runner(**args, cfg=dict(compile=dict(backend="eager")))
    runner.train()
    assert runner.epoch == 1
    assert "forward" in vars(runner.model)  # the compiled forward replaced the method
    assert "train_step" not in vars(runner.model)  # train_step stays Python (issue 18)


def test_auto_scale_lr_scales_by_the_real_batch_size(tmp_path: Path) -> None:
    args = base_args(tmp_path)
    runner = Runner(**args, auto_scale_lr=dict(enable=True, base_batch_size=16))
    runner.train()  # batch 4 on one process: lr x 4/16
    assert runner.optim_wrapper.get_lr()["lr"][0] == pytest.approx(0.1 * 4 / 16)
    off = Runner(
        **{**args, "work_dir": str(tmp_path / "off")},
        auto_scale_lr=dict(enable=False, base_batch_size=16),
    )
    off.train()
    assert off.optim_wrapper.get_lr()["lr"][0] == pytest.approx(0.1)


@pytest.fixture(autouse=True, scope="module")
def _registrations() -> Iterator[None]:
    with registered(
        (MODELS, Classifier),
        (LOOPS, CustomValLoop),
        (HOOKS, CustomValHook),
        (RUNNERS, CustomRunner),
    ):
        yield
