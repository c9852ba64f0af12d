"""Data preprocessors (moving, normalising, padding, custom ones) and the model utilities."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mme.runner.model import (
    BaseDataPreprocessor,
    BaseModel,
    ImgDataPreprocessor,
    MMDistributedDataParallel,
    detect_anomalous_params,
    is_model_wrapper,
    merge_dict,
    stack_batch,
)
from mme.runner.structures import BaseDataElement

Pair = namedtuple("Pair", ["img", "label"])


@pytest.mark.spec("MOD-05")
def test_any_nested_data_is_moved_and_its_containers_kept() -> None:
    pre = BaseDataPreprocessor()
    pre._device = torch.device("meta")
    sample = BaseDataElement(metainfo=dict(id=3), score=torch.ones(2))
    data = {
        "inputs": [torch.ones(1), torch.zeros(2)],
        "pair": Pair(torch.ones(1), "cat"),
        "nested": ({"x": torch.ones(1)}, 7),
        "data_samples": [sample],
        "name": "batch",
    }
    out = pre(data)
    assert [t.device.type for t in out["inputs"]] == ["meta", "meta"]
    assert isinstance(out["pair"], Pair)
    assert out["pair"].label == "cat"
    assert out["pair"].img.device.type == "meta"
    assert isinstance(out["nested"], tuple)
    assert out["nested"][1] == 7
    assert out["nested"][0]["x"].device.type == "meta"
    assert out["data_samples"][0].score.device.type == "meta"
    assert out["data_samples"][0].id == 3
    assert out["name"] == "batch"
    cpu_tensor = torch.ones(1)
    assert BaseDataPreprocessor()(cpu_tensor) is cpu_tensor  # already there: no copy


@pytest.mark.spec("MOD-05")
def test_a_batch_already_in_place_is_kept_and_a_new_device_is_followed() -> None:
    """A tuple of tensors already on the device comes back with the same tensors; after the
    device changes (here set directly, as MMEngine-style subclasses do) they are moved."""
    pre = BaseDataPreprocessor()
    batch = (torch.ones(2), torch.zeros(2, dtype=torch.long))
    out = pre(batch)
    assert isinstance(out, tuple)
    assert all(a is b for a, b in zip(out, batch, strict=True))
    as_list = pre(list(batch))
    assert isinstance(as_list, list)
    assert all(a is b for a, b in zip(as_list, batch, strict=True))
    pre._device = torch.device("meta")
    moved = pre(batch)
    assert [t.device.type for t in moved] == ["meta", "meta"]
    assert [t.device.type for t in pre({"x": torch.ones(1)}).values()] == ["meta"]


@pytest.mark.spec("MOD-06")
def test_gan_usage_normalises_uint8_images_to_minus_one_one() -> None:
    pre = ImgDataPreprocessor(mean=([127.5]), std=([127.5]))
    images = torch.tensor([0, 255], dtype=torch.uint8).view(1, 1, 1, 2).repeat(2, 1, 1, 1)
    out = pre({"inputs": images}, training=True)
    assert out["inputs"].dtype == torch.float32
    assert out["inputs"].tolist() == [[[[-1.0, 1.0]]]] * 2
    assert out["data_samples"] is None


@pytest.mark.spec("MOD-06")
def test_images_of_different_sizes_are_converted_normalised_and_padded() -> None:
    pre = ImgDataPreprocessor(
        mean=[1, 2, 3], std=[1, 1, 1], pad_size_divisor=4, pad_value=-9, bgr_to_rgb=True
    )
    first = torch.stack(
        [torch.full((2, 3), 30.0), torch.full((2, 3), 20.0), torch.full((2, 3), 10.0)]
    )
    second = torch.zeros(3, 5, 1)
    out = pre({"inputs": [first, second], "data_samples": ["a", "b"]})
    batch = out["inputs"]
    assert batch.shape == (2, 3, 8, 4)
    assert batch[0, :, 0, 0].tolist() == [9.0, 18.0, 27.0]  # BGR -> RGB, then minus the mean
    assert batch[0, 0, 2, 0].item() == -9  # padding below the 2 rows
    assert batch[1, :, 0, 0].tolist() == [-1.0, -2.0, -3.0]
    assert out["data_samples"] == ["a", "b"]
    tensor_batch = ImgDataPreprocessor(pad_size_divisor=4)({"inputs": torch.ones(1, 3, 5, 5)})[
        "inputs"
    ]
    assert tensor_batch.shape == (1, 3, 8, 8)
    assert tensor_batch[0, 0, 7, 7].item() == 0


@pytest.mark.spec("MOD-06")
def test_image_preprocessor_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match="bgr_to_rgb and rgb_to_bgr both reverse the channels"):
        ImgDataPreprocessor(bgr_to_rgb=True, rgb_to_bgr=True)
    with pytest.raises(ValueError, match=r"mean and std go together; got mean=\[1\] and std=None"):
        ImgDataPreprocessor(mean=[1])
    with pytest.raises(ValueError, match=r"need 1 value \(gray images\) or 3"):
        ImgDataPreprocessor(mean=[1, 2], std=[1, 2])
    with pytest.raises(ValueError, match="pad_size_divisor must be a positive int, got 0"):
        ImgDataPreprocessor(pad_size_divisor=0)
    pre = ImgDataPreprocessor(mean=[1, 2, 3], std=[1, 1, 1])
    with pytest.raises(
        ValueError, match=r"mean and std have 3 values but the images have 1 channel"
    ):
        pre({"inputs": torch.zeros(2, 1, 4, 4)})
    with pytest.raises(
        TypeError, match=r"expects a dict with an 'inputs' key .* got dict with keys \['img'\]"
    ):
        pre({"img": torch.zeros(2, 3, 4, 4)})
    with pytest.raises(TypeError, match="got tuple"):
        pre((torch.zeros(2, 3, 4, 4),))
    with pytest.raises(ValueError, match=r"must be \(N, C, H, W\), got shape \(3, 4, 4\)"):
        pre({"inputs": torch.zeros(3, 4, 4)})


class MixUpDataPreprocessor(BaseDataPreprocessor):
    """The spec's MixUp (001:L177-200) written correctly: it mixes images and one-hot labels."""

    def __init__(self, num_classes: int, alpha: float) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.alpha = alpha

    def forward(self, data: Any, training: bool = True) -> Any:
        img, label = self.cast_data(data)
        if not training:
            return img, label
        batch_scores = F.one_hot(label, self.num_classes).float()
        index = torch.randperm(len(label))
        lam = float(np.random.beta(self.alpha, self.alpha))
        img = lam * img + (1 - lam) * img[index, :]
        batch_scores = lam * batch_scores + (1 - lam) * batch_scores[index, :]
        return img, batch_scores


