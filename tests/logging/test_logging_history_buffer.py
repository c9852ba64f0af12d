"""HistoryBuffer: construction, update, statistics, registration (LOG-07..LOG-12)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mme.logging import HistoryBuffer, LoggingKeyError


@pytest.fixture(autouse=True)
def restore_registered_statistics() -> Iterator[None]:
    """Tests that register methods leave the class as they found it."""
    saved = dict(HistoryBuffer._statistics_methods)
    yield
    HistoryBuffer._statistics_methods.clear()
    HistoryBuffer._statistics_methods.update(saved)


def printed(buffer: HistoryBuffer) -> str:
    """What ``print(*buffer.data)`` shows, as in the specification."""
    log_history, count_history = buffer.data
    return f"{log_history} {count_history}"


@pytest.mark.spec("LOG-07")
def test_construction_golden_values() -> None:
    assert printed(HistoryBuffer()) == "[] []"
    assert printed(HistoryBuffer([1, 2, 3], [1, 2, 3])) == "[1 2 3] [1 2 3]"
    assert printed(HistoryBuffer([1, 2, 3], [1, 2, 3], max_length=2)) == "[2 3] [2 3]"


@pytest.mark.spec("LOG-07")
def test_data_is_a_copy_and_max_length_is_exposed() -> None:
    buffer = HistoryBuffer([1.0, 2.0], [1, 1], max_length=5)
    logs, _ = buffer.data
    logs[0] = 99
    assert buffer.data[0].tolist() == [1.0, 2.0]
    assert buffer.max_length == 5
    assert HistoryBuffer().max_length == 1_000_000


@pytest.mark.spec("LOG-07")
@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (([1, 2], [1]), {}, ValueError, r"log_history has 2 values but count_history has 1"),
        (([1], [1]), {"max_length": 0}, ValueError, r"max_length must be a positive int, got 0"),
        ((["a"], [1]), {}, TypeError, r"log_history must hold numbers, got dtype <U1"),
        (([[1, 2]], [[1, 1]]), {}, ValueError, r"log_history must be one-dimensional"),
    ],
)
def test_construction_errors_name_the_argument(
    args: tuple, kwargs: dict, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        HistoryBuffer(*args, **kwargs)


@pytest.mark.spec("LOG-08")
def test_update_golden_values() -> None:
    buffer = HistoryBuffer([1, 2, 3], [1, 1, 1])
    buffer.update(4)
    assert printed(buffer) == "[1 2 3 4] [1 1 1 1]"
    buffer.update(5, 2)
    assert printed(buffer) == "[1 2 3 4 5] [1 1 1 1 2]"


@pytest.mark.spec("LOG-08")
def test_float_after_ints_keeps_the_value_exactly() -> None:
    buffer = HistoryBuffer([1, 2], [1, 1])
    buffer.update(2.5)
    buffer.update(3, 0.5)
    assert buffer.data[0].tolist() == [1.0, 2.0, 2.5, 3.0]
    assert buffer.data[1].tolist() == [1.0, 1.0, 1.0, 0.5]


@pytest.mark.spec("LOG-08")
def test_numpy_scalars_and_bools_are_accepted() -> None:
    buffer = HistoryBuffer()
    buffer.update(np.float32(0.5), np.int64(2))
    buffer.update(np.int32(3))
    buffer.update(np.array([1.5]))
    buffer.update(True)
    assert buffer.data[0].tolist() == [0.5, 3.0, 1.5, 1.0]
    assert buffer.data[1].tolist() == [2, 1, 1, 1]


@pytest.mark.spec("LOG-08")
@pytest.mark.parametrize(
    ("value", "count", "error", "message"),
    [
        ("0.1", 1, TypeError, r"log_val must be a number .*got str '0.1'"),
        (None, 1, TypeError, r"log_val must be a number .*got NoneType None"),
        (1.0, 0, ValueError, r"count must be positive, got 0"),
        (1.0, -2, ValueError, r"count must be positive, got -2"),
        (1.0, "2", TypeError, r"count must be a number"),
    ],
)
def test_update_errors_are_clear(value: object, count: object, error: type, message: str) -> None:
    buffer = HistoryBuffer([1.0], [1])
    with pytest.raises(error, match=message):
        buffer.update(value, count)
    assert len(buffer) == 1


@pytest.mark.spec("LOG-07", "LOG-08")
def test_max_length_drops_the_oldest_while_updating_past_many_wraps() -> None:
    buffer = HistoryBuffer(max_length=3)
    for value in range(100):
        buffer.update(value)
    assert buffer.data[0].tolist() == [97.0, 98.0, 99.0]
    assert len(buffer) == 3
    assert buffer.mean() == pytest.approx(98.0)
    assert buffer.min() == 97.0


@pytest.mark.spec("LOG-09")
def test_statistics_golden_values() -> None:
    buffer = HistoryBuffer([1, 2, 3], [1, 1, 1])
    assert buffer.min(2) == 2
    assert buffer.min() == 1
    assert buffer.max(2) == 3
    # The tutorial's second "min()  # 3, the global maximum" is max() (Appendix B, 18).
    assert buffer.max() == 3
    assert buffer.mean(2) == 2.5
    assert buffer.mean() == 2
    assert HistoryBuffer([1, 2, 3], [2, 2, 2]).mean() == 1
    buffer = HistoryBuffer([1, 2, 3], [1, 1, 1])
    buffer.update(4, 1)
    assert buffer.current() == 4


@pytest.mark.spec("LOG-09")
def test_statistics_return_python_numbers() -> None:
    buffer = HistoryBuffer([1, 2, 3], [1, 1, 1])
    assert type(buffer.current()) is int
    assert type(buffer.max()) is int
    assert type(buffer.mean()) is float
    assert type(HistoryBuffer([0.5], [1]).min()) is float


@pytest.mark.spec("LOG-09")
def test_window_larger_than_history_uses_everything() -> None:
    assert HistoryBuffer([1, 2, 3], [1, 1, 1]).mean(100) == 2


@pytest.mark.spec("LOG-09")
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda b: b.mean(0), ValueError, r"mean\(\): window_size must be positive, got 0"),
        (lambda b: b.max(2.5), TypeError, r"max\(\): window_size must be a positive int or None"),
        (lambda b: b.min(True), TypeError, r"min\(\): window_size must be a positive int"),
    ],
)
def test_bad_window_sizes(call: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call(HistoryBuffer([1, 2], [1, 1]))  # type: ignore[operator]


@pytest.mark.spec("LOG-09")
@pytest.mark.parametrize("method", ["current", "mean", "max", "min"])
def test_statistics_of_an_empty_buffer_say_so(method: str) -> None:
    with pytest.raises(ValueError, match=rf"HistoryBuffer.{method}\(\): the buffer is empty"):
        getattr(HistoryBuffer(), method)()


@pytest.mark.spec("LOG-10")
def test_statistics_by_name_golden_values() -> None:
    buffer = HistoryBuffer([1, 2, 3], [1, 1, 1])
    assert buffer.statistics("mean") == 2
    assert buffer.statistics("mean", 2) == 2.5
    assert buffer.statistics("mean", window_size=2) == 2.5
    assert buffer.statistics("current") == 3


@pytest.mark.spec("LOG-10")
def test_statistics_with_wrong_arguments_shows_the_signature() -> None:
    buffer = HistoryBuffer([1, 2, 3], [1, 1, 1])
    with pytest.raises(
        TypeError,
        match=r"statistics\('mean', 2, 3\): the arguments do not match mean\(window_size=None\)",
    ):
        buffer.statistics("mean", 2, 3)


@pytest.mark.spec("LOG-10")
def test_statistics_with_unregistered_name_lists_the_registered_ones() -> None:
    buffer = HistoryBuffer([1, 2, 3], [1, 1, 1])
    with pytest.raises(LoggingKeyError) as caught:
        buffer.statistics("data")
    assert str(caught.value) == (
        "HistoryBuffer has no statistics method 'data' "
        "(registered: 'current', 'max', 'mean', 'min')."
    )
    with pytest.raises(KeyError, match=r"Did you mean 'mean'\?"):
        buffer.statistics("maen")


@pytest.mark.spec("LOG-10")
def test_type_errors_inside_a_method_are_not_disguised() -> None:
    @HistoryBuffer.register_statistics
    def broken_statistic(self: HistoryBuffer) -> float:
        return len(None)  # type: ignore[arg-type]

    with pytest.raises(TypeError, match=r"object of type 'NoneType' has no len"):
        HistoryBuffer([1], [1]).statistics("broken_statistic")


@pytest.mark.spec("LOG-11")
def test_register_statistics_weighted_mean() -> None:
    # The tutorial divides by the count array (Appendix B, 18); the sum is meant.
    @HistoryBuffer.register_statistics
    def weighted_mean(self: HistoryBuffer, window_size: int, weight: list[int]) -> float:
        assert len(weight) == window_size
        logs = self._log_history[-window_size:]
        counts = self._count_history[-window_size:]
        return float((logs * np.array(weight)).sum() / counts.sum())

    assert "weighted_mean" in HistoryBuffer.statistics_names()
    buffer = HistoryBuffer([1, 2], [1, 1])
    assert buffer.statistics("weighted_mean", 2, [2, 1]) == 2  # (2 * 1 + 1 * 2) / (1 + 1)


@pytest.mark.spec("LOG-11")
def test_custom_methods_read_only_views() -> None:
    buffer = HistoryBuffer([1, 2], [1, 1])
    with pytest.raises(ValueError, match="read-only"):
        buffer._log_history[0] = 5
    assert buffer.current() == 2


@pytest.mark.spec("LOG-11")
def test_register_statistics_rejects_non_functions() -> None:
    with pytest.raises(TypeError, match=r"register_statistics expects a function, got int"):
        HistoryBuffer.register_statistics(3)  # type: ignore[type-var]


@pytest.mark.spec("LOG-12")
def test_standalone_use_case_golden_output(capsys: pytest.CaptureFixture[str]) -> None:
    logs = {"lr": HistoryBuffer(), "loss": HistoryBuffer()}
    max_iter = 10
    log_interval = 5
    for it in range(1, max_iter + 1):
        lr = it / max_iter * 0.1
        loss = 1 / it
        logs["lr"].update(lr, 1)
        logs["loss"].update(loss, 1)
        if it % log_interval == 0:
            latest_lr = logs["lr"].statistics("current")
            mean_loss = logs["loss"].statistics("mean", log_interval)
            print(f"lr:   {latest_lr}\nloss: {mean_loss}")
    assert capsys.readouterr().out == (
        "lr:   0.05\nloss: 0.45666666666666667\nlr:   0.1\nloss: 0.12912698412698415\n"
    )


@pytest.mark.spec("LOG-07")
def test_state_dict_round_trip_is_plain() -> None:
    buffer = HistoryBuffer([1, 2, 3], [1, 1, 2], max_length=10)
    state = buffer.state_dict()
    assert state == {"log_history": [1, 2, 3], "count_history": [1, 1, 2], "max_length": 10}
    assert all(type(v) is int for v in state["log_history"])
    again = HistoryBuffer.from_state_dict(state)
    assert printed(again) == "[1 2 3] [1 1 2]"
    assert again.max_length == 10


@pytest.mark.spec("LOG-07")
def test_from_state_dict_errors() -> None:
    with pytest.raises(ValueError, match=r"unknown key 'log_histroy'.*Did you mean 'log_history'"):
        HistoryBuffer.from_state_dict({"log_histroy": [], "count_history": []})
    with pytest.raises(ValueError, match=r"the state dict lacks count_history"):
        HistoryBuffer.from_state_dict({"log_history": []})


def reference_model(
    initial: list[float], updates: list[tuple[float, int]], max_length: int
) -> tuple[list[float], list[int]]:
    logs = [*initial, *(v for v, _ in updates)][-max_length:]
    counts = [*([1] * len(initial)), *(c for _, c in updates)][-max_length:]
    return logs, counts


@pytest.mark.spec("LOG-07", "LOG-08", "LOG-09")
@settings(max_examples=150, deadline=None)
@given(
    initial=st.lists(st.floats(-1e6, 1e6, allow_nan=False), max_size=40),
    updates=st.lists(
        st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.integers(1, 5)), max_size=200
    ),
    max_length=st.integers(1, 50),
    window=st.integers(1, 60),
)
def test_ring_buffer_matches_a_plain_list_model(
    initial: list[float], updates: list[tuple[float, int]], max_length: int, window: int
) -> None:
    buffer = HistoryBuffer(initial, [1] * len(initial), max_length=max_length)
    for value, count in updates:
        buffer.update(value, count)
    logs, counts = reference_model(initial, updates, max_length)
    assert buffer.data[0].tolist() == logs
    assert buffer.data[1].tolist() == counts
    if logs:
        tail_logs, tail_counts = np.array(logs[-window:]), np.array(counts[-window:])
        assert buffer.mean(window) == float(tail_logs.sum() / tail_counts.sum())
        assert buffer.max(window) == max(logs[-window:])
        assert buffer.min(window) == min(logs[-window:])
        assert buffer.current() == logs[-1]


@pytest.mark.spec("LOG-07", "LOG-08")
@settings(max_examples=150, deadline=None)
@given(
    updates=st.lists(
        st.tuples(
            st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.integers(-1000, 1000)),
            st.integers(1, 5),
        ),
        max_size=400,
    ),
    max_length=st.integers(1, 60),
    read_every=st.integers(1, 30),
)
def test_reads_between_updates_see_every_value_in_order(
    updates: list[tuple[float, int]], max_length: int, read_every: int
) -> None:
    """Floats wait in a list until the next read: reads at any moment, ints mixed in and
    more values than the list holds at once all give the history a plain list would."""
    buffer = HistoryBuffer(max_length=max_length)
    seen: list[tuple[float, int]] = []
    for step, (value, count) in enumerate(updates, 1):
        buffer.update(value, count)
        seen.append((value, count))
        if step % read_every == 0:
            logs, counts = reference_model([], seen, max_length)
            assert len(buffer) == len(logs)
            assert buffer.current() == logs[-1]
            assert buffer.data[0].tolist() == logs
            assert buffer.data[1].tolist() == counts
    logs, counts = reference_model([], seen, max_length)
    assert len(buffer) == len(logs)
    assert buffer.data[0].tolist() == logs


@pytest.mark.spec("LOG-09")
@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.floats(-1e12, 1e12, allow_nan=False),
            st.sampled_from([0.0, -0.0, 1e-300, -1e-300]),
        ),
        min_size=1,
        max_size=200,
    )
)
def test_window_means_equal_numpy_bit_for_bit(values: list[float]) -> None:
    """Small windows are summed in Python in numpy's order: the same float, -0.0 included."""
    buffer = HistoryBuffer(max_length=1000)
    for value in values:
        buffer.update(value)
    for window in (1, 7, 8, 9, 10, 16, 17, 128, 129, len(values)):
        tail = np.array(values[-window:], dtype=np.float64)
        expected = float(tail.sum(dtype=np.float64) / np.ones(len(tail)).sum())
        assert repr(buffer.mean(window)) == repr(expected)


