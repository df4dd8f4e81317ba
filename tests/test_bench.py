"""``bench/run.py`` reports a peer that is not installed and finishes (it is not a test of speed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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
