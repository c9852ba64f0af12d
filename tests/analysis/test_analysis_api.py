"""The upstream names (FlopAnalyzer, ActivationAnalyzer, flop_count, activation_count,
parameter_count, parameter_count_table) and the errors users get."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import torch
from torch import nn

from mme.analysis import (
    ActivationAnalyzer,
    FlopAnalyzer,
    activation_count,
    flop_count,
    get_model_complexity_info,
    parameter_count,
    parameter_count_table,
)


class TestModel(nn.Module):
    __test__ = False

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(in_features=1000, out_features=10)
        self.conv = nn.Conv2d(in_channels=3, out_channels=10, kernel_size=1)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.act(self.conv(x)).flatten(1))


INPUTS = (torch.randn((1, 3, 10, 10)),)


@pytest.mark.spec("ANA-09")
def test_flop_analyzer_per_module_and_operator() -> None:
    flops = FlopAnalyzer(TestModel(), INPUTS)
    assert flops.total() == 13000
    assert flops.total("fc") == 10000
    assert flops.by_operator() == Counter({"addmm": 10000, "conv": 3000})
    assert flops.by_module() == Counter({"": 13000, "fc": 10000, "conv": 3000, "act": 0})
    assert flops.by_module_and_operator() == {
        "": Counter({"addmm": 10000, "conv": 3000}),
        "fc": Counter({"addmm": 10000}),
        "conv": Counter({"conv": 3000}),
        "act": Counter(),
    }
    assert flops.unsupported_ops() == Counter()
    assert flops.uncalled_modules() == set()


@pytest.mark.spec("ANA-09")
def test_activation_analyzer_per_module_and_operator() -> None:
    acts = ActivationAnalyzer(TestModel(), INPUTS)
    assert acts.total() == 1010
    assert acts.total("fc") == 10
    assert acts.by_operator() == Counter({"conv": 1000, "addmm": 10})
    assert acts.by_module() == Counter({"": 1010, "fc": 10, "conv": 1000, "act": 0})


@pytest.mark.spec("ANA-09")
def test_flop_count_and_activation_count_in_giga_and_mega() -> None:
    gflops, unsupported = flop_count(TestModel(), INPUTS)
    assert gflops == {"addmm": 10000 / 1e9, "conv": 3000 / 1e9}
    assert unsupported == Counter()
    macts, _ = activation_count(TestModel(), INPUTS)
    assert macts == {"conv": 1000 / 1e6, "addmm": 10 / 1e6}
    gflops, _ = flop_count(TestModel(), INPUTS, supported_ops={"aten::addmm": None})
    assert gflops == {"conv": 3000 / 1e9}


@pytest.mark.spec("ANA-09")
def test_custom_rules_replace_and_ignore_operators() -> None:
    def double_addmm(inputs: list[Any], outputs: list[Any]) -> int:
        (n, k), m = inputs[1].shape, inputs[2].shape[1]
        return 2 * n * k * m

    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid())
    analyzer = FlopAnalyzer(model, torch.randn(2, 4)).unsupported_ops_warnings(False)
    assert analyzer.total() == 24
    assert analyzer.unsupported_ops() == Counter({"aten::sigmoid": 1})
    analyzer.set_op_handle("aten::addmm", double_addmm)
    analyzer.set_op_handle(**{"aten::sigmoid": lambda i, o: Counter({"sigmoid": o[0].numel()})})
    assert analyzer.by_operator() == Counter({"addmm": 48, "sigmoid": 6})
    assert analyzer.unsupported_ops() == Counter()
    analyzer.set_op_handle("aten::addmm", None, "aten::sigmoid", None)
    assert analyzer.total() == 0
    assert analyzer.unsupported_ops() == Counter()
    analyzer.clear_op_handles()
    assert analyzer.unsupported_ops() == Counter({"aten::addmm": 1, "aten::sigmoid": 1})


@pytest.mark.spec("ANA-09")
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("aten::linear", "'aten::linear' never reaches the dispatcher"),
        ("aten::batch_norm", "it runs as aten::native_batch_norm"),
        ("aten::convolutoin", "Did you mean 'aten::convolution'?"),
        ("addmm", "operator names look like 'aten::addmm'"),
        ("aten::flatten", "'aten::flatten' is a composite operator"),
    ],
)
def test_rules_for_operators_that_never_run_are_refused(name: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        FlopAnalyzer(TestModel(), INPUTS).set_op_handle(name, lambda i, o: 1)
    assert message in str(error.value)


@pytest.mark.spec("ANA-09")
def test_bad_rule_result_names_the_operator() -> None:
    analyzer = FlopAnalyzer(TestModel(), INPUTS).set_op_handle("aten::addmm", lambda i, o: "x")
    with pytest.raises(TypeError, match="the rule for aten::addmm returned str"):
        analyzer.total()


@pytest.mark.spec("ANA-09")
def test_unknown_module_name_suggests_the_closest() -> None:
    with pytest.raises(
        KeyError, match=r"'fcc' is not a submodule of the analysed model\. Did you mean 'fc'"
    ):
        FlopAnalyzer(TestModel(), INPUTS).total("fcc")


@pytest.mark.spec("ANA-09")
def test_caller_mode_counts_operators_for_every_calling_module() -> None:
    class Caller(nn.Module):
        def __init__(self, other: nn.Module) -> None:
            super().__init__()
            self.other = other

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.other(x)

    shared = nn.Linear(4, 4)
    model = nn.ModuleDict({"a": shared, "b": Caller(shared)})
    wrapper = nn.Sequential()
    wrapper.forward = lambda x: model["b"](x)  # type: ignore[method-assign]
    wrapper.add_module("m", model)
    owner = FlopAnalyzer(wrapper, torch.randn(1, 4))
    assert owner.by_module()["m.b"] == 0
    assert owner.by_module()["m.a"] == 16
    caller = FlopAnalyzer(wrapper, torch.randn(1, 4)).ancestor_mode("caller")
    assert caller.by_module()["m.b"] == 16
    assert caller.by_module()["m.a"] == 16
    with pytest.raises(ValueError, match="'owner' or 'caller'"):
        caller.ancestor_mode("parent")


@pytest.mark.spec("ANA-09")
def test_copy_keeps_rules_on_new_inputs() -> None:
    analyzer = FlopAnalyzer(TestModel(), INPUTS).set_op_handle("aten::convolution", None)
    other = analyzer.copy(new_inputs=(torch.randn(2, 3, 10, 10),))
    assert isinstance(other, FlopAnalyzer)
    assert other.total() == 2 * 10000


@pytest.mark.spec("ANA-09")
def test_parameter_count_and_table() -> None:
    counts = parameter_count(TestModel())
    assert counts[""] == 10010 + 40
    assert counts["fc"] == 10010
    assert counts["fc.weight"] == 10000
    assert counts["conv.bias"] == 10
    assert parameter_count_table(nn.Sequential(nn.Linear(10, 10), nn.Linear(10, 1))) == (
        "   parameter count of Sequential   \n"
        "+------------+--------------------+\n"
        "| name       | #elements or shape |\n"
        "+------------+--------------------+\n"
        "| model      | 0.1K               |\n"
        "|  0         |  0.1K              |\n"
        "|   0.weight |   (10, 10)         |\n"
        "|   0.bias   |   (10,)            |\n"
        "|  1         |  11                |\n"
        "|   1.weight |   (1, 10)          |\n"
        "|   1.bias   |   (1,)             |\n"
        "+------------+--------------------+"
    )


@pytest.mark.spec("ANA-01")
def test_inputs_and_input_shape_are_exclusive() -> None:
    # Appendix B item 29: the seed says inputs makes input_shape ignored; upstream refuses.
    model = TestModel()
    with pytest.raises(ValueError, match="got both input_shape and inputs: pass only one"):
        get_model_complexity_info(model, input_shape=(3, 10, 10), inputs=INPUTS)
    with pytest.raises(ValueError, match="needs the model's input: pass input_shape") as error:
        get_model_complexity_info(model)
    assert "or inputs" in str(error.value)


@pytest.mark.spec("ANA-01")
@pytest.mark.parametrize("shape", [[3, 10, 10], (3, "10"), (), ((3, 10), [4])])
def test_bad_input_shape_says_what_is_accepted(shape: Any) -> None:
    with pytest.raises(ValueError, match=r"input_shape must be a tuple of ints .* got"):
        get_model_complexity_info(TestModel(), input_shape=shape)


@pytest.mark.spec("ANA-01")
def test_not_a_module_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module, got function"):
        get_model_complexity_info(lambda x: x, input_shape=(3,))  # type: ignore[arg-type]


@pytest.mark.spec("ANA-01")
def test_input_shape_uses_the_model_dtype() -> None:
    model = nn.Linear(4, 2).double()
    assert get_model_complexity_info(model, input_shape=(4,))["flops"] == 8


@pytest.mark.spec("ANA-09")
def test_warning_switches(caplog: pytest.LogCaptureFixture) -> None:
    import logging
    import warnings

    class Noisy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.used = nn.Linear(2, 2)
            self.unused = nn.Linear(2, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            warnings.warn("from the forward", UserWarning, stacklevel=1)
            return self.used(x)

    with (
        caplog.at_level(logging.WARNING, logger="mme.analysis"),
        pytest.warns(UserWarning, match="from the forward"),
    ):
        FlopAnalyzer(Noisy(), torch.randn(1, 2)).total()
    assert [r.getMessage() for r in caplog.records] == [
        "FlopAnalyzer: these submodules were never called during the forward (unused, or "
        "run through .forward() or another method; their operators count towards the "
        "caller): unused"
    ]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mme.analysis"), warnings.catch_warnings():
        warnings.simplefilter("error")
        analyzer = FlopAnalyzer(Noisy(), torch.randn(1, 2)).tracer_warnings("none")
        assert analyzer.uncalled_modules_warnings(False).total() == 4
    assert caplog.records == []
    with pytest.raises(ValueError, match="'all', 'no_tracer_warning' or 'none'"):
        analyzer.tracer_warnings("some")
    with pytest.raises(TypeError, match="the handle for 'aten::addmm' must be callable or None"):
        analyzer.set_op_handle("aten::addmm", 3)
