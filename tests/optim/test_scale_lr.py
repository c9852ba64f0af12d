"""auto_scale_lr: lr x actual total batch size / base_batch_size (OPT-23)."""

from __future__ import annotations

import logging

import pytest
from torch import nn
from torch.optim import SGD

from mme.logging import MMLogger
from mme.optim import LinearLR, OptimWrapper, OptimWrapperDict, auto_scale_lr


def _wrapper(lr: float = 0.1) -> OptimWrapper:
    a, b = nn.Linear(1, 1), nn.Linear(1, 1)
    return OptimWrapper(SGD([{"params": a.parameters()}, {"params": b.parameters(), "lr": 0.02}],
                            lr=lr))  # fmt: skip


@pytest.mark.spec("OPT-23")
def test_scales_every_group_and_logs_the_ratio(caplog: pytest.LogCaptureFixture) -> None:
    MMLogger.get_instance("optim-scale-lr")
    wrapper = _wrapper()
    with caplog.at_level(logging.INFO):
        ratio = auto_scale_lr(
            wrapper, dict(enable=True, base_batch_size=16), batch_size=4, world_size=2
        )
    assert ratio == 0.5
    assert wrapper.get_lr() == {"lr": [0.05, 0.01]}
    assert (
        "LR is set based on batch size of 16 and the current batch size is 8. Scaling the "
        "original LR by 0.5." in caplog.messages
    )


@pytest.mark.spec("OPT-23")
def test_disabled_or_absent_does_nothing_and_world_size_defaults_to_one_process() -> None:
    wrapper = _wrapper()
    assert auto_scale_lr(wrapper, None, batch_size=4) is None
    assert auto_scale_lr(wrapper, dict(enable=False, base_batch_size=16), batch_size=4) is None
    assert wrapper.get_lr() == {"lr": [0.1, 0.02]}
    assert auto_scale_lr(wrapper, dict(enable=True, base_batch_size=2), batch_size=4) == 2.0
    assert wrapper.get_lr()["lr"] == pytest.approx([0.2, 0.04])


@pytest.mark.spec("OPT-23")
def test_optim_wrapper_dict_is_scaled_too() -> None:
    optim_dict = OptimWrapperDict(gen=_wrapper(), disc=_wrapper(0.2))
    auto_scale_lr(optim_dict, dict(enable=True, base_batch_size=4), batch_size=8, world_size=1)
    assert optim_dict.get_lr() == {"gen.lr": [0.2, 0.04], "disc.lr": [0.4, 0.04]}


@pytest.mark.spec("OPT-23")
def test_errors_name_the_key() -> None:
    wrapper = _wrapper()
    with pytest.raises(KeyError, match=r"'base_batchsize'.*Did you mean 'base_batch_size'"):
        auto_scale_lr(wrapper, dict(enable=True, base_batchsize=16), batch_size=2)
    with pytest.raises(ValueError, match="base_batch_size must be a positive int"):
        auto_scale_lr(wrapper, dict(enable=True), batch_size=2)
    LinearLR(wrapper, start_factor=0.5)
    with pytest.raises(RuntimeError, match="a parameter scheduler was built before scaling"):
        auto_scale_lr(wrapper, dict(enable=True, base_batch_size=16), batch_size=2)
