"""Every vendored copy of tools/vendored/suggest.py equals its source (docs/development.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import vendor_suggest  # noqa: E402


@pytest.mark.spec(infra="vendored helpers equal their source")
@pytest.mark.parametrize("target", vendor_suggest.TARGETS)
def test_each_copy_equals_the_source(target: str) -> None:
    copy = (ROOT / target).read_text(encoding="utf-8")
    assert copy == vendor_suggest.expected_text(), (
        f"{target} differs from tools/vendored/suggest.py: run python tools/vendor_suggest.py"
    )
    assert copy.startswith("# Generated from tools/vendored/suggest.py")


@pytest.mark.spec(infra="vendored helpers equal their source")
def test_no_package_defines_its_own_did_you_mean() -> None:
    copies = {ROOT / t for t in vendor_suggest.TARGETS}
    own = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "packages").glob("*/src/mme/**/*.py")
        if path not in copies and "def did_you_mean(" in path.read_text(encoding="utf-8")
    ]
    assert own == []


@pytest.mark.spec(infra="vendored helpers equal their source")
def test_the_helper_words_hints_one_way() -> None:
    from mme.config._suggest import close_matches, did_you_mean, qualified_name

    assert did_you_mean("optimzer", ["optimizer", "model"]) == " Did you mean 'optimizer'?"
    assert did_you_mean("sgd", ["SGD"]) == " Did you mean 'SGD'?"
    assert did_you_mean("momentun", ["momentum", "moment", "momentus"]) == (
        " Did you mean 'momentus', 'momentum' or 'moment'?"
    )
    assert did_you_mean("xyz", ["optimizer"]) == ""
    assert close_matches("MASTER_ADRR", ["MASTER_ADDR", "PATH"], n=1, cutoff=0.8) == ["MASTER_ADDR"]
    assert qualified_name(Path) == "pathlib.Path"
    assert qualified_name(3) == "3"
