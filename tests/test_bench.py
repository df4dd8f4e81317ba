"""``bench/run.py`` reports a peer that is not installed and finishes (it is not a test of speed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH_RUN = Path(__file__).resolve().parents[1] / "bench" / "run.py"


def _bench() -> ModuleType:
    """bench/run.py as a module (it puts bench/ on sys.path for its own imports)."""
    spec = importlib.util.spec_from_file_location("rillet_bench_run", BENCH_RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_missing_peer_program_is_reported_not_installed(tmp_path: Path) -> None:
    bench = _bench()
    ms, problem = bench.wall_ms([str(tmp_path / "llm"), "--help"], 1)
    assert ms is None and problem == "not installed"
    assert bench.startup_cell(ms, problem) == "not installed"


def test_a_missing_peer_module_is_reported_not_installed() -> None:
    bench = _bench()
    ms, problem = bench.wall_ms([sys.executable, "-c", "import rillet_no_such_peer_module"], 1)
    assert ms is None and problem == "not installed"


def test_a_failing_command_says_why() -> None:
    bench = _bench()
    ms, problem = bench.wall_ms([sys.executable, "-c", "raise SystemExit('peer broke')"], 1)
    assert ms is None and problem == "peer broke"
    assert bench.startup_cell(ms, problem) == "failed: peer broke"


def _bench_module(name: str) -> ModuleType:
    """A module of bench/ (run.py put bench/ on sys.path)."""
    _bench()
    import importlib

    return importlib.import_module(name)


def test_the_generated_dummy_plugins_are_discovered(tmp_path: Path) -> None:
    startup = _bench_module("startup")
    startup.make_dummy_plugins(tmp_path, count=3)
    code = "import rillet; print(sorted(rillet.providers()))"
    import os
    import subprocess

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))}
    listed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert all(f"dummy{number}" in listed for number in (1, 2, 3)), listed


def test_a_missed_goal_says_by_how_much() -> None:
    report = _bench_module("report")
    assert report.verdict(0.7, 0.8, "×") == "**met** (0.70×)"
    assert report.verdict(1.2, 0.8, "×") == "**missed** (1.20×: 0.40× or 50 % over)"
    assert report.verdict(None, 0.8, "×") == "not measured"


def test_the_page_is_written_again_from_saved_figures(tmp_path: Path, monkeypatch: Any) -> None:
    # `bench/report.py --rewrite` writes the page from a run's saved figures (after the
    # notes were edited) without measuring anything; tests/fixtures holds one real run.
    report = _bench_module("report")
    monkeypatch.setattr(report, "chart", lambda *args: None)  # matplotlib lives in the bench venv only
    out = tmp_path / "performance.md"
    fixture = Path(__file__).parent / "fixtures" / "bench_results.json"
    monkeypatch.setattr(sys, "argv", ["report.py", "--rewrite", "--results", str(fixture), "--out", str(out)])
    report.main()
    page = out.read_text()
    assert "| 2. `stream_tokens` × raw sync | ≤ 0.8× | **met** (0.36×) |" in page
    assert "| 4. fresh process to first token (cpu; wall 277 ms) | ≤ 80 ms | **missed**" in page
    assert "Interpreter: `/tmp/startvenv/bin/python`" in page
    assert "## What the profiles show" in page  # the hand-written notes are copied in
