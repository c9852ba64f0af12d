"""Creating registries and registering classes and functions (REG-01, REG-02, REG-03, REG-06)."""

# The configs are written dict(type=...), as in the specification and users' configs.

from __future__ import annotations

import functools

import pytest

from mme.registry import AlreadyRegisteredError, Registry


@pytest.mark.spec("REG-01")
def test_constructor_arguments_of_the_spec() -> None:
    activation = Registry("activation", scope="mmengine", locations=["mme.registry.root"])
    assert activation.name == "activation"
    assert activation.scope == "mmengine"
    assert activation.locations == ("mme.registry.root",)
    assert activation.parent is None
    assert activation.root is activation
    assert len(activation) == 0


@pytest.mark.spec("REG-01")
def test_scope_defaults_to_the_top_level_package_of_the_creating_module() -> None:
    # This module is imported as tests.registry... or test_registry_register (importlib mode).
    expected = __name__.split(".")[0]
    assert Registry("thing").scope == expected


@pytest.mark.spec("REG-01")
def test_scope_is_inferred_through_a_subclass_init() -> None:
    class MyRegistry(Registry):
        def __init__(self, name: str) -> None:
            super().__init__(name)

    assert MyRegistry("thing").scope == __name__.split(".")[0]


@pytest.mark.spec("REG-01")
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": ""}, TypeError, "non-empty str"),
        ({"name": "m", "scope": "a.b"}, ValueError, "without '.'"),
        ({"name": "m", "locations": "pkg.mod"}, TypeError, "locations=['pkg.mod']"),
        ({"name": "m", "locations": [3]}, TypeError, "bad location 3"),
        ({"name": "m", "parent": "model"}, TypeError, "parent must be a Registry"),
        ({"name": "m", "build_func": 42}, TypeError, "build_func must be callable"),
    ],
)
def test_bad_constructor_arguments_are_named(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error) as info:
        Registry(**kwargs)
    assert message in str(info.value)


@pytest.mark.spec("REG-02", "REG-03")
def test_decorator_registers_under_the_class_name_and_module_dict_shows_it() -> None:
    activation = Registry("activation", scope="mmengine")

    @activation.register_module()
    class Sigmoid:
        pass

    @activation.register_module()
    class ReLU:
        def __init__(self, inplace: bool = False) -> None:
            self.inplace = inplace

    @activation.register_module()
    class Softmax:
        pass

    assert activation.module_dict == {"Sigmoid": Sigmoid, "ReLU": ReLU, "Softmax": Softmax}
    assert list(activation.module_dict) == ["Sigmoid", "ReLU", "Softmax"]
    assert len(activation) == 3
    assert "ReLU" in activation
    assert "Tanh" not in activation


@pytest.mark.spec("REG-03")
def test_module_dict_is_a_copy() -> None:
    reg = Registry("r", scope="t")
    reg.module_dict["X"] = object
    assert "X" not in reg


@pytest.mark.spec("REG-02")
def test_call_form_with_module_and_positional_name() -> None:
    transforms = Registry("transform", scope="t")

    class RandomCrop:
        pass

    returned = transforms.register_module("RandomCrop", module=RandomCrop)
    assert returned is RandomCrop
    assert transforms.register_module(module=RandomCrop) is RandomCrop  # same object again
    assert transforms.get("RandomCrop") is RandomCrop


@pytest.mark.spec("REG-02")
def test_explicit_name_and_list_of_names() -> None:
    datasets = Registry("dataset", scope="t")

    @datasets.register_module(name="Cifar10", force=False)
    class CIFAR10:
        pass

    @datasets.register_module(name=["Mnist", "MNIST"])
    class MNISTDataset:
        pass

    assert datasets.get("Cifar10") is CIFAR10
    assert datasets.get("Mnist") is datasets.get("MNIST") is MNISTDataset
    assert "CIFAR10" not in datasets


@pytest.mark.spec("REG-02")
def test_duplicate_name_is_a_key_error_naming_the_existing_entry() -> None:
    reg = Registry("activation", scope="mmengine")

    @reg.register_module()
    class ReLU:
        pass

    class Other:
        pass

    with pytest.raises(KeyError) as info:
        reg.register_module(name="ReLU", module=Other)
    assert isinstance(info.value, AlreadyRegisteredError)
    message = str(info.value)
    assert "'ReLU' is already registered in the \"activation\" registry" in message
    assert f"{ReLU.__module__}.{ReLU.__qualname__}" in message
    assert "force=True" in message
    assert reg.get("ReLU") is ReLU  # nothing changed


@pytest.mark.spec("REG-02")
def test_force_replaces_an_entry() -> None:
    reg = Registry("activation", scope="t")

    @reg.register_module()
    class ReLU:
        pass

    @reg.register_module(name="ReLU", force=True)
    class BetterReLU:
        pass

    assert reg.get("ReLU") is BetterReLU


@pytest.mark.spec("REG-02")
def test_a_list_with_one_taken_name_registers_none_of_them() -> None:
    reg = Registry("r", scope="t")
    reg.register_module(name="A", module=int)
    with pytest.raises(AlreadyRegisteredError):
        reg.register_module(name=["B", "A"], module=float)
    assert "B" not in reg


@pytest.mark.spec("REG-02")
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"force": 1, "module": int}, "force must be a bool"),
        ({"name": 3, "module": int}, "name must be None, a str or a list of str"),
        ({"name": ["a", 2], "module": int}, "name must be None, a str or a list of str"),
        ({"module": 5}, "Only classes and functions can be registered"),
        ({"module": functools.partial(int)}, 'register it in the "r" registry with an explicit'),
    ],
)
def test_bad_registration_arguments(kwargs: dict, message: str) -> None:
    reg = Registry("r", scope="t")
    with pytest.raises(TypeError) as info:
        reg.register_module(**kwargs)
    assert message in str(info.value)


@pytest.mark.spec("REG-02")
def test_names_with_a_dot_are_refused_because_the_dot_separates_the_scope() -> None:
    reg = Registry("r", scope="t")
    with pytest.raises(ValueError, match=r"may not contain '\.'"):
        reg.register_module(name="mmdet.ResNet", module=int)


@pytest.mark.spec("REG-02", "REG-06")
def test_functions_and_partials_with_a_name_can_be_registered() -> None:
    function = Registry("function", scope="mmengine")

    @function.register_module()
    def print_args(**kwargs: int) -> dict:
        return kwargs

    function.register_module(name="tagged_args", module=functools.partial(print_args, tag="t"))
    assert function.get("print_args") is print_args
    assert function.build(dict(type="tagged_args", a=1)) == {"tag": "t", "a": 1}
