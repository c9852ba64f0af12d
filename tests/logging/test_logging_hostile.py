"""MessageHub, HistoryBuffer and ManagerMixin under malformed and hostile input (LOG-07..18).

A partly broken saved state loads what it can, values that cannot be saved are skipped with
a warning, large integers do not overflow, and MMEngine's exception types still match.
"""

from __future__ import annotations

import pickle
import warnings
from typing import Any

import numpy as np
import pytest

from mme.logging import (
    HistoryBuffer,
    LoggingError,
    LoggingKeyError,
    ManagerMeta,
    ManagerMixin,
    MessageHub,
    MMLogger,
    NotAScalarError,
)


@pytest.mark.spec("LOG-13")
def test_a_partly_malformed_state_warns_per_entry_and_loads_the_rest(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    state: dict[str, Any] = {
        "log_scalars": {
            "train/loss": {"log_history": [1.0, 3.0], "count_history": [1, 1]},
            "train/broken": {"log_history": [1.0]},  # no count_history
            "train/junk": "not a history",
            7: {"log_history": [1], "count_history": [1]},  # not a str key
        },
        "runtime_info": {"iter": 5, 8: "bad key"},
        "resumed_keys": {"train/loss": True, "iter": False, "ghost": True},
        "extra": 1,
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hub.load_state_dict(state)
    problems = [str(w.message).split(".load_state_dict: ", 1)[1] for w in caught]
    assert all(p.endswith("; this entry is skipped and the rest is loaded") for p in problems)
    assert [p.split("; this entry")[0] for p in problems] == [
        "unknown key 'extra' (expected log_scalars, runtime_info, resumed_keys).",
        "log_scalars['train/broken']: the state dict lacks count_history",
        "log_scalars['train/junk']: expected a dict from state_dict(), got str",
        "MessageHub '" + unique_name + "': log_scalars keys must be str, got int 7",
        "runtime_info keys must be str, got int 8",
        "resumed_keys names 'ghost', which the state has no entry for",
    ]
    assert hub.get_scalar("train/loss").mean() == 2.0
    assert hub.get_info("iter") == 5
    assert sorted(hub.log_scalars) == ["train/loss"]
    assert "iter" not in hub.state_dict()["runtime_info"]  # resumed=False was loaded


@pytest.mark.spec("LOG-13")
def test_a_section_that_is_not_a_dict_is_skipped(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    with pytest.warns(UserWarning, match=r"log_scalars must be a dict, got list; this entry is"):
        hub.load_state_dict({"log_scalars": [1, 2], "runtime_info": {"epoch": 3}})
    assert hub.get_info("epoch") == 3


@pytest.mark.spec("LOG-13")
def test_resumed_keys_naming_a_missing_key_is_an_error(unique_name: str) -> None:
    with pytest.raises(LoggingKeyError) as info:
        MessageHub(unique_name, runtime_info={"iter": 1}, resumed_keys={"itr": False})
    assert str(info.value) == (
        f"MessageHub '{unique_name}': resumed_keys names 'itr', which is neither in "
        "log_scalars nor in runtime_info. Did you mean 'iter'?"
    )
    hub = MessageHub(unique_name, runtime_info={"iter": 1}, resumed_keys={"iter": False})
    assert hub.state_dict()["runtime_info"] == {}


@pytest.mark.spec("LOG-13")
def test_state_dict_skips_self_referencing_and_too_deep_values(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    looped: list[Any] = [1]
    looped.append(looped)
    deep: list[Any] = []
    for _ in range(2000):
        deep = [deep]
    hub.update_info("looped", looped)
    hub.update_info("deep", deep)
    hub.update_info("epoch", 4)
    hub.update_info("tags", {"b", "a"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = hub.state_dict()
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2
    assert (
        "runtime_info['looped'][1] contains itself (a reference cycle); it is left out"
        in (messages[0])
    )
    assert (
        "is nested deeper than 200 containers; it is left out of the saved state" in (messages[1])
    )
    assert messages[1].startswith(
        f"MessageHub '{unique_name}'.state_dict(): runtime_info['deep'][0][0]"
    )
    # a set is saved as a sorted list (documented in docs/migration.md)
    assert state["runtime_info"] == {"epoch": 4, "tags": ["a", "b"]}
    assert pickle.loads(pickle.dumps(state))["runtime_info"]["tags"] == ["a", "b"]


@pytest.mark.spec("LOG-08")
def test_a_tensor_or_array_of_several_values_is_a_type_error() -> None:
    torch = pytest.importorskip("torch")
    buffer = HistoryBuffer()
    for value in (torch.ones(2, 3), np.ones(3)):
        with pytest.raises(TypeError, match=r"must be a single value, got an? \w+ of shape"):
            buffer.update(value)
        with pytest.raises(NotAScalarError) as info:
            buffer.update(value)
        assert isinstance(info.value, ValueError)  # what earlier mme releases raised
        assert isinstance(info.value, LoggingError)
    hub = MessageHub("hub-for-type-error")
    with pytest.raises(TypeError, match=r"update_scalar\('train/loss'\): .*single value"):
        hub.update_scalar("train/loss", torch.ones(2))


@pytest.mark.spec("LOG-09")
def test_statistics_of_large_integers_do_not_overflow() -> None:
    buffer = HistoryBuffer([2**62, 2**62], [1, 1])
    assert buffer.mean() == float(2**62)
    assert buffer.max() == 2**62
    buffer.update(2**64)  # beyond int64: kept as a float
    assert buffer.max() == float(2**64)
    assert HistoryBuffer([2**63 + 5], [1]).current() == float(2**63 + 5)
    assert HistoryBuffer([2**70, 1], [1, 1]).mean() == float(2**70 + 1) / 2
    counts = HistoryBuffer([1, 1], [2**62, 2**62])
    assert counts.mean() == 2 / float(2**63)


@pytest.mark.spec("MGR-01")
def test_manager_meta_is_the_metaclass_of_managed_classes() -> None:
    assert isinstance(ManagerMixin, ManagerMeta)
    assert isinstance(MessageHub, ManagerMeta)
    assert isinstance(MMLogger, ManagerMeta)

    class Tracker(ManagerMixin):
        def __init__(self, name: str = "", value: int = 0) -> None:
            super().__init__(name)
            self.value = value

    class SubTracker(Tracker):
        pass

    Tracker.get_instance("meta-demo", value=3)
    assert not SubTracker.check_instance_created("meta-demo")  # each class its own table
    with pytest.raises(TypeError, match=r"Nameless.__init__ must accept a 'name' argument"):

        class Nameless(ManagerMixin):
            def __init__(self) -> None:
                pass
