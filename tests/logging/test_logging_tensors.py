"""Tensor values and checkpoints that load with weights_only=True (LOG-08, LOG-14, LOG-18)."""

from __future__ import annotations

import copy
import gc
import pickle
import weakref
from pathlib import Path

import pytest

from mme.logging import HistoryBuffer, MessageHub, get_rank_info
from mme.logging import history_buffer as history_buffer_module

torch = pytest.importorskip("torch")


@pytest.mark.spec("LOG-18")
def test_custom_tensor_scalar_from_a_model_keeps_no_graph(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    weight = torch.ones(3, requires_grad=True)
    loss_tmp = (weight * torch.tensor([0.5, 0.25, 0.25])).abs()
    value = loss_tmp.sum()
    alive = weakref.ref(value)
    MessageHub.get_current_instance().update_scalar("train/loss_tmp", value)
    del value, loss_tmp
    gc.collect()
    assert alive() is None, "the buffer kept the tensor (and its autograd graph) alive"
    assert hub.exported_scalars("train")["loss_tmp"].current() == 1.0


@pytest.mark.spec("LOG-08")
def test_tensor_values_of_any_dtype_and_shape_one() -> None:
    buffer = HistoryBuffer()
    buffer.update(torch.tensor(2))
    buffer.update(torch.tensor([0.5], dtype=torch.bfloat16), torch.tensor(3))
    buffer.update(torch.tensor([[1.5]], dtype=torch.float16))
    assert buffer.data[0].tolist() == [2.0, 0.5, 1.5]
    assert buffer.data[1].tolist() == [1, 3, 1]


@pytest.mark.spec("LOG-08")
def test_tensor_with_several_values_is_rejected_with_its_shape() -> None:
    with pytest.raises(ValueError, match=r"got a tensor of shape \(2, 3\); reduce it first"):
        HistoryBuffer().update(torch.zeros(2, 3))


@pytest.fixture
def deferred_tensors(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Treat CPU tensors as accelerator tensors; count the host transfers (stack calls)."""
    monkeypatch.setattr(history_buffer_module, "_on_accelerator", lambda tensor: True)
    transfers: list[int] = []
    real_stack = torch.stack

    def counting_stack(tensors: list, *args: object, **kwargs: object) -> object:
        transfers.append(len(tensors))
        return real_stack(tensors, *args, **kwargs)

    monkeypatch.setattr(torch, "stack", counting_stack)
    return transfers


@pytest.mark.spec("LOG-08", "LOG-18")
def test_accelerator_tensors_are_read_in_one_batch(deferred_tensors: list[int]) -> None:
    buffer = HistoryBuffer()
    running = torch.zeros((), requires_grad=False)
    for step in range(1, 6):
        running += 1  # changed in place after each update: the buffer keeps a copy
        buffer.update(running * 0.5, step)
    assert deferred_tensors == []
    assert len(buffer) == 5
    assert buffer.mean(2) == (2.0 + 2.5) / (4 + 5)
    assert deferred_tensors == [5]
    assert buffer.data[0].tolist() == [0.5, 1.0, 1.5, 2.0, 2.5]


@pytest.mark.spec("LOG-08")
def test_deferred_tensors_keep_their_order_among_plain_numbers(deferred_tensors: list[int]) -> None:
    buffer = HistoryBuffer()
    buffer.update(torch.tensor(1.0, requires_grad=True) * 2)
    assert not buffer._pending_values[0].requires_grad
    buffer.update(3.0)
    buffer.update(torch.tensor(4.0))
    assert buffer.current() == 4.0
    assert buffer.data[0].tolist() == [2.0, 3.0, 4.0]


@pytest.mark.spec("LOG-08")
def test_pending_tensors_are_bounded(deferred_tensors: list[int]) -> None:
    buffer = HistoryBuffer()
    for _ in range(history_buffer_module.MAX_PENDING_TENSORS + 3):
        buffer.update(torch.tensor(1.0))
    assert deferred_tensors == [history_buffer_module.MAX_PENDING_TENSORS]
    assert len(buffer._pending_values) == 3


@pytest.mark.spec("LOG-08")
def test_copies_read_pending_tensors_first(deferred_tensors: list[int]) -> None:
    buffer = HistoryBuffer()
    buffer.update(torch.tensor(0.5))
    copied = copy.deepcopy(buffer)
    assert copied._pending_values == []
    assert copied.data[0].tolist() == [0.5]
    assert pickle.loads(pickle.dumps(buffer)).current() == 0.5


@pytest.mark.spec("LOG-13", "LOG-14", "LOG-15")
def test_checkpoint_with_message_hub_loads_with_weights_only(
    unique_name: str, tmp_path: Path
) -> None:
    hub = MessageHub.get_instance(unique_name)
    for step in range(3):
        hub.update_scalars({"train/loss": torch.tensor(1.0 / (step + 1)), "train/lr": 0.01})
    hub.update_info("iter", 3)
    hub.update_info(
        "dataset_meta", {"classes": ("cat", "dog"), "weights": torch.tensor([1.0, 2.0])}
    )
    path = tmp_path / "epoch_1.pth"
    torch.save({"meta": {"epoch": 1}, "message_hub": hub.state_dict()}, path)
    checkpoint = torch.load(path, weights_only=True)
    restored = MessageHub.get_instance(unique_name + "-resumed")
    restored.load_state_dict(checkpoint["message_hub"])
    assert restored.get_scalar("train/loss").data[0].tolist() == pytest.approx([1.0, 0.5, 1 / 3])
    assert restored.get_scalar("train/lr").current() == 0.01
    assert restored.get_info("iter") == 3
    assert restored.get_info("dataset_meta") == {"classes": ("cat", "dog"), "weights": [1.0, 2.0]}


@pytest.mark.spec("LOG-04")
def test_rank_info_from_a_real_process_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = pytest.importorskip("torch.distributed")
    if not dist.is_available():
        pytest.skip("torch.distributed is not available in this build")
    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.setenv("LOCAL_RANK", "0")
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1
    )
    try:
        info = get_rank_info()
    finally:
        dist.destroy_process_group()
    assert (info.rank, info.world_size, info.local_rank) == (0, 1, 0)