@pytest.mark.spec("LOG-07")
def test_state_dict_with_arrays_round_trips_and_copies() -> None:
    """``arrays=True`` gives copies of the histories as arrays (no Python object per value);
    they load back like the lists, and later updates do not change them."""
    buffer = HistoryBuffer([1.5, 2.5], [1, 2], max_length=10)
    buffer.update(3.5)  # waiting in the list: state_dict must include it
    state = buffer.state_dict(arrays=True)
    assert isinstance(state["log_history"], np.ndarray)
    assert state["log_history"].tolist() == [1.5, 2.5, 3.5]
    assert state["count_history"].tolist() == [1, 2, 1]
    buffer.update(9.0)
    assert state["log_history"].tolist() == [1.5, 2.5, 3.5]
    again = HistoryBuffer.from_state_dict(state)
    assert again.data[0].tolist() == [1.5, 2.5, 3.5]
    assert again.state_dict() == buffer.state_dict() | {
        "log_history": [1.5, 2.5, 3.5],
        "count_history": [1, 2, 1],
    }


@pytest.mark.spec("LOG-07", "LOG-08")
@pytest.mark.parametrize("max_length", [7, 300, 1000, 100_000])
@pytest.mark.parametrize("read_every", [1, 99, 256, 5000])
def test_long_runs_of_unread_floats_grow_and_wrap_the_history(
    max_length: int, read_every: int
) -> None:
    """Hundreds of floats waiting at once are written in one go: the arrays grow to hold them
    all (several doublings at a time) or keep the newest ``max_length``."""
    buffer = HistoryBuffer(max_length=max_length)
    values = [i * 0.5 for i in range(3000)]
    for step, value in enumerate(values, 1):
        buffer.update(value)
        if step % read_every == 0:
            assert buffer.current() == value
            assert buffer.data[0].tolist() == values[:step][-max_length:]
    logs, counts = buffer.data
    assert logs.tolist() == values[-max_length:]
    assert counts.tolist() == [1.0] * min(max_length, len(values))
    assert buffer._capacity <= max(2 * max_length, 16)
