"""build_optim_wrapper config forms and the OPTIMIZERS registry (OPT-09, OPT-10, OPT-11, REG-15)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch
from torch import nn
from torch.optim import SGD, Adam

import mme.optim
from mme.optim import AmpOptimWrapper, OptimWrapper, build_optim_wrapper
from mme.registry import OPTIM_WRAPPERS, OPTIMIZERS


@pytest.mark.spec("OPT-10", "REG-15")
def test_every_torch_optimizer_is_registered() -> None:
    expected = {
        name
        for name in dir(torch.optim)
        if isinstance(getattr(torch.optim, name), type)
        and issubclass(getattr(torch.optim, name), torch.optim.Optimizer)
        and name != "Optimizer"
    }
    assert {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "LBFGS"} <= expected
    assert set(mme.optim.TORCH_OPTIMIZERS) == expected
    for name in expected:
        assert OPTIMIZERS.get(name) is getattr(torch.optim, name)


@pytest.mark.spec("OPT-10", "REG-15")
def test_optimizers_build_by_name_without_importing_mme_optim_first() -> None:
    code = textwrap.dedent(
        """
        import sys
        import torch
        from mme.registry import OPTIMIZERS, OPTIM_WRAPPERS, PARAM_SCHEDULERS
        assert "mme.optim" not in sys.modules
        params = [torch.zeros(2, requires_grad=True)]
        optimizer = OPTIMIZERS.build(dict(type='AdamW', params=params, lr=0.01))
        assert type(optimizer).__name__ == "AdamW", optimizer
        assert "mme.optim" in sys.modules
        # ZeroRedundancyOptimizer's torch module (seconds to import) waits until it is built
        assert "torch.distributed.optim" not in sys.modules
        wrapper = OPTIM_WRAPPERS.build(dict(type='OptimWrapper', optimizer=optimizer))
        print(type(wrapper).__name__, wrapper.get_lr())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "OptimWrapper {'lr': [0.01]}"


@pytest.mark.spec("OPT-09")
def test_config_forms() -> None:
    model = nn.Linear(2, 2)
    optimizer = dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=0.0001)
    explicit = build_optim_wrapper(model, dict(type="OptimWrapper", optimizer=optimizer))
    omitted = build_optim_wrapper(model, dict(optimizer=optimizer))
    for wrapper in (explicit, omitted):
        assert type(wrapper) is OptimWrapper
        assert isinstance(wrapper.optimizer, SGD)
        assert wrapper.optimizer.defaults["momentum"] == 0.9
    by_class = build_optim_wrapper(model, dict(optimizer=dict(type=Adam, lr=0.001)))
    assert isinstance(by_class.optimizer, Adam)
    amp = build_optim_wrapper(
        model, dict(type="AmpOptimWrapper", optimizer=optimizer, accumulative_counts=2)
    )
    assert type(amp) is AmpOptimWrapper
    assert amp.accumulative_counts == 2
    built = SGD(model.parameters(), lr=0.1)
    given = build_optim_wrapper(model, dict(optimizer=built, clip_grad=dict(max_norm=1)))
    assert given.optimizer is built
    assert given.clip_grad_kwargs == {"max_norm": 1}
    custom_wrapper = build_optim_wrapper(
        model, dict(type=OptimWrapper, optimizer=dict(type="SGD", lr=0.1))
    )
    assert type(custom_wrapper) is OptimWrapper


@pytest.mark.spec("OPT-09")
def test_config_is_not_modified_and_ddp_like_wrappers_are_unwrapped() -> None:
    cfg = dict(optimizer=dict(type="SGD", lr=0.01), paramwise_cfg=dict(bias_lr_mult=2.0))
    snapshot = repr(cfg)

    wrapper = build_optim_wrapper(nn.DataParallel(nn.Linear(1, 1)), cfg)  # a wrapper on CPU
    assert repr(cfg) == snapshot
    assert [g["lr"] for g in wrapper.param_groups] == [0.01, 0.02]

    class NotAWrapper(nn.Module):  # a child called "module" is not a model wrapper
        def __init__(self) -> None:
            super().__init__()
            self.module = nn.Linear(1, 1)
            self.head = nn.Linear(1, 1)

    mine = build_optim_wrapper(NotAWrapper(), cfg)
    assert len(mine.param_groups) == 4


@pytest.mark.spec("OPT-09", "OPT-11")
def test_config_errors_name_the_key() -> None:
    model = nn.Linear(1, 1)
    with pytest.raises(KeyError, match=r"optim_wrapper has no 'optimizer' key.*'optimzer'"):
        build_optim_wrapper(model, dict(optimzer=dict(type="SGD", lr=0.1)))
    with pytest.raises(KeyError, match=r"'SDG'.*Did you mean 'SGD'"):
        build_optim_wrapper(model, dict(optimizer=dict(type="SDG", lr=0.1)))
    with pytest.raises(KeyError, match="optimizer has no 'type'"):
        build_optim_wrapper(model, dict(optimizer=dict(lr=0.1)))
    with pytest.raises(KeyError, match="OptimWraper"):
        build_optim_wrapper(model, dict(type="OptimWraper", optimizer=dict(type="SGD", lr=0.1)))
    with pytest.raises(ValueError, match="paramwise_cfg cannot be applied to an optimizer"):
        build_optim_wrapper(
            model,
            dict(optimizer=SGD(model.parameters(), lr=0.1), paramwise_cfg=dict(bias_lr_mult=2)),
        )
    with pytest.raises(TypeError, match="optimizer must be a config dict"):
        build_optim_wrapper(model, dict(optimizer="SGD"))
    with pytest.raises(TypeError, match="cfg must be an optim_wrapper config dict"):
        build_optim_wrapper(model, "SGD")  # type: ignore[arg-type]


@pytest.mark.spec("OPT-09")
def test_wrappers_are_registered() -> None:
    assert OPTIM_WRAPPERS.get("OptimWrapper") is OptimWrapper
    assert OPTIM_WRAPPERS.get("AmpOptimWrapper") is AmpOptimWrapper


@pytest.mark.spec("OPT-10", "REG-15")
def test_optional_optimizers_register_when_their_package_is_importable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import types

    from mme.optim.optimizers import register_optional_optimizers

    class Lion(torch.optim.SGD):
        """Stands in for lion_pytorch.Lion."""

    fake = types.ModuleType("lion_pytorch")
    fake.Lion = Lion  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lion_pytorch", fake)
    monkeypatch.setitem(sys.modules, "dadaptation", None)  # not installed
    table = OPTIMIZERS._module_dict
    monkeypatch.setattr(OPTIMIZERS, "_module_dict", dict(table))  # undone after the test
    assert "Lion" not in table
    assert register_optional_optimizers() == ["Lion"]
    built = OPTIMIZERS.build(dict(type="Lion", params=[torch.zeros(1, requires_grad=True)], lr=0.1))
    assert isinstance(built, Lion)
    assert "DAdaptAdam" not in OPTIMIZERS
