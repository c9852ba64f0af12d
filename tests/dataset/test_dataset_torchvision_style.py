"""DS-19: torchvision-style datasets and transforms registered for use from configs.

torchvision is not installed here, so the test writes a small dataset and transforms with
torchvision's interfaces (a dataset taking ``transform=``, transforms taking an image) and
registers them the way the tutorial registers ``CIFAR10`` and ``tvt.RandomCrop``.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from mme.dataset import Compose, DefaultSampler, default_collate
from mme.registry import DATA_SAMPLERS, DATASETS, FUNCTIONS, TRANSFORMS


class TinyCIFAR(Dataset[tuple[torch.Tensor, int]]):
    """torchvision.datasets.CIFAR10's interface: ``(root, train, download, transform)``."""

    def __init__(
        self, root: str, train: bool = True, download: bool = False, transform: Any = None
    ) -> None:
        self.root = root
        generator = torch.Generator().manual_seed(0 if train else 1)
        self.images = torch.randint(0, 256, (10, 3, 8, 8), generator=generator, dtype=torch.uint8)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, index % 3


class RandomCrop:
    def __init__(self, size: int, padding: int = 0) -> None:
        self.size = size
        self.padding = padding

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        padded = torch.nn.functional.pad(image, [self.padding] * 4)
        top = int(torch.randint(0, padded.shape[-2] - self.size + 1, ()).item())
        left = int(torch.randint(0, padded.shape[-1] - self.size + 1, ()).item())
        return padded[..., top : top + self.size, left : left + self.size]


class ToTensor:
    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        return image.float() / 255


class Normalize:
    def __init__(self, mean: list[float], std: list[float]) -> None:
        self.mean = torch.tensor(mean).view(-1, 1, 1)
        self.std = torch.tensor(std).view(-1, 1, 1)

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        return (image - self.mean) / self.std


# register CIFAR10 dataset in torchvision; data transforms should also be built here
@DATASETS.register_module(name="TinyCifar10", force=True)
def build_torchvision_cifar10(transform: Any = None, **kwargs: Any) -> TinyCIFAR:
    if isinstance(transform, dict):
        transform = [transform]
    if isinstance(transform, (list, tuple)):
        transform = Compose(transform)
    return TinyCIFAR(**kwargs, transform=transform)


# register data transforms in torchvision (the tutorial's DATA_TRANSFORMS is TRANSFORMS)
TRANSFORMS.register_module("TinyRandomCrop", module=RandomCrop, force=True)
TRANSFORMS.register_module("TinyToTensor", module=ToTensor, force=True)
TRANSFORMS.register_module("TinyNormalize", module=Normalize, force=True)

norm_cfg = dict(mean=[0.5, 0.5, 0.5], std=[0.25, 0.25, 0.25])


@pytest.mark.spec("DS-18", "DS-19", "DS-20", "DS-23", "DS-24")
def test_dataset_and_transforms_built_from_a_config() -> None:
    dataset_cfg = dict(
        type="TinyCifar10",
        root="data/cifar10",
        train=True,
        download=True,
        transform=[
            dict(type="TinyRandomCrop", size=6, padding=1),
            dict(type="TinyToTensor"),
            dict(type="TinyNormalize", **norm_cfg),
        ],
    )
    dataset = DATASETS.build(dataset_cfg)
    assert isinstance(dataset, TinyCIFAR)
    assert isinstance(dataset.transform, Compose)
    image, label = dataset[4]
    assert image.shape == (3, 6, 6)
    assert image.dtype == torch.float32
    assert label == 1

    # what a runner does with train_dataloader=dict(sampler=..., collate_fn=...)
    sampler = DATA_SAMPLERS.build(
        dict(type="DefaultSampler", shuffle=True, seed=0), default_args=dict(dataset=dataset)
    )
    assert isinstance(sampler, DefaultSampler)
    collate_fn = FUNCTIONS.get("default_collate")
    assert collate_fn is default_collate
    loader = DataLoader(dataset, batch_size=4, sampler=sampler, collate_fn=collate_fn)
    images, labels = next(iter(loader))
    assert images.shape == (4, 3, 6, 6)
    assert labels.tolist() == [i % 3 for i in list(sampler)[:4]]


@pytest.mark.spec("DS-19")
def test_a_single_transform_dict_is_accepted() -> None:
    dataset = DATASETS.build(
        dict(type="TinyCifar10", root="x", transform=dict(type="TinyToTensor"))
    )
    assert dataset[0][0].dtype == torch.float32