class SoftTargetModel(BaseModel):
    def __init__(self) -> None:
        super().__init__(data_preprocessor=MixUpDataPreprocessor(num_classes=3, alpha=0.4))
        self.fc = nn.Linear(2, 3)

    def forward(self, img: torch.Tensor, target: torch.Tensor, mode: str = "tensor") -> Any:
        logits = self.fc(img)
        if mode == "loss":
            return {"loss": F.cross_entropy(logits, target)}
        return logits.argmax(1), target


@pytest.mark.spec("MOD-07")
def test_a_mixup_preprocessor_mixes_only_in_training() -> None:
    np.random.seed(0)
    torch.manual_seed(0)
    model = SoftTargetModel()
    img = torch.tensor([[1.0, 0.0], [0.0, 1.0], [5.0, 5.0], [2.0, 2.0]])
    label = torch.tensor([0, 1, 2, 1])
    mixed_img, scores = model.data_preprocessor((img, label), training=True)
    assert scores.shape == (4, 3)
    assert torch.allclose(scores.sum(1), torch.ones(4))  # still distributions
    assert not torch.equal(mixed_img, img)
    _, kept = model.val_step((img, label))
    assert torch.equal(kept, label)
    with torch.no_grad():
        log_vars = model.train_step((img, label), _NoStep())
    assert log_vars["loss"].item() > 0


