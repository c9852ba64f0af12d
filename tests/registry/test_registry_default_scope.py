"""``DefaultScope`` and ``init_default_scope`` (REG-12), across threads and asyncio tasks."""

# The configs are written dict(type=...), as in the specification and users' configs.

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest

from mme.registry import DefaultScope, init_default_scope

pytestmark = pytest.mark.spec("REG-12")


def _current() -> str | None:
    current = DefaultScope.get_current_instance()
    return None if current is None else current.scope_name


def test_no_instance_means_no_current_scope() -> None:
    assert DefaultScope.get_current_instance() is None
    assert not DefaultScope.check_instance_created("mmdet")


def test_get_instance_creates_names_and_makes_the_latest_current() -> None:
    first = DefaultScope.get_instance("runner-a", scope_name="mmdet")
    assert first.instance_name == "runner-a"
    assert first.scope_name == "mmdet"
    assert DefaultScope.check_instance_created("runner-a")
    second = DefaultScope.get_instance("runner-b", scope_name="mmcls")
    assert DefaultScope.get_current_instance() is second
    assert DefaultScope.get_instance("runner-a") is first  # existing: returned, not current
    assert DefaultScope.get_current_instance() is second
    assert repr(first) == "DefaultScope(name='runner-a', scope_name='mmdet')"


def test_get_instance_of_a_new_name_needs_a_scope_name() -> None:
    with pytest.raises(TypeError, match=r"DefaultScope 'nope' does not exist yet"):
        DefaultScope.get_instance("nope")


@pytest.mark.parametrize("scope_name", ["mmcls", "mmdet"])
def test_arguments_for_an_existing_instance_are_refused_like_every_manager(
    scope_name: str,
) -> None:
    DefaultScope.get_instance("task", scope_name="mmdet")
    with pytest.raises(
        ValueError,
        match=r"^DefaultScope instance 'task' already exists, so get_instance\('task'\) cannot "
        r"accept construction arguments \(got: scope_name\)\. Call DefaultScope.get_instance",
    ):
        DefaultScope.get_instance("task", scope_name=scope_name)
    assert DefaultScope.get_instance("task").scope_name == "mmdet"


def test_default_scope_follows_the_named_instance_protocol() -> None:
    # The protocol of mme.logging's ManagerMixin (which this package may not import):
    # the marker registries look for, and the same class methods.
    assert DefaultScope.__mme_named_instances__ is True
    DefaultScope.get_instance("a", scope_name="mmdet")
    DefaultScope.get_instance("b", scope_name="mmcls")
    assert DefaultScope.instance_names() == ["a", "b"]


def test_snapshot_and_restore_undo_new_instances() -> None:
    DefaultScope.get_instance("kept", scope_name="mmdet")
    saved = DefaultScope.snapshot()
    DefaultScope.get_instance("temporary", scope_name="mmcls")
    DefaultScope.restore(saved)
    assert DefaultScope.instance_names() == ["kept"]
    assert DefaultScope.get_current_instance().scope_name == "mmdet"
    DefaultScope.restore(None)
    assert DefaultScope.get_current_instance() is None


@pytest.mark.parametrize(("name", "scope"), [(1, "mmdet"), ("x", ""), ("x", None)])
def test_bad_names_are_type_errors(name: Any, scope: Any) -> None:
    with pytest.raises(TypeError):
        DefaultScope(name, scope)


def test_overwrite_default_scope_is_temporary_and_survives_errors() -> None:
    DefaultScope.get_instance("task", scope_name="mmdet")
    with DefaultScope.overwrite_default_scope("mmcls"):
        assert _current() == "mmcls"
        with DefaultScope.overwrite_default_scope(None):
            assert _current() == "mmcls"
        with DefaultScope.overwrite_default_scope("mmseg"):
            assert _current() == "mmseg"
        assert _current() == "mmcls"
    assert _current() == "mmdet"
    with pytest.raises(RuntimeError), DefaultScope.overwrite_default_scope("mmcls"):
        raise RuntimeError
    assert _current() == "mmdet"
    assert not DefaultScope.check_instance_created("overwrite-mmcls")


def test_init_default_scope(caplog: pytest.LogCaptureFixture) -> None:
    init_default_scope("mme")
    assert _current() == "mme"
    init_default_scope("mme")  # again: nothing changes, no warning
    assert not caplog.records
    with caplog.at_level(logging.WARNING, logger="mme.registry"):
        init_default_scope("mmdet")
        assert _current() == "mmdet"
        init_default_scope("mme")  # exists already but is not current: made current
    assert _current() == "mme"
    assert caplog.messages == [
        'The current default scope "mmdet" is not "mme"; init_default_scope makes "mme" '
        "the current default scope."
    ]


def test_a_switch_in_one_thread_is_invisible_to_another() -> None:
    init_default_scope("mme")
    inside = threading.Event()
    checked = threading.Event()
    seen: dict[str, str | None] = {}

    def switching() -> None:
        with DefaultScope.overwrite_default_scope("mmalpha"):
            seen["switching"] = _current()
            inside.set()
            checked.wait(5)

    def watching() -> None:
        inside.wait(5)
        seen["watching"] = _current()
        checked.set()

    threads = [threading.Thread(target=switching), threading.Thread(target=watching)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"switching": "mmalpha", "watching": "mme"}


def test_the_global_default_scope_is_seen_by_new_threads() -> None:
    init_default_scope("mmdet")
    seen: list[str | None] = []
    thread = threading.Thread(target=lambda: seen.append(_current()))
    thread.start()
    thread.join(10)
    assert seen == ["mmdet"]


def test_asyncio_tasks_switch_independently() -> None:
    async def build_in(scope: str, started: asyncio.Event, other: asyncio.Event) -> list[str]:
        seen = []
        with DefaultScope.overwrite_default_scope(scope):
            started.set()
            await other.wait()  # the other task switches meanwhile
            seen.append(_current() or "")
            await asyncio.sleep(0)
            seen.append(_current() or "")
        return seen

    async def main() -> tuple[list[str], list[str]]:
        a_started, b_started = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(
            build_in("mmalpha", a_started, b_started), build_in("mmbeta", b_started, a_started)
        )

    alpha, beta = asyncio.run(main())
    assert alpha == ["mmalpha", "mmalpha"]
    assert beta == ["mmbeta", "mmbeta"]
    assert _current() is None
