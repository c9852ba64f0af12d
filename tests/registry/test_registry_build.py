"""Building objects from configs (REG-04, REG-05, REG-06) and the errors of a build."""

# The configs are written dict(type=...), as in the specification and users' configs.

from __future__ import annotations

import traceback
from typing import Any, ClassVar

import pytest

from mme.registry import MissingTypeError, NotRegisteredError, Registry, build_from_cfg


class Sigmoid:
    def forward(self, x: Any) -> Any:
        print("call Sigmoid.forward")
        return x


class ReLU:
    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace

    def forward(self, x: Any) -> Any:
        print("call ReLU.forward")
        return x


class SGD:
    """Stands in for torch.optim.SGD: the same parameter names."""

    def __init__(
        self,
        params: Any,
        lr: float = 0.001,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
    ) -> None:
        self.params = params
        self.lr = lr
        self.momentum = momentum


class Exploding:
    def __init__(self, value: int) -> None:
        self.value = self._check(value)

    @staticmethod
    def _check(value: int) -> int:
        if value < 0:
            raise ValueError(f"value must be >= 0, got {value}")
        return value


@pytest.fixture
def activation() -> Registry:
    reg = Registry("activation", scope="mmengine")
    reg.register_module(module=Sigmoid)
    reg.register_module(module=ReLU)
    return reg


@pytest.mark.spec("REG-04")
def test_build_switches_class_by_config(
    activation: Registry, capsys: pytest.CaptureFixture
) -> None:
    act = activation.build(dict(type="Sigmoid"))
    act.forward(1)
    assert capsys.readouterr().out == "call Sigmoid.forward\n"
    act = activation.build(dict(type="ReLU", inplace=True))
    assert isinstance(act, ReLU)
    assert act.inplace is True
    act.forward(1)
    assert capsys.readouterr().out == "call ReLU.forward\n"


@pytest.mark.spec("REG-04")
def test_get_returns_the_class(activation: Registry) -> None:
    assert activation.get("ReLU") is ReLU


@pytest.mark.spec("REG-04")
def test_type_may_be_the_class_itself_even_unregistered(activation: Registry) -> None:
    built = activation.build(dict(type=SGD, params=[1], lr=0.1))
    assert isinstance(built, SGD)
    assert built.lr == 0.1


@pytest.mark.spec("REG-04")
def test_default_args_fill_missing_keys_only(activation: Registry) -> None:
    built = activation.build(dict(type="ReLU"), default_args=dict(inplace=True))
    assert built.inplace is True
    built = activation.build(dict(type="ReLU", inplace=False), default_args=dict(inplace=True))
    assert built.inplace is False
    built = activation.build(dict(inplace=True), default_args=dict(type="ReLU"))
    assert isinstance(built, ReLU)


@pytest.mark.spec("REG-04")
def test_build_from_cfg_is_the_default_build_func(activation: Registry) -> None:
    assert activation.build_func is build_from_cfg
    assert isinstance(build_from_cfg(dict(type="ReLU"), activation), ReLU)


@pytest.mark.spec("REG-04")
def test_missing_type_is_a_key_error_naming_the_registry(activation: Registry) -> None:
    with pytest.raises(KeyError) as info:
        activation.build(dict(inplace=True))
    assert isinstance(info.value, MissingTypeError)
    assert 'the "activation" registry: the config has no "type" key' in str(info.value)
    assert str(info.value).endswith("Its keys: 'inplace'")


@pytest.mark.spec("REG-04")
@pytest.mark.parametrize(
    ("cfg", "default_args", "message"),
    [
        (["type", "ReLU"], None, "the config must be a dict, ConfigDict or Config, got list"),
        ({"type": 3}, None, '"type" in a config for the "activation" registry must be'),
        ({"type": "ReLU"}, ["inplace"], 'default_args for the "activation" registry must be'),
        ({"type": "ReLU", "_scope_": 1}, None, "_scope_ must be a str"),
    ],
)
def test_bad_config_shapes_are_type_errors(
    activation: Registry, cfg: Any, default_args: Any, message: str
) -> None:
    with pytest.raises(TypeError) as info:
        activation.build(cfg, default_args=default_args)
    assert message in str(info.value)


@pytest.mark.spec("REG-04")
def test_unknown_name_says_did_you_mean(activation: Registry) -> None:
    with pytest.raises(KeyError) as info:
        activation.build(dict(type="Relu"))
    assert isinstance(info.value, NotRegisteredError)
    assert str(info.value).splitlines()[0] == (
        "'Relu' is not registered in the \"activation\" registry "
        "(scopes searched: \"mmengine\"). Did you mean 'ReLU'?"
    )


@pytest.mark.spec("REG-04")
def test_a_constructor_error_keeps_its_type_traceback_and_gets_a_note(activation: Registry) -> None:
    activation.register_module(module=Exploding)
    with pytest.raises(ValueError, match="value must be >= 0, got -1") as info:
        activation.build(dict(type="Exploding", value=-1))
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert frames[-2:] == ["__init__", "_check"]  # the real frames are still there
    notes = info.value.__notes__
    assert notes == [
        "mme.registry: raised while building 'Exploding' "
        f'({__name__}.Exploding) from the "activation" registry in "mmengine"'
    ]


