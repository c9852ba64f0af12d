"""Models shared by the mme.analysis tests and tools/benchmarks/bench_analysis.py.

``resnet50()`` is the standard ResNet-50 (torchvision's layout and module names, v1.5
strides: the stride sits on the 3x3 convolution) written with torch.nn layers only, and
``MMResNet50`` wraps it the way the spec's ``MMResNet50(BaseModel)`` does: a ``resnet``
child and a ``data_preprocessor`` child without parameters that ``forward`` never calls.
"""

from __future__ import annotations

import torch
from torch import nn


class Bottleneck(nn.Module):
    """The ResNet-50 bottleneck block: 1x1, 3x3 (strided), 1x1 convolutions."""

    expansion = 4

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    """ResNet with bottleneck blocks; ``layers=(3, 4, 6, 3)`` is ResNet-50."""

    def __init__(self, layers: tuple[int, ...] = (3, 4, 6, 3), num_classes: int = 1000) -> None:
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * Bottleneck.expansion, num_classes)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * Bottleneck.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * 4, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * Bottleneck.expansion),
            )
        layers = [Bottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet50() -> ResNet:
    """A randomly initialised ResNet-50 with 1000 classes."""
    return ResNet((3, 4, 6, 3))


class BaseDataPreprocessor(nn.Module):
    """Stands in for mme.runner's data preprocessor: no parameters, not called here."""

    def forward(self, data: dict) -> dict:
        return data


class MMResNet50(nn.Module):
    """The spec's ``MMResNet50(BaseModel)``: ``forward(imgs, labels=None, mode='tensor')``."""

    def __init__(self) -> None:
        super().__init__()
        self.data_preprocessor = BaseDataPreprocessor()
        self.resnet = resnet50()

    def forward(
        self, imgs: torch.Tensor, labels: torch.Tensor | None = None, mode: str = "tensor"
    ) -> torch.Tensor | dict | tuple:
        x = self.resnet(imgs)
        if mode == "loss":
            return {"loss": nn.functional.cross_entropy(x, labels)}
        if mode == "predict":
            return x, labels
        return x
