"""Draw the scheduler gallery of docs/guide/optim.md from the schedulers themselves.

    python tools/optim_gallery.py            # writes docs/guide/images/optim/*.png

Each picture is ``mme.optim.simulate_schedule`` of one config (the same function as
``mme plot-lr``), so the gallery shows what the code does. Needs matplotlib.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from mme.optim import simulate_schedule

OUT = Path(__file__).resolve().parents[1] / "docs" / "guide" / "images" / "optim"
EPOCHS, EPOCH_LENGTH = 12, 50

#: file name -> (title, param_scheduler config)
GALLERY: dict[str, tuple[str, Any]] = {
    "multistep": ("MultiStepLR(milestones=[8, 11])", dict(type="MultiStepLR", milestones=[8, 11])),
    "step": ("StepLR(step_size=3, gamma=0.5)", dict(type="StepLR", step_size=3, gamma=0.5)),
    "exponential": ("ExponentialLR(gamma=0.8)", dict(type="ExponentialLR", gamma=0.8)),
    "constant": ("ConstantLR(factor=0.25, end=4)", dict(type="ConstantLR", factor=0.25, end=4)),
    "linear": (
        "LinearLR(start_factor=0.1, end=6)",
        dict(type="LinearLR", start_factor=0.1, end=6),
    ),
    "cosine": ("CosineAnnealingLR(T_max=12)", dict(type="CosineAnnealingLR", T_max=12)),
    "cosine_iter": (
        "CosineAnnealingLR(T_max=12, convert_to_iter_based=True)",
        dict(type="CosineAnnealingLR", T_max=12, convert_to_iter_based=True),
    ),
    "poly": ("PolyLR(power=2, end=12)", dict(type="PolyLR", power=2.0, end=12)),
    "onecycle": (
        "OneCycleLR(eta_max=0.1, by_epoch=False, total_steps=600)",
        dict(type="OneCycleLR", eta_max=0.1, by_epoch=False, total_steps=600),
    ),
    "cosine_restart": (
        "CosineRestartLR(periods=[4, 4, 4], restart_weights=[1, 0.6, 0.3])",
        dict(type="CosineRestartLR", periods=[4, 4, 4], restart_weights=[1, 0.6, 0.3]),
    ),
    "warmup_multistep": (
        "LinearLR warm-up (50 iters) + MultiStepLR",
        [
            dict(type="LinearLR", start_factor=0.001, by_epoch=False, begin=0, end=50),
            dict(type="MultiStepLR", by_epoch=True, milestones=[8, 11], gamma=0.1),
        ],
    ),
    "warmup_cosine_momentum": (
        "LinearLR warm-up + CosineAnnealingLR, LinearMomentum",
        [
            dict(type="LinearLR", start_factor=0.001, by_epoch=False, begin=0, end=100),
            dict(type="CosineAnnealingLR", T_max=500, by_epoch=False, begin=100, end=600),
            dict(type="LinearMomentum", start_factor=0.9, by_epoch=False, begin=0, end=600),
        ],
    ),
}


def draw(name: str, title: str, cfg: Any) -> Path:
    trace = simulate_schedule(
        cfg, max_epochs=EPOCHS, epoch_length=EPOCH_LENGTH, optimizer=dict(type="SGD", lr=0.1)
    )
    keys = ["lr", "momentum"] if len(set(trace["momentum"])) > 1 else ["lr"]
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 2.4), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        ax.plot(trace["iter"], trace[key], linewidth=1.6, color="#1f77b4")
        ax.set_ylabel(key)
        ax.set_xlabel(f"iteration ({EPOCH_LENGTH} per epoch)")
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path = OUT / f"{name}.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (title, cfg) in GALLERY.items():
        print(draw(name, title, cfg).relative_to(OUT.parents[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
