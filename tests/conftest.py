"""Test-suite wide plugin: the ``spec`` marker and the spec coverage report.

Mark a test with the FEATURES.md IDs it covers::

    @pytest.mark.spec("CFG-04", "CFG-05")
    def test_base_inheritance(): ...

A test of the project's own machinery (packaging, the dependency rules, the
command line) that no feature ID describes says so instead of borrowing an ID::

    @pytest.mark.spec(infra="the import-linter contracts encode ARCHITECTURE.md")

``pytest --spec-report=FILE`` writes, for every ID, the tests that passed with it
(``tools/spec_coverage.py`` turns that into the per-distribution table of
``nox -s spec``). This file imports nothing but pytest and the standard library,
so that every tests/<pkg>/ folder runs with only its own package installed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

SPEC_ID = re.compile(r"^[A-Z]{2,4}-\d{2}$")
_PASSED: dict[str, list[str]] = {}
_IDS_OF: dict[str, tuple[str, ...]] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--spec-report",
        metavar="FILE",
        default=None,
        help="write the FEATURES.md IDs covered by passing tests to FILE (JSON)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        ids: list[str] = []
        for marker in item.iter_markers("spec"):
            if not marker.args and not marker.kwargs.get("infra"):
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.spec() needs FEATURES.md IDs, or infra='...'"
                )
            for spec_id in marker.args:
                if not isinstance(spec_id, str) or not SPEC_ID.match(spec_id):
                    raise pytest.UsageError(
                        f"{item.nodeid}: {spec_id!r} is not a FEATURES.md ID like 'CFG-04'"
                    )
                ids.append(spec_id)
        _IDS_OF[item.nodeid] = tuple(ids)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        for spec_id in _IDS_OF.get(report.nodeid, ()):
            _PASSED.setdefault(spec_id, []).append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = session.config.getoption("--spec-report")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(json.dumps(dict(sorted(_PASSED.items())), indent=1))
