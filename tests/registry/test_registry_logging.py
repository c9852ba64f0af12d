"""The DEBUG log lines of builds (REG-16), through the standard ``mme`` logger hierarchy."""

# The configs are written dict(type=...), as in the specification and users' configs.

from __future__ import annotations

import logging

import pytest

from mme.registry import HOOKS, Registry

pytestmark = pytest.mark.spec("REG-16")


class RuntimeInfoHook:
    pass


@pytest.mark.usefixtures("restore_root_registries")
def test_debug_lines_of_the_specification(caplog: pytest.LogCaptureFixture) -> None:
    # force: mme.runner (imported by other tests) registers the real RuntimeInfoHook; the
    # fixture puts it back afterwards
    HOOKS.register_module(module=RuntimeInfoHook, force=True)
    with caplog.at_level(logging.DEBUG, logger="mme"):
        HOOKS.build(dict(type="RuntimeInfoHook"))
    build_lines = [r.getMessage() for r in caplog.records if r.name == "mme.registry"]
    assert build_lines[-2:] == [
        'Get class `RuntimeInfoHook` from "hook" registry in "mme"',
        "An `RuntimeInfoHook` instance is built from registry, its implementation can be "
        f"found in {__name__}",
    ]
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name == "mme.registry")


def test_lookup_in_a_parent_names_the_parent(caplog: pytest.LogCaptureFixture) -> None:
    root = Registry("vis_backend", scope="mme")
    child = Registry("vis_backend", parent=root, scope="mmdet")
    root.register_module(name="LocalVisBackend", module=RuntimeInfoHook)
    with caplog.at_level(logging.DEBUG, logger="mme.registry"):
        child.build(dict(type="LocalVisBackend"))
    assert caplog.messages[0] == 'Get class `LocalVisBackend` from "vis_backend" registry in "mme"'


def test_a_callable_object_is_logged_as_such(caplog: pytest.LogCaptureFixture) -> None:
    class Factory:
        __name__ = "factory"

        def __call__(self) -> int:
            return 1

    reg = Registry("function", scope="t")
    reg.register_module(module=Factory())
    with caplog.at_level(logging.DEBUG, logger="mme.registry"):
        assert reg.build(dict(type="factory")) == 1
    assert caplog.messages[-1] == (
        "An instance is built from registry, and its constructor is a callable object"
    )


def test_nothing_is_logged_above_debug(caplog: pytest.LogCaptureFixture) -> None:
    reg = Registry("r", scope="t")
    reg.register_module(module=RuntimeInfoHook)
    with caplog.at_level(logging.INFO, logger="mme"):
        reg.build(dict(type="RuntimeInfoHook"))
    assert caplog.records == []
