"""OptimWrapper: update, accumulation, clipping, lr/momentum, state dicts (OPT-01, OPT-03..07)."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.optim import SGD, Adam

from mme.logging import MessageHub
from mme.optim import OptimWrapper


def _data(n: int = 10) -> list[tuple[torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(0)
    return [(torch.randn(4, 3, generator=gen), torch.randn(4, 1, generator=gen)) for _ in range(n)]


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))


@pytest.mark.spec("OPT-01")
def test_update_params_equals_the_hand_written_loop() -> None:
    ref, model = _model(), _model()
    ref_opt = SGD(ref.parameters(), lr=0.1, momentum=0.9)
    wrapper = OptimWrapper(SGD(model.parameters(), lr=0.1, momentum=0.9))
    for x, y in _data():
        loss = F.mse_loss(ref(x), y)
        loss.backward()
        ref_opt.step()
        ref_opt.zero_grad()
        wrapper.update_params(F.mse_loss(model(x), y))
    for a, b in zip(ref.parameters(), model.parameters(), strict=True):
        assert torch.equal(a, b)
        assert b.grad is None or not b.grad.any()


@pytest.mark.spec("OPT-03")
def test_accumulation_steps_every_n_calls_with_the_mean_gradient() -> None:
    ref, model = _model(), _model()
    ref_opt = SGD(ref.parameters(), lr=0.1)
    wrapper = OptimWrapper(SGD(model.parameters(), lr=0.1), accumulative_counts=2)
    data = _data(8)
    for i in range(0, 8, 2):
        (x1, y1), (x2, y2) = data[i], data[i + 1]
        loss = (F.mse_loss(ref(x1), y1) + F.mse_loss(ref(x2), y2)) / 2
        loss.backward()
        ref_opt.step()
        ref_opt.zero_grad()
    steps = []
    for x, y in data:
        before = model[0].weight.detach().clone()
        wrapper.update_params(F.mse_loss(model(x), y))
        steps.append(not torch.equal(before, model[0].weight))
    assert steps == [False, True] * 4
    for a, b in zip(ref.parameters(), model.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


@pytest.mark.spec("OPT-03")
def test_last_incomplete_group_is_divided_by_its_own_size_and_steps() -> None:
    # 7 iterations, groups of 3: [3, 3, 1]; the last group's loss is divided by 1.
    model = nn.Linear(1, 1, bias=False)
    nn.init.zeros_(model.weight)
    wrapper = OptimWrapper(SGD(model.parameters(), lr=1.0), accumulative_counts=3)
    wrapper.initialize_count_status(model, 0, 7)
    factors, updates = [], []
    for _ in range(7):
        factors.append(float(wrapper.scale_loss(torch.ones(()))))
        wrapper.backward(model.weight.sum())
        updates.append(wrapper.should_update())
    assert factors == pytest.approx([1 / 3] * 6 + [1.0])
    assert updates == [False, False, True, False, False, True, True]


@pytest.mark.spec("OPT-03")
def test_accumulated_gradient_of_the_last_group_is_a_mean_over_that_group() -> None:
    model = nn.Linear(1, 1, bias=False)
    nn.init.zeros_(model.weight)
    wrapper = OptimWrapper(SGD(model.parameters(), lr=1.0), accumulative_counts=4)
    wrapper.initialize_count_status(model, 0, 6)
    grads = []
    for value in [1.0, 1.0, 1.0, 1.0, 2.0, 4.0]:
        before = model.weight.detach().clone()
        # d(loss)/dw = value, so a step moves w by -lr * mean(values of the group)
        wrapper.update_params((model.weight * value).sum())
        grads.append(float(before - model.weight.detach()))
    assert grads == pytest.approx([0, 0, 0, 1.0, 0, 3.0])


@pytest.mark.spec("OPT-03")
def test_update_past_max_counts_is_an_error_naming_the_count() -> None:
    model = nn.Linear(1, 1)
    wrapper = OptimWrapper(SGD(model.parameters(), lr=0.1), accumulative_counts=2)
    wrapper.initialize_count_status(model, 0, 2)
    for _ in range(2):
        wrapper.update_params(model(torch.ones(1, 1)).sum())
    with pytest.raises(RuntimeError, match="max_counts=2"):
        wrapper.update_params(model(torch.ones(1, 1)).sum())


@pytest.mark.spec("OPT-03")
def test_optim_context_skips_no_sync_only_on_accumulation_steps() -> None:
    class FakeDDP(nn.Linear):
        def __init__(self) -> None:
            super().__init__(1, 1)
            self.entered = 0

        def no_sync(self):  # type: ignore[no-untyped-def]
            import contextlib

            self.entered += 1
            return contextlib.nullcontext()

    model = FakeDDP()
    wrapper = OptimWrapper(SGD(model.parameters(), lr=0.1), accumulative_counts=3)
    wrapper.initialize_count_status(model, 0, 5)
    synced = []
    for _ in range(5):
        before = model.entered
        with wrapper.optim_context(model):
            loss = model(torch.ones(1, 1)).sum()
        synced.append(model.entered == before)
        wrapper.update_params(loss)
    # groups [1,2,3] [4,5]: gradients are all-reduced on the last backward of each group
    assert synced == [False, False, True, False, True]


@pytest.mark.spec("OPT-05")
def test_clip_grad_by_norm_clips_and_reports_grad_norm_to_the_message_hub() -> None:
    hub = MessageHub.get_instance("optim-clip-test")
    model = nn.Linear(2, 1)
    wrapper = OptimWrapper(SGD(model.parameters(), lr=0.0), clip_grad=dict(max_norm=1.0))
    loss = (model(torch.full((1, 2), 100.0)) * 10).sum()
    wrapper.update_params(loss)
    norm = hub.get_scalar("train/grad_norm").current()
    assert norm > 1.0
    # the grads were clipped to norm 1 before the (lr=0) step and then zeroed
    model.zero_grad()
    wrapper.backward((model(torch.full((1, 2), 100.0)) * 10).sum())
    wrapper._clip_grad()
    total = torch.norm(torch.stack([p.grad.norm() for p in model.parameters()]))
    assert float(total) == pytest.approx(1.0, rel=1e-5)


@pytest.mark.spec("OPT-05")
def test_clip_grad_by_value() -> None:
    model = nn.Linear(2, 1)
    wrapper = OptimWrapper(SGD(model.parameters(), lr=0.0), clip_grad=dict(clip_value=0.2))
    wrapper.backward((model(torch.full((1, 2), 5.0))).sum())
    wrapper._clip_grad()
    assert all(float(p.grad.abs().max()) <= 0.2 + 1e-7 for p in model.parameters())


@pytest.mark.spec("OPT-05")
@pytest.mark.parametrize(
    ("clip_grad", "error", "match"),
    [
        (dict(max_nrom=1.0), ValueError, "'max_nrom'.*Did you mean 'max_norm'"),
        (dict(type="value", max_norm=1.0), ValueError, "'max_norm' is not an argument"),
        (dict(type="l2", max_norm=1.0), ValueError, "type='l2' is not supported"),
        (dict(norm_type=2), ValueError, "does not give 'max_norm'"),
        (1.0, TypeError, "clip_grad must be a dict"),
    ],
)
def test_bad_clip_grad_is_an_error_naming_the_key(
    clip_grad: object, error: type[Exception], match: str
) -> None:
    model = nn.Linear(1, 1)
    with pytest.raises(error, match=match):
        OptimWrapper(SGD(model.parameters(), lr=0.1), clip_grad=clip_grad)  # type: ignore[arg-type]


@pytest.mark.spec("OPT-01")
def test_bad_arguments_are_errors() -> None:
    model = nn.Linear(1, 1)
    with pytest.raises(TypeError, match=r"must be a torch.optim.Optimizer"):
        OptimWrapper(model.parameters())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="accumulative_counts must be a positive int, got 0"):
        OptimWrapper(SGD(model.parameters(), lr=0.1), accumulative_counts=0)


@pytest.mark.spec("OPT-06")
def test_get_lr_and_get_momentum_golden(capsys: pytest.CaptureFixture[str]) -> None:
    model = nn.Linear(1, 1)
    optimizer = SGD(model.parameters(), lr=0.01)
    optim_wrapper = OptimWrapper(optimizer)
    print(optimizer.param_groups[0]["lr"])
    print(optimizer.param_groups[0]["momentum"])
    print(optim_wrapper.get_lr())
    print(optim_wrapper.get_momentum())
    assert capsys.readouterr().out == "0.01\n0\n{'lr': [0.01]}\n{'momentum': [0]}\n"


@pytest.mark.spec("OPT-06")
def test_get_lr_has_one_entry_per_group_and_momentum_reads_adam_betas() -> None:
    a, b = nn.Linear(1, 1), nn.Linear(1, 1)
    wrapper = OptimWrapper(
        Adam([{"params": a.parameters()}, {"params": b.parameters(), "lr": 0.1}], lr=0.01)
    )
    assert wrapper.get_lr() == {"lr": [0.01, 0.1]}
    assert wrapper.get_momentum() == {"momentum": [0.9, 0.9]}
    assert wrapper.param_groups is wrapper.optimizer.param_groups
    assert wrapper.defaults["lr"] == 0.01


@pytest.mark.spec("OPT-07")
def test_state_dict_is_the_optimizer_state_and_loads_back() -> None:
    model = nn.Linear(1, 1)
    optimizer = SGD(model.parameters(), lr=0.01)
    state = OptimWrapper(optimizer=optimizer).state_dict()
    golden = {
        "lr": 0.01, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False,
        "maximize": False, "foreach": None, "params": [0, 1],
    }  # fmt: skip
    assert state["state"] == {}
    assert len(state["param_groups"]) == 1
    # the keys of the spec's output; newer torch adds more (differentiable, fused)
    assert {k: state["param_groups"][0][k] for k in golden} == golden

    trained = nn.Linear(1, 1)
    wrapper = OptimWrapper(SGD(trained.parameters(), lr=0.5, momentum=0.9))
    wrapper.update_params(trained(torch.ones(1, 1)).sum())
    saved = copy.deepcopy(wrapper.state_dict())
    fresh = OptimWrapper(SGD(nn.Linear(1, 1).parameters(), lr=0.1, momentum=0.9))
    fresh.load_state_dict(saved)
    assert fresh.get_lr() == {"lr": [0.5]}
    assert set(fresh.optimizer.state_dict()["state"]) == {0, 1}


@pytest.mark.spec("OPT-01")
def test_repr_names_the_settings() -> None:
    wrapper = OptimWrapper(
        SGD(nn.Linear(1, 1).parameters(), lr=0.1), accumulative_counts=2, clip_grad=dict(max_norm=1)
    )
    text = repr(wrapper)
    assert text.startswith("OptimWrapper(accumulative_counts=2, clip_grad={'max_norm': 1}")


@pytest.mark.spec("OPT-04")
def test_fine_grained_api_reproduces_a_custom_update_schedule() -> None:
    ref, model = _model(), _model()
    ref_opt = SGD(ref.parameters(), lr=0.1)
    wrapper = OptimWrapper(SGD(model.parameters(), lr=0.1))
    for idx, (x, y) in enumerate(_data(6)):
        F.mse_loss(ref(x), y).backward()
        with wrapper.optim_context(model):
            output = model(x)
        wrapper.backward(F.mse_loss(output, y))
        if idx % 2 == 0:
            ref_opt.step()
            ref_opt.zero_grad()
            wrapper.step()
            wrapper.zero_grad()
    assert wrapper.inner_count == 6
    for a, b in zip(ref.parameters(), model.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.spec("OPT-03")
@given(counts=st.integers(1, 6), total=st.integers(1, 30), start_group=st.integers(0, 3))
@settings(max_examples=40, deadline=None)
def test_accumulation_groups_partition_the_run_and_average_their_losses(
    counts: int, total: int, start_group: int
) -> None:
    model = nn.Linear(1, 1)
    wrapper = OptimWrapper(SGD(model.parameters(), lr=0.1), accumulative_counts=counts)
    start = min(start_group * counts, total - 1)  # resuming at the start of a group
    start -= start % counts
    wrapper.initialize_count_status(model, start, total)
    groups: list[list[float]] = [[]]
    for _ in range(start, total):
        groups[-1].append(float(wrapper.scale_loss(torch.ones(()))))
        wrapper.backward(model.weight.sum())
        if wrapper.should_update():
            groups.append([])
    assert groups.pop() == []  # the run ends with a step
    sizes = [len(g) for g in groups]
    assert sum(sizes) == total - start
    assert all(size == counts for size in sizes[:-1])
    assert sizes[-1] == (total % counts or counts)
    for group in groups:  # each group's losses are averaged: the factors sum to 1
        assert sum(group) == pytest.approx(1.0)


@pytest.mark.spec("OPT-01")
def test_base_optim_wrapper_is_the_interface_of_custom_wrappers() -> None:
    from mme.optim import BaseOptimWrapper, MultiStepLR

    class PlainWrapper(BaseOptimWrapper):
        def update_params(self, loss: torch.Tensor, *args: object, **kwargs: object) -> None:
            self.backward(loss)
            self.step()
            self.zero_grad()

        def backward(self, loss: torch.Tensor, **kwargs: object) -> None:
            loss.backward()

        def zero_grad(self, **kwargs: object) -> None:
            self.optimizer.zero_grad()

        def step(self, **kwargs: object) -> None:
            self.optimizer.step()

    with pytest.raises(TypeError, match="abstract"):
        BaseOptimWrapper(SGD(nn.Linear(1, 1).parameters(), lr=0.1))  # type: ignore[abstract]
    wrapper = PlainWrapper(SGD(nn.Linear(1, 1).parameters(), lr=0.1, momentum=0.5))
    assert isinstance(OptimWrapper(SGD(nn.Linear(1, 1).parameters(), lr=0.1)), BaseOptimWrapper)
    assert wrapper.get_momentum() == {"momentum": [0.5]}
    MultiStepLR(wrapper, milestones=[1]).step()  # schedulers accept any wrapper
    assert wrapper.get_lr()["lr"] == [pytest.approx(0.01)]
