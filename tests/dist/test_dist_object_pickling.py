"""The pickling behind the object collectives: fast path for plain CPU tensors, exact values."""

from __future__ import annotations

import pickle

import pytest
import torch

from mme.dist import _serialize

pytestmark = pytest.mark.spec("DIST-03")


def round_trip(obj: object) -> object:
    return pickle.loads(_serialize.dumps(obj))


@pytest.mark.parametrize(
    "tensor",
    [
        torch.randn(3, 4),
        torch.randn(2, 3).to(torch.bfloat16),
        torch.randn(5).half(),
        torch.tensor([True, False, True]),
        torch.randint(-100, 100, (4,), dtype=torch.int8),
        torch.randn(3, dtype=torch.complex64),
        torch.tensor(3.5),  # 0-d
        torch.empty(0, 3),  # empty
        torch.arange(12.0).reshape(3, 4).t(),  # non-contiguous view
        torch.arange(10.0)[2:7],  # view with a storage offset
        torch.randn(3, dtype=torch.complex64).conj(),  # lazy conjugate bit
        torch.randn(1, 3, 4, 4).to(memory_format=torch.channels_last),
    ],
    ids=lambda t: f"{t.dtype}-{tuple(t.shape)}",
)
def test_plain_cpu_tensors_come_back_equal(tensor: torch.Tensor) -> None:
    back = round_trip({"t": tensor})["t"]  # type: ignore[index]
    assert type(back) is torch.Tensor
    assert back.dtype == tensor.dtype
    assert back.shape == tensor.shape
    assert torch.equal(back, tensor.resolve_conj())


def test_fast_path_is_smaller_than_pickle() -> None:
    results = [{"index": i, "pred": torch.randn(10)} for i in range(200)]
    assert len(_serialize.dumps(results)) * 3 < len(pickle.dumps(results))


def test_other_tensors_keep_pickles_behaviour() -> None:
    param = torch.nn.Parameter(torch.randn(2))
    grad = torch.randn(2, requires_grad=True)
    back = round_trip([param, grad])
    assert isinstance(back, list)
    assert isinstance(back[0], torch.nn.Parameter)
    assert torch.equal(back[0], param)
    assert back[1].requires_grad
    assert torch.equal(back[1], grad)


def test_one_tensor_twice_in_a_payload_stays_one_object() -> None:
    shared = torch.ones(3)
    back = round_trip([shared, shared])
    assert isinstance(back, list)
    assert back[0] is back[1]


def test_byte_tensor_round_trip() -> None:
    payload = _serialize.to_byte_tensor({"a": [1, 2], "t": torch.arange(3)}, torch.device("cpu"))
    assert payload.dtype == torch.uint8
    padded = torch.cat([payload, torch.zeros(7, dtype=torch.uint8)])
    back = _serialize.from_byte_tensor(padded, payload.numel())
    assert back["a"] == [1, 2]
    assert back["t"].tolist() == [0, 1, 2]
