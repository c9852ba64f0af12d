"""BaseModel: dataflow, modes, parse_losses, the non-finite loss policies, devices."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mme.optim import OptimWrapper, OptimWrapperDict
from mme.registry import MODELS
from mme.runner.model import (
    BaseDataPreprocessor,
    BaseModel,
    ImgDataPreprocessor,
    NonFiniteLossError,
    parse_losses,
    update_if_finite,
)
from mme.runner.model import losses as losses_module


class SGDWrapper(OptimWrapper):
    """mme.optim's OptimWrapper over SGD, counting its updates and contexts."""

    def __init__(self, params: Iterator[nn.Parameter], lr: float = 0.01) -> None:
        super().__init__(torch.optim.SGD(params, lr=lr))
        self.contexts: list[nn.Module] = []
        self.updates = 0

    def optim_context(self, model: nn.Module) -> Any:
        self.contexts.append(model)
        return super().optim_context(model)

    def update_params(self, loss: torch.Tensor, *args: Any, **kwargs: Any) -> None:
        super().update_params(loss, *args, **kwargs)
        self.updates += 1


class ToyModel(BaseModel):
    """The spec's ToyModel (002:L7180-7196): per-sample losses of shape (N, 1)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.linear = nn.Linear(1, 1)
        self.calls: list[tuple[str, int]] = []

    def forward(self, img: torch.Tensor, label: torch.Tensor, mode: str = "tensor") -> Any:
        self.calls.append((mode, len(img)))
        feat = self.linear(img)
        if mode == "loss":
            return dict(loss1=(feat - label).pow(2), loss2=(feat - label).abs())
        if mode == "predict":
            return feat, label
        return feat


def toy_batch(value: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.full((2, 1), value), torch.ones(2, 1)


@pytest.mark.spec("MOD-01", "MOD-02", "RUN-06")
def test_tuple_data_is_unpacked_with_star_and_dict_data_with_double_star() -> None:
    model = ToyModel()
    wrapper = SGDWrapper(model.parameters())
    model.train_step(toy_batch(), wrapper)
    model.train_step({"img": torch.ones(3, 1), "label": torch.ones(3, 1)}, wrapper)
    assert model.calls == [("loss", 2), ("loss", 3)]
    assert wrapper.contexts == [model, model]
    assert wrapper.updates == 2


@pytest.mark.spec("RUN-06", "MOD-02")
def test_data_that_is_neither_dict_nor_sequence_is_a_type_error_naming_it() -> None:
    model = ToyModel()
    with pytest.raises(TypeError, match=r"must return a dict .* or a tuple/list .* got Tensor\."):
        model.train_step(torch.ones(2, 1), SGDWrapper(model.parameters()))
    with pytest.raises(TypeError, match="got int"):
        model.val_step(3)


@pytest.mark.spec("MOD-03", "MOD-01")
def test_val_and_test_step_run_predict_mode_without_touching_the_weights() -> None:
    model = ToyModel()
    before = model.linear.weight.clone()
    feat, _label = model.val_step(toy_batch(2.0))
    assert torch.equal(feat, model.linear(torch.full((2, 1), 2.0)))
    model.test_step({"img": torch.ones(1, 1), "label": torch.ones(1, 1)})
    assert model.calls == [("predict", 2), ("predict", 1)]
    assert torch.equal(model.linear.weight, before)
    assert model(torch.ones(1, 1), torch.ones(1, 1)).shape == (1, 1)  # tensor mode


@pytest.mark.spec("MOD-04")
def test_parse_losses_averages_per_sample_losses_and_puts_the_total_last() -> None:
    losses = {
        "loss1": torch.tensor([[1.0], [3.0]]),
        "loss2": torch.tensor(0.5),
        "acc": torch.tensor(0.75),
        "loss_list": [torch.tensor([1.0, 2.0]), torch.tensor(4.0)],
    }
    loss, log_vars = parse_losses(losses)
    assert loss.item() == pytest.approx(2.0 + 0.5 + 1.5 + 4.0)
    assert list(log_vars) == ["loss1", "loss2", "acc", "loss_list", "loss"]
    assert {k: v.item() for k, v in log_vars.items()} == {
        "loss1": 2.0,
        "loss2": 0.5,
        "acc": 0.75,  # logged, not summed: its key has no 'loss'
        "loss_list": 5.5,
        "loss": 8.0,
    }


@pytest.mark.spec("MOD-04", "MOD-02")
def test_train_step_returns_detached_tensors_and_the_loss_gets_gradients() -> None:
    model = ToyModel()
    wrapper = SGDWrapper(model.parameters(), lr=0.1)
    before = model.linear.weight.detach().clone()
    log_vars = model.train_step(toy_batch(), wrapper)
    assert list(log_vars) == ["loss1", "loss2", "loss"]
    assert all(isinstance(v, torch.Tensor) and not v.requires_grad for v in log_vars.values())
    assert log_vars["loss"].item() == pytest.approx(
        log_vars["loss1"].item() + log_vars["loss2"].item()
    )
    assert not torch.equal(model.linear.weight, before)
    loss, _ = model.parse_losses({"loss": model.linear(torch.ones(1, 1)).sum()})
    assert loss.requires_grad


@pytest.mark.spec("MOD-04")
def test_parse_losses_errors_name_the_key_at_fault() -> None:
    with pytest.raises(
        TypeError,
        match=r"The loss 'loss_cls' .* must be a tensor or a list of tensors, got float: 0\.5",
    ):
        parse_losses({"loss_cls": 0.5})
    with pytest.raises(TypeError, match=r"The loss 'loss_box' .* got list: \[\]"):
        parse_losses({"loss_box": []})
    with pytest.raises(
        ValueError, match=r"no key containing 'loss'.* \(keys: \['los', 'acc'\]\)"
    ) as info:
        parse_losses({"los": torch.tensor(1.0), "acc": torch.tensor(1.0)})
    assert "Did you mean 'los'?" in str(info.value)
    with pytest.raises(TypeError, match="must return a dict of losses, got Tensor"):
        parse_losses(torch.tensor(1.0))  # type: ignore[arg-type]


class NanModel(BaseModel):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.linear = nn.Linear(1, 1)

    def forward(self, x: torch.Tensor, mode: str = "tensor") -> Any:
        out = self.linear(x).mean()
        return {"loss_cls": out * float("nan"), "loss_box": out / 0.0, "loss_ok": out}


@pytest.mark.spec("MOD-02", "MOD-04")
def test_a_nan_loss_raises_naming_the_keys_before_any_update() -> None:
    model = NanModel()
    nn.init.constant_(model.linear.weight, 1.0)
    nn.init.constant_(model.linear.bias, 0.0)
    wrapper = SGDWrapper(model.parameters())
    with pytest.raises(NonFiniteLossError) as info:
        model.train_step((torch.ones(1, 1),), wrapper)
    assert str(info.value) == (
        "Non-finite loss: loss_cls is nan, loss_box is inf (loss = nan). The parameters were "
        "not updated. To skip such steps instead, build the model with nonfinite_loss='skip' "
        "(or 'ignore' to update anyway, as MMEngine does)."
    )
    assert isinstance(info.value, FloatingPointError)
    assert wrapper.updates == 0
    assert model.linear.weight.item() == 1.0


@pytest.mark.spec("MOD-02")
def test_on_a_gpu_raise_checks_after_queueing_the_update(monkeypatch: pytest.MonkeyPatch) -> None:
    """The GPU path (flag copied, update queued, then the flag read), run on the CPU."""
    monkeypatch.setattr(losses_module, "OVERLAP_DEVICES", ("cpu",))
    model = NanModel()
    nn.init.constant_(model.linear.weight, 1.0)
    nn.init.constant_(model.linear.bias, 0.0)
    wrapper = SGDWrapper(model.parameters())
    with pytest.raises(NonFiniteLossError) as info:
        model.train_step((torch.ones(1, 1),), wrapper)
    assert wrapper.updates == 1
    assert str(info.value).startswith(
        "Non-finite loss: loss_cls is nan, loss_box is inf (loss = nan). This step's update was "
        "applied: on a GPU the check does not hold the update back (that would make the GPU "
        "wait every step); resume from the last checkpoint."
    )
    finite = ToyModel()
    finite_wrapper = SGDWrapper(finite.parameters())
    finite.train_step(toy_batch(), finite_wrapper)
    assert finite_wrapper.updates == 1


@pytest.mark.spec("MOD-02")
def test_skip_policy_warns_and_skips_the_update(caplog: pytest.LogCaptureFixture) -> None:
    model = NanModel(nonfinite_loss="skip")
    wrapper = SGDWrapper(model.parameters())
    with caplog.at_level(logging.WARNING, logger="mme.runner.model"):
        log_vars = model.train_step((torch.ones(1, 1),), wrapper)
    assert wrapper.updates == 0
    assert torch.isnan(log_vars["loss"])  # still logged, so the log shows it
    assert "Skipped a training step: non-finite loss (loss_cls is nan" in caplog.text


@pytest.mark.spec("MOD-02")
def test_ignore_policy_updates_anyway_like_mmengine() -> None:
    model = NanModel(nonfinite_loss="ignore")
    wrapper = SGDWrapper(model.parameters())
    model.train_step((torch.ones(1, 1),), wrapper)
    assert wrapper.updates == 1
    assert torch.isnan(model.linear.weight).all()


@pytest.mark.spec("MOD-02")
@pytest.mark.parametrize("policy", ["raise", "skip"])
def test_a_total_of_several_elements_is_checked_element_by_element(policy: str) -> None:
    """A custom parse_losses may return a total that is not a single number: the CPU check
    then falls back to the tensor check instead of failing on the float conversion."""
    linear = nn.Linear(1, 1)
    wrapper = SGDWrapper(linear.parameters())
    finite = linear(torch.ones(2, 1)).squeeze(1)  # two elements
    assert update_if_finite(finite.sum(), {"loss": finite.detach()}, policy, wrapper)
    assert wrapper.updates == 1
    bad = linear(torch.tensor([[1.0], [float("nan")]])).squeeze(1)
    if policy == "raise":
        with pytest.raises(NonFiniteLossError, match="Non-finite loss"):
            update_if_finite(bad.sum(), {"loss": bad.detach()}, policy, wrapper)
    else:
        assert not update_if_finite(bad.sum(), {"loss": bad.detach()}, policy, wrapper)
    assert wrapper.updates == 1


@pytest.mark.spec("MOD-02")
def test_an_unknown_policy_is_rejected_with_a_suggestion() -> None:
    with pytest.raises(
        ValueError,
        match=r"must be one of \('raise', 'skip', 'ignore'\), got 'skp'\. Did you mean 'skip'\?",
    ):
        NanModel(nonfinite_loss="skp")
    model = NanModel()
    model.nonfinite_loss = "skip"  # also settable after construction, checked the same way
    assert model.nonfinite_loss == "skip"
    with pytest.raises(ValueError, match=r"got 'raize'\. Did you mean 'raise'"):
        model.nonfinite_loss = "raize"


@pytest.mark.spec("MOD-05")
def test_the_default_data_preprocessor_and_its_alternatives() -> None:
    assert type(ToyModel().data_preprocessor) is BaseDataPreprocessor
    built = ToyModel(data_preprocessor=dict(type="ImgDataPreprocessor", mean=[0.0], std=[1.0]))
    assert isinstance(built.data_preprocessor, ImgDataPreprocessor)
    given = BaseDataPreprocessor()
    assert ToyModel(data_preprocessor=given).data_preprocessor is given
    with pytest.raises(
        TypeError,
        match=r"data_preprocessor must be an nn.Module, a config dict or None, got str: 'Img'",
    ):
        ToyModel(data_preprocessor="Img")
    with pytest.raises(KeyError, match="ImgDataPreprocesor"):
        ToyModel(data_preprocessor=dict(type="ImgDataPreprocesor"))


@pytest.mark.spec("MOD-05")
def test_the_data_preprocessor_follows_the_model_device() -> None:
    model = ToyModel()
    assert model.data_preprocessor.device == torch.device("cpu")
    model.to("meta")
    assert model.data_preprocessor.device == torch.device("meta")
    moved = model.data_preprocessor({"img": torch.ones(1), "meta": ["a"]})
    assert moved["img"].device.type == "meta"
    model.to(torch.float64)  # no device in the arguments: unchanged
    assert model.data_preprocessor.device == torch.device("meta")
    other = ToyModel()
    other.data_preprocessor._device = torch.device("meta")  # as if moved (meta cannot go back)
    other.cpu()
    assert other.data_preprocessor.device == torch.device("cpu")


@pytest.mark.spec("MOD-02", "MOD-04", "MOD-06")
def test_the_spec_gan_trains_with_two_wrappers_and_parse_losses() -> None:
    """The GAN of the spec (002:L680-765), with set_requires_grad and a dict of wrappers."""

    class Generator(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.noise_size = 4
            self.fc = nn.Linear(4, 16)

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            return torch.tanh(self.fc(z)).view(-1, 1, 4, 4)

    class GAN(BaseModel):
        def __init__(
            self, generator: nn.Module, discriminator: nn.Module, data_preprocessor: Any
        ) -> None:
            super().__init__(data_preprocessor=data_preprocessor)
            self.generator = generator
            self.discriminator = discriminator

        def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
            inputs = self.data_preprocessor(data, True)
            real = inputs["inputs"]
            disc = optim_wrapper["discriminator"]
            with disc.optim_context(self.discriminator):
                fake = self.generator(torch.randn(real.shape[0], 4)).detach()
                loss, log_vars = self.parse_losses(
                    {
                        "loss_disc_fake": F.binary_cross_entropy(
                            self.discriminator(fake), torch.zeros(real.shape[0], 1)
                        ),
                        "loss_disc_real": F.binary_cross_entropy(
                            self.discriminator(real), torch.ones(real.shape[0], 1)
                        ),
                    }
                )
                update_if_finite(loss, log_vars, self.nonfinite_loss, disc)
            for p in self.discriminator.parameters():
                p.requires_grad = False
            gen = optim_wrapper["generator"]
            with gen.optim_context(self.generator):
                fake = self.generator(torch.randn(real.shape[0], 4))
                gen_loss, gen_vars = self.parse_losses(
                    {
                        "loss_gen": F.binary_cross_entropy(
                            self.discriminator(fake), torch.ones(real.shape[0], 1)
                        )
                    }
                )
                gen.update_params(gen_loss)
            for p in self.discriminator.parameters():
                p.requires_grad = True
            log_vars.update(gen_vars)
            return log_vars

        def forward(
            self, batch_inputs: torch.Tensor, data_samples: Any = None, mode: Any = None
        ) -> Any:
            return self.generator(batch_inputs)

    discriminator = nn.Sequential(nn.Flatten(), nn.Linear(16, 1), nn.Sigmoid())
    model = GAN(Generator(), discriminator, ImgDataPreprocessor(mean=([127.5]), std=([127.5])))
    wrappers = OptimWrapperDict(
        generator=SGDWrapper(model.generator.parameters()),
        discriminator=SGDWrapper(model.discriminator.parameters()),
    )
    images = torch.randint(0, 256, (3, 1, 4, 4), dtype=torch.uint8)
    log_vars = model.train_step({"inputs": images}, wrappers)
    assert list(log_vars) == ["loss_disc_fake", "loss_disc_real", "loss", "loss_gen"]
    assert wrappers["generator"].updates == wrappers["discriminator"].updates == 1
    assert all(p.requires_grad for p in model.discriminator.parameters())


@pytest.mark.spec("REG-07", "MOD-05")
def test_models_registry_builds_the_preprocessors_by_name() -> None:
    assert MODELS.get("BaseDataPreprocessor") is BaseDataPreprocessor
    assert MODELS.get("ImgDataPreprocessor") is ImgDataPreprocessor
