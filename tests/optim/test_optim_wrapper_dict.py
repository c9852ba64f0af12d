"""OptimWrapperDict: container semantics and aggregated values (OPT-08)."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.optim import SGD

from mme.optim import OptimWrapper, OptimWrapperDict


def _dict() -> OptimWrapperDict:
    gen, disc = nn.Linear(1, 1), nn.Linear(1, 1)
    return OptimWrapperDict(
        gen=OptimWrapper(optimizer=SGD(gen.parameters(), lr=0.01)),
        disc=OptimWrapper(optimizer=SGD(disc.parameters(), lr=0.01)),
    )


@pytest.mark.spec("OPT-08")
def test_golden_get_lr_and_get_momentum(capsys: pytest.CaptureFixture[str]) -> None:
    optim_dict = _dict()
    print(optim_dict.get_lr())
    print(optim_dict.get_momentum())
    assert capsys.readouterr().out == (
        "{'gen.lr': [0.01], 'disc.lr': [0.01]}\n{'gen.momentum': [0], 'disc.momentum': [0]}\n"
    )


@pytest.mark.spec("OPT-08")
def test_container_semantics() -> None:
    optim_dict = _dict()
    assert list(optim_dict) == ["gen", "disc"]
    assert list(optim_dict.keys()) == ["gen", "disc"]
    assert len(optim_dict) == 2
    assert "gen" in optim_dict
    assert "other" not in optim_dict
    assert isinstance(optim_dict["gen"], OptimWrapper)
    assert [name for name, _ in optim_dict.items()] == ["gen", "disc"]
    assert all(isinstance(w, OptimWrapper) for w in optim_dict.values())
    with pytest.raises(KeyError, match=r"no wrapper 'gne'.*Did you mean 'gen'"):
        optim_dict["gne"]


@pytest.mark.spec("OPT-08")
@pytest.mark.parametrize(
    "method", ["update_params", "backward", "step", "zero_grad", "optim_context"]
)
def test_training_methods_are_absent_with_a_hint(method: str) -> None:
    optim_dict = _dict()
    assert not hasattr(optim_dict, method)
    with pytest.raises(
        AttributeError, match=rf"call it on one of its wrappers.*\['gen'\]\.{method}"
    ):
        getattr(optim_dict, method)


@pytest.mark.spec("OPT-08")
def test_state_dict_round_trip_over_all_wrappers() -> None:
    source = _dict()
    source["gen"].optimizer.param_groups[0]["lr"] = 0.5
    state = source.state_dict()
    assert set(state) == {"gen", "disc"}
    target = _dict()
    target.load_state_dict(state)
    assert target.get_lr() == {"gen.lr": [0.5], "disc.lr": [0.01]}
    with pytest.raises(KeyError, match="'generator' is not one of the wrappers"):
        target.load_state_dict({"generator": state["gen"]})


@pytest.mark.spec("OPT-08")
def test_initialize_count_status_reaches_every_wrapper_and_only_wrappers_are_accepted() -> None:
    optim_dict = _dict()
    optim_dict.initialize_count_status(nn.Linear(1, 1), 3, 10)
    assert [w.inner_count for w in optim_dict.values()] == [3, 3]
    with pytest.raises(TypeError, match="'gen' must be an OptimWrapper, got SGD"):
        OptimWrapperDict(gen=SGD([torch.zeros(1, requires_grad=True)], lr=0.1))  # type: ignore[arg-type]
