"""ManagerMixin: named global instances (MGR-01)."""

from __future__ import annotations

import threading

import pytest

from mme.logging import ManagerMixin

pytestmark = pytest.mark.spec("MGR-01")


def make_class() -> type:
    """A fresh ManagerMixin subclass, so each test starts with no instances."""

    class GlobalClass(ManagerMixin):
        built = 0

        def __init__(self, name: str, value: int = 0) -> None:
            super().__init__(name)
            self.value = value
            type(self).built += 1

    return GlobalClass


def test_get_instance_builds_once_and_returns_the_same_object() -> None:
    cls = make_class()
    first = cls.get_instance("mmengine", value=50)
    assert first.value == 50
    assert first.instance_name == "mmengine"
    assert cls.get_instance("mmengine") is first
    assert cls.built == 1


def test_current_instance_is_the_latest_built_as_in_the_tutorial() -> None:
    cls = make_class()
    cls.get_instance("mmengine", value=50)
    cls.get_instance("experiment", value=100)
    assert cls.get_current_instance().value == 100
    assert cls.get_instance("mmengine").value == 50
    # Getting an existing instance does not make it current.
    assert cls.get_current_instance().instance_name == "experiment"


def test_get_instance_with_arguments_for_an_existing_name_is_an_error() -> None:
    cls = make_class()
    cls.get_instance("mmengine", value=50)
    with pytest.raises(ValueError, match=r"'mmengine' already exists.*\(got: value\)"):
        cls.get_instance("mmengine", value=1000)
    assert cls.get_instance("mmengine").value == 50


def test_get_current_instance_without_any_instance_says_what_to_do() -> None:
    cls = make_class()
    with pytest.raises(RuntimeError, match=r"No GlobalClass instance has been built yet"):
        cls.get_current_instance()


def test_subclasses_have_separate_registries() -> None:
    a, b = make_class(), make_class()
    a.get_instance("x", value=1)
    assert not b.check_instance_created("x")
    assert a.check_instance_created("x")
    assert a.instance_names() == ["x"]


def test_subclass_without_name_argument_is_rejected() -> None:
    with pytest.raises(TypeError, match=r"Bad.__init__ must accept a 'name' argument"):

        class Bad(ManagerMixin):
            def __init__(self, value: int) -> None:
                self.value = value


def test_name_must_be_a_string() -> None:
    cls = make_class()
    with pytest.raises(TypeError, match=r"instance name must be a str, got int 3"):
        cls.get_instance(3)


def test_concurrent_get_instance_builds_exactly_one_instance() -> None:
    cls = make_class()
    barrier = threading.Barrier(8)
    got: list[object] = []

    def worker() -> None:
        barrier.wait()
        got.append(cls.get_instance("shared"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cls.built == 1
    assert len(got) == 8
    assert all(obj is got[0] for obj in got)
