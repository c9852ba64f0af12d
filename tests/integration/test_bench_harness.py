"""The summary of `nox -s bench`: every result in one table, failing only far from target."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "tools" / "benchmarks" / "_harness.py"

pytestmark = pytest.mark.spec(infra="nox -s bench reports every benchmark in one summary")


def summarise(tmp_path: Path, rows: list[dict], *benches: str) -> subprocess.CompletedProcess[str]:
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return subprocess.run(
        [sys.executable, str(HARNESS), str(results), *benches],
        capture_output=True,
        text=True,
        timeout=60,
    )


def row(bench: str, value: float, target: float, at_least: bool = True) -> dict:
    return {"bench": bench, "what": "x", "value": value, "target": target, "at_least": at_least}


def test_met_and_near_misses_pass_and_every_row_is_shown(tmp_path: Path) -> None:
    rows = [
        row("bench_a", 12.0, 10.0),  # met
        row("bench_a", 6.0, 10.0),  # near: within a factor of 2
        row("bench_b", 1.4, 1.3, at_least=False),  # near
        row("bench_b", 0.9, 1.0, at_least=False),  # met
    ]
    result = summarise(tmp_path, rows, "bench_a", "bench_b")
    assert result.returncode == 0, result.stdout
    verdicts = [
        line.split()[-1] for line in result.stdout.splitlines() if line.startswith("bench_")
    ]
    assert verdicts == ["met", "near", "near", "met"]
    assert "4 figures: 2 met, 2 near or slow (not a failure), 0 far from target" in result.stdout


@pytest.mark.parametrize(
    "far", [row("bench_a", 4.9, 10.0), row("bench_a", 2.7, 1.3, at_least=False)]
)
def test_a_figure_far_from_its_target_fails(tmp_path: Path, far: dict) -> None:
    result = summarise(tmp_path, [row("bench_a", 11.0, 10.0), far], "bench_a")
    assert result.returncode == 1
    assert result.stdout.splitlines()[-2].endswith("FAR")


def test_a_benchmark_without_results_fails_and_is_named(tmp_path: Path) -> None:
    result = summarise(tmp_path, [row("bench_a", 11.0, 10.0)], "bench_a", "bench_crashed")
    assert result.returncode == 1
    assert "bench_crashed   reported nothing: it failed, see its output above" in result.stdout


def test_a_crashed_benchmark_fails_and_the_others_are_still_shown(tmp_path: Path) -> None:
    rows = [{"bench": "bench_b", "crashed": True}, row("bench_a", 11.0, 10.0)]
    result = summarise(tmp_path, rows, "bench_a", "bench_b")
    assert result.returncode == 1
    assert "bench_b         crashed: see its output above" in result.stdout
    assert "bench_a" in result.stdout.splitlines()[-2]


def test_an_absolute_time_is_shown_slow_but_does_not_fail(tmp_path: Path) -> None:
    slow = {**row("bench_a", 218.0, 50.0, at_least=False), "absolute": True}
    result = summarise(tmp_path, [slow], "bench_a")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-2].endswith("slow")


def test_every_benchmark_reports_its_figures_under_its_own_name() -> None:
    """A benchmark that printed its table but reported nothing would show in `nox -s bench`
    as "no results" only after minutes of running; this finds it from the source."""
    import ast

    benches = sorted((ROOT / "tools" / "benchmarks").glob("bench_*.py"))
    assert benches
    for path in benches:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [
            call.args[0].value
            for call in ast.walk(tree)
            if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "report"
            and call.args
            and isinstance(call.args[0], ast.Constant)
        ]
        assert names, f"{path.name} never calls _harness.report"
        assert set(names) == {path.stem}, f"{path.name} reports under {sorted(set(names))}"
