"""AmpOptimWrapper on CPU: autocast, loss scaler, state dict (OPT-02, OPT-07)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim import SGD

from mme.optim import AmpOptimWrapper, OptimWrapper


@pytest.mark.spec("OPT-07")
def test_state_dict_golden_has_the_loss_scaler() -> None:
    model = nn.Linear(1, 1)
    optimizer = SGD(model.parameters(), lr=0.01)
    optim_state_dict = OptimWrapper(optimizer=optimizer).state_dict()
    amp_state_dict = AmpOptimWrapper(optimizer=optimizer).state_dict()
    assert amp_state_dict["loss_scaler"] == {
        "scale": 65536.0,
        "growth_factor": 2.0,
        "backoff_factor": 0.5,
        "growth_interval": 2000,
        "_growth_tracker": 0,
    }
    assert {k: v for k, v in amp_state_dict.items() if k != "loss_scaler"} == optim_state_dict
    # both load back; the plain wrapper's state is accepted by the AMP one too
    AmpOptimWrapper(optimizer=optimizer).load_state_dict(amp_state_dict)
    OptimWrapper(optimizer=optimizer).load_state_dict(optim_state_dict)
    AmpOptimWrapper(optimizer=optimizer).load_state_dict(optim_state_dict)


@pytest.mark.spec("OPT-02")
@pytest.mark.parametrize("dtype", ["bfloat16", "float16", None])
def test_cpu_autocast_runs_the_forward_in_low_precision(dtype: str | None) -> None:
    model = nn.Linear(4, 2)
    # a moderate initial scale: 65536 overflows float16 gradients on the first steps
    wrapper = AmpOptimWrapper(
        optimizer=SGD(model.parameters(), lr=0.1), dtype=dtype, loss_scale=dict(init_scale=256.0)
    )
    with wrapper.optim_context(model):
        out = model(torch.randn(3, 4))
    expected = torch.float16 if dtype == "float16" else torch.bfloat16  # CPU default: bf16
    assert out.dtype == expected
    before = model.weight.detach().clone()
    wrapper.update_params(F.mse_loss(out.float(), torch.zeros(3, 2)))
    assert not torch.equal(before, model.weight)
    assert model.weight.dtype == torch.float32


@pytest.mark.spec("OPT-02")
def test_bfloat16_training_follows_fp32_training_closely() -> None:
    torch.manual_seed(0)
    ref = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
    amp = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
    amp.load_state_dict(ref.state_dict())
    ref_w = OptimWrapper(SGD(ref.parameters(), lr=0.05))
    amp_w = AmpOptimWrapper(optimizer=SGD(amp.parameters(), lr=0.05), dtype="bfloat16")
    gen = torch.Generator().manual_seed(1)
    for _ in range(20):
        x, y = torch.randn(16, 8, generator=gen), torch.randn(16, 1, generator=gen)
        ref_w.update_params(F.mse_loss(ref(x), y))
        with amp_w.optim_context(amp):
            pred = amp(x)
        amp_w.update_params(F.mse_loss(pred.float(), y))
    for a, b in zip(ref.parameters(), amp.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0.05, atol=0.02)


@pytest.mark.spec("OPT-02")
def test_float16_overflow_skips_the_step_and_backs_off_the_scale() -> None:
    model = nn.Linear(1, 1)
    wrapper = AmpOptimWrapper(optimizer=SGD(model.parameters(), lr=0.1), dtype="float16")
    before = model.weight.detach().clone()
    wrapper.update_params(model(torch.ones(1, 1)).sum() * float("inf"))
    assert torch.equal(before, model.weight)  # inf gradients: step skipped
    assert wrapper.state_dict()["loss_scaler"]["scale"] == 32768.0


@pytest.mark.spec("OPT-02")
def test_fixed_loss_scale_and_clipping_unscale_first() -> None:
    model = nn.Linear(2, 1)
    wrapper = AmpOptimWrapper(
        loss_scale=512.0, optimizer=SGD(model.parameters(), lr=0.0), clip_grad=dict(max_norm=1.0)
    )
    wrapper.backward((model(torch.full((1, 2), 100.0))).sum())
    wrapper.step()
    total = torch.norm(torch.stack([p.grad.norm() for p in model.parameters()]))
    assert float(total) == pytest.approx(1.0, rel=1e-4)  # clipped after unscaling
    assert wrapper.loss_scaler.get_scale() == 512.0
    scaled = AmpOptimWrapper(
        loss_scale=dict(init_scale=8.0, growth_interval=10), optimizer=SGD(model.parameters(), 0.1)
    )
    assert scaled.state_dict()["loss_scaler"]["scale"] == 8.0
    assert scaled.state_dict()["loss_scaler"]["growth_interval"] == 10


@pytest.mark.spec("OPT-02")
def test_bad_dtype_and_loss_scale_are_errors_naming_the_argument() -> None:
    params = list(nn.Linear(1, 1).parameters())
    with pytest.raises(ValueError, match=r"dtype='bfloat'.*Did you mean 'bfloat16'"):
        AmpOptimWrapper(optimizer=SGD(params, lr=0.1), dtype="bfloat")
    hint = r"'init_scal' is not an argument of GradScaler.*Did you mean 'init_scale'"
    with pytest.raises(ValueError, match=hint):
        AmpOptimWrapper(optimizer=SGD(params, lr=0.1), loss_scale=dict(init_scal=2.0))
    with pytest.raises(TypeError, match="loss_scale must be 'dynamic'"):
        AmpOptimWrapper(optimizer=SGD(params, lr=0.1), loss_scale="static")


@pytest.mark.spec("OPT-02")
def test_use_fsdp_scales_with_the_sharded_grad_scaler() -> None:
    from torch.distributed.fsdp.sharded_grad_scaler import ShardedGradScaler

    model = nn.Linear(2, 1)
    wrapper = AmpOptimWrapper(optimizer=SGD(model.parameters(), lr=0.1), use_fsdp=True)
    assert isinstance(wrapper.loss_scaler, ShardedGradScaler)
    assert wrapper.state_dict()["loss_scaler"]["scale"] == 65536.0
