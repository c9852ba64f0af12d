"""Benchmark: mme.config vs MMEngine's Config on an image-classification recipe.

The recipe is a child config with four ``_base_`` files (model, dataset, schedule,
runtime), written to a temporary directory that both libraries read. Timed, in
the same run and interleaved (best of several repeats): ``Config.fromfile``,
``pretty_text`` and ``dump`` to ``.py``; and, in fresh subprocesses, the time of
``import mme.config`` and whether it imports torch.

Targets: fromfile >= 5x faster, pretty_text and dump >= 20x faster,
``import mme.config`` < 50 ms without torch. Exit status 1 if one is missed.
``nox -s bench`` runs it with mmengine 0.10.7 installed::

    nox -s bench -- bench_config
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _harness import report

TARGETS = {"fromfile": 5.0, "pretty_text": 20.0, "dump": 20.0}
IMPORT_LIMIT_MS = 50.0

RECIPE = {
    "_base_/models/resnet50.py": """
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=2048,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
    ))
""",
    "_base_/datasets/imagenet_bs32.py": """
dataset_type = 'ImageNet'
data_preprocessor = dict(
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=5,
    dataset=dict(
        type=dataset_type,
        data_root='data/imagenet',
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=32,
    num_workers=5,
    dataset=dict(
        type=dataset_type,
        data_root='data/imagenet',
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
""",
    "_base_/schedules/imagenet_bs256.py": """
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=256)
""",
    "_base_/default_runtime.py": """
default_scope = 'mmpretrain'
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)
""",
    "resnet50_8xb32_in1k.py": """
_base_ = [
    '_base_/models/resnet50.py', '_base_/datasets/imagenet_bs32.py',
    '_base_/schedules/imagenet_bs256.py', '_base_/default_runtime.py'
]
optim_wrapper = dict(optimizer=dict(lr=0.2))
train_cfg = dict(max_epochs=120)
""",
}


def write_recipe(folder: Path) -> Path:
    """Write the recipe files under ``folder``; return the child config's path."""
    for rel, text in RECIPE.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text.lstrip())
    return folder / "resnet50_8xb32_in1k.py"


def _best_ms(func: Callable[[], Any], number: int, repeat: int) -> float:
    return min(timeit.repeat(func, number=number, repeat=repeat)) / number * 1e3


def _import_ms(module: str, runs: int) -> tuple[float, bool]:
    code = (
        f"import sys, time; t = time.perf_counter(); import {module}; "
        "print((time.perf_counter() - t) * 1e3, 'torch' in sys.modules)"
    )
    best, torch_loaded = float("inf"), False
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
        best = min(best, float(out[0]))
        torch_loaded = torch_loaded or out[1] == "True"
    return best, torch_loaded


def main() -> int:
    """Measure, print the table, and return 0 if every target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=10, help="calls per repeat")
    parser.add_argument("--repeat", type=int, default=7, help="repeats; the best is kept")
    args = parser.parse_args()

    from mmengine.config import Config as MMEngineConfig

    from mme.config import Config

    with tempfile.TemporaryDirectory() as tmp:
        path = str(write_recipe(Path(tmp)))
        mme_cfg = Config.fromfile(path)
        ref_cfg = MMEngineConfig.fromfile(path)
        if mme_cfg.to_dict() != ref_cfg.to_dict():
            print("the two libraries read different configs", file=sys.stderr)
            return 1
        out_mme, out_ref = f"{tmp}/dump_mme.py", f"{tmp}/dump_ref.py"
        cases: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
            "fromfile": (lambda: Config.fromfile(path), lambda: MMEngineConfig.fromfile(path)),
            "pretty_text": (lambda: mme_cfg.pretty_text, lambda: ref_cfg.pretty_text),
            "dump": (lambda: mme_cfg.dump(out_mme), lambda: ref_cfg.dump(out_ref)),
        }
        rows = []
        failed = False
        for name, (mine, theirs) in cases.items():
            t_ref = _best_ms(theirs, args.number, args.repeat)
            t_mme = _best_ms(mine, args.number * 10, args.repeat)
            ratio = t_ref / t_mme
            ok = report("bench_config", f"Config {name} speed-up vs mmengine", ratio, TARGETS[name])
            failed |= not ok
            rows.append((name, t_mme, t_ref, ratio, f">= {TARGETS[name]:.0f}x", ok))
        if Config.fromfile(out_mme) != mme_cfg:
            print("the dumped file does not read back to the same config", file=sys.stderr)
            return 1

    import_ms, torch_loaded = _import_ms("mme.config", args.repeat)
    ref_import_ms, _ = _import_ms("mmengine.config", 3)
    import_ok = report(
        "bench_config",
        "import mme.config, ms",
        import_ms,
        IMPORT_LIMIT_MS,
        at_least=False,
        absolute=True,
    )
    # importing torch is a broken promise, not noise: reported as far beyond any limit
    torch_figure = float(torch_loaded) * 10.0
    what = "import mme.config imports torch (0 = no)"
    import_ok &= report("bench_config", what, torch_figure, 0.0, at_least=False)
    failed |= not import_ok

    print(f"{'operation':<20}{'mme ms':>10}{'mmengine ms':>14}{'speedup':>10}  target    ok")
    for name, t_mme, t_ref, ratio, target, ok in rows:
        print(f"{name:<20}{t_mme:>10.3f}{t_ref:>14.3f}{ratio:>9.1f}x  {target:<8}  {ok}")
    print(
        f"{'import mme.config':<20}{import_ms:>10.1f}{ref_import_ms:>14.1f}{'':>10}  "
        f"< {IMPORT_LIMIT_MS:.0f} ms   {import_ok}  (torch imported: {torch_loaded})"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
