"""MessageHub: scalars, runtime info, sharing across modules, state dict (LOG-13..LOG-18)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from mme.logging import HistoryBuffer, LoggingKeyError, MessageHub


@pytest.mark.spec("LOG-13")
def test_get_instance_and_get_current_instance(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    assert MessageHub.get_instance(unique_name) is hub
    assert MessageHub.get_current_instance() is hub
    assert hub.instance_name == unique_name
    assert hub.log_scalars == {}
    assert hub.runtime_info == {}


@pytest.mark.spec("LOG-13")
def test_get_current_instance_builds_a_default_hub_when_none_exists() -> None:
    class FreshHub(MessageHub):
        pass

    hub = FreshHub.get_current_instance()
    assert hub.instance_name == "mme"
    assert FreshHub.get_current_instance() is hub


@pytest.mark.spec("LOG-13")
def test_constructor_checks_its_buffers(unique_name: str) -> None:
    with pytest.raises(TypeError, match=r"log_scalars\['train/loss'\] must be a HistoryBuffer"):
        MessageHub(unique_name, log_scalars={"train/loss": [1, 2]})  # type: ignore[dict-item]
    hub = MessageHub(unique_name, log_scalars={"train/loss": HistoryBuffer([1], [1])})
    assert hub.get_scalar("train/loss").current() == 1


@pytest.mark.spec("LOG-14")
def test_scalars_tutorial_golden_values(unique_name: str) -> None:
    message_hub = MessageHub.get_instance(unique_name)
    message_hub.update_scalar("train/loss", 1, 1)
    assert message_hub.get_scalar("train/loss").current() == 1
    message_hub.update_scalar("train/loss", 3, 1)
    assert message_hub.get_scalar("train/loss").mean() == 2
    message_hub.update_scalar("train/lr", 0.1, 1)
    message_hub.update_scalars(
        {
            "train/time": {"value": 0.1, "count": 1},
            "train/data_time": {"value": 0.1, "count": 1},
        }
    )
    # get_scalar returns the HistoryBuffer, not the value (Appendix B, 18).
    train_time = message_hub.get_scalar("train/time")
    assert isinstance(train_time, HistoryBuffer)
    assert train_time.current() == 0.1
    log_dict = message_hub.log_scalars
    lr_buffer, loss_buffer, time_buffer, data_time_buffer = (
        log_dict["train/lr"],
        log_dict["train/loss"],
        log_dict["train/time"],
        log_dict["train/data_time"],
    )
    assert lr_buffer.current() == 0.1
    assert loss_buffer.data[0].tolist() == [1.0, 3.0]
    assert time_buffer is train_time
    assert data_time_buffer.current() == 0.1


@pytest.mark.spec("LOG-14")
def test_update_scalars_plain_value_form_and_counts(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    hub.update_scalars({"train/b": 1, "train/c": 2})
    hub.update_scalars({"train/b": {"value": 3}, "train/c": {"value": 4, "count": 3}})
    assert hub.get_scalar("train/b").data[1].tolist() == [1, 1]
    assert hub.get_scalar("train/c").mean() == 6 / 4


@pytest.mark.spec("LOG-14")
def test_update_scalars_errors_name_the_entry(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    with pytest.raises(ValueError, match=r"entry 'train/x' has an unknown field 'cuont'.*'count'"):
        hub.update_scalars({"train/x": {"value": 1, "cuont": 2}})
    with pytest.raises(ValueError, match=r"entry 'train/y' is a dict without 'value'"):
        hub.update_scalars({"train/y": {"count": 2}})
    with pytest.raises(TypeError, match=r"update_scalars expects a dict of key -> value, got list"):
        hub.update_scalars([("train/z", 1)])  # type: ignore[arg-type]


@pytest.mark.spec("LOG-14")
def test_update_scalar_errors_name_the_key(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    with pytest.raises(TypeError, match=r"update_scalar\('train/acc'\): .*got str 'high'"):
        hub.update_scalar("train/acc", "high")
    with pytest.raises(ValueError, match=r"update_scalar\('train/acc'\): .*count must be positive"):
        hub.update_scalar("train/acc", 1.0, 0)
    with pytest.raises(TypeError, match=r"scalar keys must be str, got int 5"):
        hub.update_scalar(5, 1.0)  # type: ignore[arg-type]


@pytest.mark.spec("LOG-14")
def test_get_scalar_of_an_unknown_key_suggests_one(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    hub.update_scalar("train/loss", 1.0)
    with pytest.raises(LoggingKeyError) as caught:
        hub.get_scalar("train/los")
    assert str(caught.value) == (
        f"MessageHub {unique_name!r} has no scalar 'train/los'. Did you mean 'train/loss'?"
    )
    assert isinstance(caught.value, KeyError)


@pytest.mark.spec("LOG-15")
def test_runtime_info_tutorial_golden_values(unique_name: str) -> None:
    message_hub = MessageHub.get_instance(unique_name)
    message_hub.update_info("iter", 1)
    assert message_hub.get_info("iter") == 1
    message_hub.update_info("iter", 2)
    assert message_hub.get_info("iter") == 2
    assert message_hub.get_info("epoch") is None
    assert message_hub.get_info("epoch", 0) == 0
    message_hub.update_info_dict({"epoch": 3, "max_iters": 10})
    assert message_hub.runtime_info == {"iter": 2, "epoch": 3, "max_iters": 10}
    assert message_hub.pop_info("epoch") == 3
    assert "epoch" not in message_hub.runtime_info


@pytest.mark.spec("LOG-16")
def test_only_mode_prefixed_scalars_are_exported_without_prefix(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    hub.update_scalar("train/a", 100)
    hub.update_scalars({"train/b": 1, "train/c": 2})
    hub.update_scalar("val/accuracy", 0.9)
    hub.update_scalar("custom", 5)
    hub.update_scalar("training/x", 5)
    train = hub.exported_scalars("train")
    assert sorted(train) == ["a", "b", "c"]
    assert train["a"].current() == 100
    assert list(hub.exported_scalars("val")) == ["accuracy"]
    assert hub.exported_scalars("test") == {}


@pytest.mark.spec("LOG-16")
def test_exported_scalars_rejects_unknown_modes(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    with pytest.raises(ValueError, match=r"got 'trian'. Did you mean 'train'\?"):
        hub.exported_scalars("trian")


class LogProcessor:
    """The tutorial's cross-module example (its names, not the runner's class)."""

    def __init__(self, name: str) -> None:
        self.message_hub = MessageHub.get_instance(name)

    def run(self) -> None:
        print(f"Learning rate is {self.message_hub.get_scalar('train/lr').current()}")
        print(f"loss is {self.message_hub.get_scalar('train/loss').current()}")
        print(f"meta is {self.message_hub.get_info('meta')}")


class LrUpdater:
    def __init__(self, name: str) -> None:
        self.message_hub = MessageHub.get_instance(name)

    def run(self) -> None:
        self.message_hub.update_scalar("train/lr", 0.001)


class MetaUpdater:
    def __init__(self, name: str) -> None:
        self.message_hub = MessageHub.get_instance(name)

    def run(self) -> None:
        self.message_hub.update_info(
            "meta", {"experiment": "retinanet_r50_caffe_fpn_1x_coco.py", "repo": "mmdetection"}
        )


class LossUpdater:
    def __init__(self, name: str) -> None:
        self.message_hub = MessageHub.get_instance(name)

    def run(self) -> None:
        self.message_hub.update_scalar("train/loss", 0.1)


class ToyRunner:
    def __init__(self, name: str) -> None:
        self.message_hub = MessageHub.get_instance(name)
        self.log_processor = LogProcessor(name)
        self.updaters = [LossUpdater(name), MetaUpdater(name), LrUpdater(name)]

    def run(self) -> None:
        for updater in self.updaters:
            updater.run()
        self.log_processor.run()


@pytest.mark.spec("LOG-17")
def test_cross_module_sharing_golden_output(
    unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ToyRunner(unique_name).run()
    assert capsys.readouterr().out == (
        "Learning rate is 0.001\n"
        "loss is 0.1\n"
        "meta is {'experiment': 'retinanet_r50_caffe_fpn_1x_coco.py', 'repo': 'mmdetection'}\n"
    )


@pytest.mark.spec("LOG-18")
def test_custom_scalar_from_deep_inside_reaches_the_current_hub(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)

    def model_forward(value: float) -> None:
        MessageHub.get_current_instance().update_scalar("train/loss_tmp", value)

    for value in (0.5, 0.25):
        model_forward(value)
    exported = hub.exported_scalars("train")
    assert exported["loss_tmp"].current() == 0.25
    assert exported["loss_tmp"].mean() == 0.375


@pytest.mark.spec("LOG-13", "LOG-14", "LOG-15")
def test_state_dict_is_plain_python(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    hub.update_scalar("train/loss", 0.5)
    hub.update_scalar("train/loss", np.float32(0.25), 2)
    hub.update_scalar("train/time", 0.1, resumed=False)
    hub.update_info("iter", np.int64(7))
    hub.update_info("meta", {"classes": ("cat", "dog"), "mean": np.array([0.5, 0.25])})
    hub.update_info("seed", 0, resumed=False)
    state = hub.state_dict()
    assert state == {
        "log_scalars": {
            "train/loss": {
                "log_history": [0.5, 0.25],
                "count_history": [1, 2],
                "max_length": 1_000_000,
            }
        },
        "runtime_info": {"iter": 7, "meta": {"classes": ("cat", "dog"), "mean": [0.5, 0.25]}},
        "resumed_keys": {"train/loss": True, "iter": True, "meta": True},
    }
    assert type(state["runtime_info"]["iter"]) is int
    # Only builtins inside: the pickle names no other module.
    assert b"numpy" not in pickle.dumps(state)
    assert b"mme" not in pickle.dumps(state)


@pytest.mark.spec("LOG-13")
def test_state_dict_leaves_out_non_plain_info_with_a_warning(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    hub.update_info("iter", 1)
    hub.update_info("callback", object())
    with pytest.warns(UserWarning, match=r"runtime_info\['callback'\] holds a builtins.object"):
        state = hub.state_dict()
    assert state["runtime_info"] == {"iter": 1}


@pytest.mark.spec("LOG-13", "LOG-14", "LOG-15")
def test_load_state_dict_restores_scalars_and_info(unique_name: str) -> None:
    source = MessageHub.get_instance(unique_name)
    source.update_scalar("train/loss", 1)
    source.update_scalar("train/loss", 3)
    source.update_info("iter", 2)
    state = pickle.loads(pickle.dumps(source.state_dict()))
    target = MessageHub.get_instance(unique_name + "-target")
    target.update_info("keep", "me")
    target.load_state_dict(state)
    assert target.get_scalar("train/loss").mean() == 2
    assert target.get_info("iter") == 2
    assert target.get_info("keep") == "me"
    target.update_scalar("train/loss", 5)
    assert target.get_scalar("train/loss").data[0].tolist() == [1, 3, 5]
    other = MessageHub.get_instance(unique_name + "-copy")
    other.load_state_dict(source)
    assert other.get_scalar("train/loss") is source.get_scalar("train/loss")


@pytest.mark.spec("LOG-13")
def test_load_state_dict_errors(unique_name: str) -> None:
    hub = MessageHub.get_instance(unique_name)
    with pytest.warns(
        UserWarning, match=r"unknown key 'log_scalar' \(expected .*\)\. Did you mean 'log_scalars'"
    ):
        hub.load_state_dict({"log_scalar": {}})
    with pytest.warns(UserWarning, match=r"log_scalars\['train/loss'\]: the state dict lacks"):
        hub.load_state_dict({"log_scalars": {"train/loss": {"log_history": [1]}}})
    assert "train/loss" not in hub.log_scalars
    with pytest.raises(TypeError, match=r"expects a dict from state_dict\(\) or a MessageHub"):
        hub.load_state_dict([1, 2])  # type: ignore[arg-type]


@pytest.mark.spec("LOG-13", "LOG-14")
def test_state_dict_with_arrays_loads_back(unique_name: str) -> None:
    """``state_dict(arrays=True)``: the same state with each history as an array."""
    source = MessageHub.get_instance(unique_name)
    for value in (0.5, 0.25, 0.125):
        source.update_scalar("train/loss", value)
    source.update_info("iter", 3)
    state = source.state_dict(arrays=True)
    saved = state["log_scalars"]["train/loss"]
    assert isinstance(saved["log_history"], np.ndarray)
    assert saved["log_history"].tolist() == [0.5, 0.25, 0.125]
    plain = source.state_dict()
    assert state["runtime_info"] == plain["runtime_info"]
    assert state["resumed_keys"] == plain["resumed_keys"]
    target = MessageHub.get_instance(f"{unique_name}-target")
    target.load_state_dict(state)
    assert target.get_scalar("train/loss").data[0].tolist() == [0.5, 0.25, 0.125]
    assert target.get_info("iter") == 3