class _NoStep:
    def optim_context(self, model: nn.Module) -> Any:
        return torch.no_grad()

    def update_params(self, loss: torch.Tensor) -> None:
        pass


@pytest.mark.spec("MOD-07")
def test_a_preprocessor_can_turn_tuples_into_the_dict_forward_expects() -> None:
    class TupleToDict(BaseDataPreprocessor):
        def forward(self, data: Any, training: bool = False) -> Any:
            img, label = self.cast_data(data)
            return {"inputs": img, "data_samples": label}

    class Net(BaseModel):
        def forward(
            self, inputs: torch.Tensor, data_samples: Any = None, mode: str = "tensor"
        ) -> Any:
            return inputs.sum(), data_samples

    total, label = Net(data_preprocessor=TupleToDict()).val_step((torch.ones(2, 2), "y"))
    assert (total.item(), label) == (4.0, "y")


@pytest.mark.spec("MOD-06")
def test_stack_batch_pads_every_trailing_dimension() -> None:
    batch = stack_batch([torch.ones(3, 2, 5), torch.ones(3, 4, 3)], pad_size_divisor=4, pad_value=7)
    assert batch.shape == (2, 3, 4, 8)
    assert batch[0, 0, 3, 0].item() == 7
    assert batch[1, 0, 0, 4].item() == 7
    assert batch[0, 0, 0, 0].item() == 1
    assert stack_batch([torch.ones(2), torch.ones(2)]).shape == (2, 2)
    with pytest.raises(
        ValueError, match=r"same first \(channel\) dimension, got shapes \[\(3, 2\), \(1, 2\)\]"
    ):
        stack_batch([torch.ones(3, 2), torch.ones(1, 2)])
    with pytest.raises(ValueError, match=r"same rank, got shapes \[\(3, 2\), \(3,\)\]"):
        stack_batch([torch.ones(3, 2), torch.ones(3)])
    with pytest.raises(ValueError, match="empty list"):
        stack_batch([])
    with pytest.raises(TypeError, match="expects a list of tensors, got tuple"):
        stack_batch((torch.ones(1),))  # type: ignore[arg-type]


@pytest.mark.spec("MOD-09")
def test_merge_dict_merges_later_ones_winning() -> None:
    assert merge_dict({"a": 1, "b": 2}, {"b": 3}) == {"a": 1, "b": 3}
    with pytest.raises(TypeError, match="argument 1 must be a dict, got list"):
        merge_dict({}, [])  # type: ignore[arg-type]


@pytest.mark.spec("MOD-09")
def test_is_model_wrapper_knows_the_registered_wrappers() -> None:
    assert not is_model_wrapper(nn.Linear(1, 1))
    assert is_model_wrapper(MMDistributedDataParallel.__new__(MMDistributedDataParallel))
    assert is_model_wrapper(
        torch.nn.parallel.DistributedDataParallel.__new__(torch.nn.parallel.DistributedDataParallel)
    )


@pytest.mark.spec("MOD-09")
def test_detect_anomalous_params_names_what_the_loss_does_not_use(
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = nn.ModuleDict({"used": nn.Linear(2, 1), "unused": nn.Linear(2, 1)})
    model["used"].bias.requires_grad = False
    loss = model["used"](torch.ones(1, 2)).sum()
    with caplog.at_level("ERROR", logger="mme.runner.model"):
        assert detect_anomalous_params(loss, model) == ["unused.weight", "unused.bias"]
    assert "unused.weight is not in the computational graph of the loss" in caplog.text
