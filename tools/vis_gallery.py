"""Draw the pictures of docs/guide/visualization.md with the Visualizer itself.

    python tools/vis_gallery.py            # writes docs/guide/images/vis/*.png

Every picture is what the code of the guide produces (the same calls), on a synthetic
image, and ``curves.png`` is ``mme plot`` of two short real runs of a tiny classifier.
Needs matplotlib (``pip install "mme-runner[vis]"``).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

import matplotlib.image
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from mme.runner import BaseModel, Runner
from mme.runner.cli import plot
from mme.runner.structures import BaseDataElement, InstanceData
from mme.runner.visualization import Visualizer

OUT = Path(__file__).resolve().parents[1] / "docs" / "guide" / "images" / "vis"


def scene() -> np.ndarray:
    """A 240x320 RGB picture: a sky gradient, a ground, a sun and two 'objects'."""
    h, w = 240, 320
    image = np.zeros((h, w, 3), dtype=np.uint8)
    image[..., 2] = np.linspace(230, 140, h, dtype=np.uint8)[:, None]
    image[..., 1] = np.linspace(200, 120, h, dtype=np.uint8)[:, None]
    image[..., 0] = 90
    image[170:] = [70, 120, 60]
    yy, xx = np.mgrid[:h, :w]
    image[(yy - 50) ** 2 + (xx - 260) ** 2 < 22**2] = [250, 210, 60]
    image[120:200, 40:110] = [150, 80, 40]  # a "box" object
    image[100:190, 170:230] = [200, 200, 210]  # another
    return image


def drawing() -> np.ndarray:
    visualizer = Visualizer(image=scene())
    # one box as [x1, y1, x2, y2], then several at once (tensors or arrays)
    visualizer.draw_bboxes(torch.tensor([40, 120, 110, 200]))
    visualizer.draw_bboxes(
        np.array([[170, 100, 230, 190], [236, 26, 284, 74]]), edge_colors=["red", (250, 140, 0)]
    )
    visualizer.draw_texts(
        ["crate", "fridge"], torch.tensor([[40, 102], [170, 82]]), colors="white", font_sizes=14
    )
    visualizer.draw_points(torch.tensor([[75, 160], [200, 145]]), colors="yellow", sizes=[8, 8])
    visualizer.draw_lines(np.array([0, 319]), np.array([170, 170]), colors="k", line_widths=1)
    visualizer.draw_circles(torch.tensor([260, 50]), torch.tensor(30), edge_colors="orange")
    visualizer.draw_polygons(
        torch.tensor([[120, 230], [150, 205], [180, 230]]), edge_colors="b", face_colors="cyan"
    )
    mask = np.zeros((240, 320), dtype=bool)
    mask[205:235, 250:310] = True
    visualizer.draw_binary_masks(mask, colors="purple", alphas=0.5)
    drawn = visualizer.get_image()
    return drawn


def featmaps() -> tuple[np.ndarray, np.ndarray]:
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 16, 5, padding=2)
    image = scene()
    feat = torch.relu(conv(torch.from_numpy(image).permute(2, 0, 1).float()[None] / 255))[0]
    mean = Visualizer.draw_featmap(feat, overlaid_image=image, channel_reduction="squeeze_mean")
    topk = Visualizer.draw_featmap(
        feat, channel_reduction=None, topk=6, arrangement=(2, 3), resize_shape=(120, 160)
    )
    return mean, topk


def datasample() -> np.ndarray:
    visualizer = Visualizer(name="gallery-datasample")
    visualizer.dataset_meta = dict(classes=("crate", "fridge"))
    sample = BaseDataElement(
        gt_instances=InstanceData(
            bboxes=torch.tensor([[40.0, 120.0, 110.0, 200.0], [170.0, 100.0, 230.0, 190.0]])
        ),
        pred_instances=InstanceData(
            bboxes=torch.tensor([[44.0, 116.0, 115.0, 196.0], [165.0, 104.0, 232.0, 186.0]]),
            labels=torch.tensor([0, 1]),
            scores=torch.tensor([0.92, 0.81]),
        ),
    )
    from mme.runner.visualization.datasample import draw_datasample

    return draw_datasample(visualizer, scene(), sample, True, True)


class Net(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))

    def forward(self, x: torch.Tensor, y: torch.Tensor, mode: str = "tensor") -> object:
        logits = self.net(x)
        if mode == "loss":
            return dict(loss=nn.functional.cross_entropy(logits, y))
        return list(zip(logits.argmax(1).tolist(), y.tolist(), strict=True))


class Accuracy:
    def __init__(self) -> None:
        self.dataset_meta = None
        self.hits: list[bool] = []

    def process(self, data_samples: list, data_batch: object = None) -> None:
        self.hits += [p == g for p, g in data_samples]

    def evaluate(self, size: int) -> dict:
        hits, self.hits = self.hits, []
        return dict(accuracy=100.0 * sum(hits) / len(hits))


def curves(out: Path) -> None:
    g = torch.Generator().manual_seed(0)
    xs = torch.randn(512, 2, generator=g)
    data = [(x, torch.tensor(int(x[0] * x[1] > 0))) for x in xs]

    def collate(batch: list) -> tuple:
        a, b = zip(*batch, strict=True)
        return torch.stack(a), torch.stack(b)

    with tempfile.TemporaryDirectory() as tmp:
        for lr in (0.05, 0.5):
            torch.manual_seed(0)
            Runner(
                model=Net(),
                work_dir=tmp,
                train_dataloader=DataLoader(data, batch_size=16, shuffle=True, collate_fn=collate),
                train_cfg=dict(by_epoch=True, max_epochs=8),
                optim_wrapper=dict(optimizer=dict(type="SGD", lr=lr)),
                val_dataloader=DataLoader(data[:128], batch_size=64, collate_fn=collate),
                val_cfg=dict(),
                val_evaluator=Accuracy(),
                log_level="WARNING",
            ).train()
        parser = argparse.ArgumentParser()
        plot.add_arguments(parser)
        args = parser.parse_args(
            [tmp, "--keys", "loss", "accuracy", "--smooth", "0.6", "--out", str(out)]
        )
        plot.run(args)


def main() -> None:
    logging.disable(logging.INFO)
    OUT.mkdir(parents=True, exist_ok=True)
    matplotlib.image.imsave(OUT / "drawing.png", drawing())
    mean, topk = featmaps()
    matplotlib.image.imsave(OUT / "featmap_mean.png", mean)
    matplotlib.image.imsave(OUT / "featmap_topk.png", topk)
    matplotlib.image.imsave(OUT / "datasample.png", datasample())
    curves(OUT / "curves.png")
    print(f"wrote {', '.join(sorted(p.name for p in OUT.glob('*.png')))} to {OUT}")


if __name__ == "__main__":
    main()