@pytest.mark.spec("REG-04")
def test_nested_builds_add_one_note_per_level() -> None:
    reg = Registry("model", scope="t")

    @reg.register_module()
    class Outer:
        def __init__(self, inner: dict) -> None:
            self.inner = reg.build(inner)

    reg.register_module(module=Exploding)
    with pytest.raises(ValueError) as info:
        reg.build(dict(type="Outer", inner=dict(type="Exploding", value=-5)))
    notes = info.value.__notes__
    assert len(notes) == 2
    assert "building 'Exploding'" in notes[0]
    assert "building 'Outer'" in notes[1]


@pytest.mark.spec("REG-04")
def test_unknown_keyword_names_the_class_the_key_and_the_accepted_parameters() -> None:
    optimizers = Registry("optimizer", scope="mme")
    optimizers.register_module(module=SGD)
    with pytest.raises(TypeError) as info:
        optimizers.build(dict(type="SGD", params=[], lr=0.1, momentun=0.9))
    assert "momentun" in str(info.value)  # Python's own message is kept
    (note,) = info.value.__notes__
    lines = note.splitlines()
    assert lines[0] == (
        f"mme.registry: 'SGD' ({__name__}.SGD) got the unknown argument 'momentun' from the "
        "config. Did you mean 'momentum'?"
    )
    assert lines[1] == (
        f"'SGD' ({__name__}.SGD) accepts: params, lr, momentum, dampening, weight_decay, nesterov"
    )


@pytest.mark.spec("REG-04")
def test_missing_required_argument_is_named() -> None:
    optimizers = Registry("optimizer", scope="mme")
    optimizers.register_module(module=SGD)
    with pytest.raises(TypeError) as info:
        optimizers.build(dict(type="SGD", lr=0.1))
    assert (
        "needs the argument(s) 'params', which the config does not give"
        in (info.value.__notes__[0])
    )


@pytest.mark.spec("REG-04")
def test_type_error_from_inside_the_constructor_is_not_blamed_on_the_config() -> None:
    reg = Registry("r", scope="t")

    @reg.register_module()
    class Fussy:
        def __init__(self, size: int = 1) -> None:
            self.total = size + "px"  # type: ignore[operator]

    with pytest.raises(TypeError, match="unsupported operand") as info:
        reg.build(dict(type="Fussy", size=2))
    (note,) = info.value.__notes__
    assert note.startswith("mme.registry: raised while building 'Fussy'")


@pytest.mark.spec("REG-05")
def test_custom_build_func(capsys: pytest.CaptureFixture) -> None:
    def build_activation(cfg: dict, registry: Registry, *args: Any, **kwargs: Any) -> Any:
        cfg_ = cfg.copy()
        act_type = cfg_.pop("type")
        print(f"build activation: {act_type}")
        act_cls = registry.get(act_type)
        return act_cls(*args, **kwargs, **cfg_)

    activation = Registry("activation", build_func=build_activation, scope="mmengine")

    @activation.register_module()
    class Tanh:
        def forward(self, x: Any) -> Any:
            print("call Tanh.forward")
            return x

    act = activation.build(dict(type="Tanh"))
    act.forward(0)
    assert capsys.readouterr().out == "build activation: Tanh\ncall Tanh.forward\n"
    child = Registry("activation", parent=activation, scope="child")
    assert child.build_func is build_activation  # inherited


@pytest.mark.spec("REG-06")
def test_build_calls_a_registered_function(capsys: pytest.CaptureFixture) -> None:
    function = Registry("function", scope="mmengine")

    @function.register_module()
    def print_args(**kwargs: Any) -> str:
        print(kwargs)
        return "done"

    assert function.build(dict(type="print_args", a=1, b=2)) == "done"
    assert capsys.readouterr().out == "{'a': 1, 'b': 2}\n"


@pytest.mark.spec("REG-04")
def test_manager_mixin_classes_are_built_with_get_instance() -> None:
    class Named:  # the marker of the named-instance protocol, not a name, is recognised
        __mme_named_instances__ = True
        instances: ClassVar[dict[str, Any]] = {}

        @classmethod
        def get_instance(cls, name: str, **kwargs: Any) -> Any:
            if name not in cls.instances:
                cls.instances[name] = cls(name, **kwargs)
            return cls.instances[name]

    class Visualizer(Named):
        def __init__(self, name: str, width: int = 1) -> None:
            self.name = name
            self.width = width

    reg = Registry("visualizer", scope="t")
    reg.register_module(module=Visualizer)
    first = reg.build(dict(type="Visualizer", name="vis", width=3))
    assert reg.build(dict(type="Visualizer", name="vis")) is first
    assert first.width == 3
