"""The repository on its own: without ``../shared`` the suite still collects and runs, the
tests that replay the shared recordings are skipped with one message naming the folder,
and ``RILLET_REQUIRE_SHARED=1`` (set by ``.ci/run``) makes the missing folder an error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def clone_without_shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository in a folder with no ``shared`` sibling."""
    target = tmp_path_factory.mktemp("alone") / "rillet"
    shutil.copytree(REPO, target, ignore=shutil.ignore_patterns(".venv", ".git", "dist", "build", "__pycache__", "*.egg-info"))
    assert not (target.parent / "shared").exists()
    return target


def _collect(clone: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RILLET_")}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "not journey", "-p", "no:randomly"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_without_the_shared_recordings_the_suite_collects_and_says_what_is_missing(clone_without_shared: Path) -> None:
    done = _collect(clone_without_shared)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "error" not in done.stdout.splitlines()[-1].lower()
    missing = clone_without_shared.parent / "shared" / "cassettes"
    notices = [line for line in done.stdout.splitlines() if line.startswith("rillet: the shared recordings are missing")]
    assert notices == [
        f"rillet: the shared recordings are missing: {missing} is not a directory (put them at ../shared/cassettes "
        "beside the repository, or set RILLET_SHARED_CASSETTES); the tests that replay them are skipped"
    ]
    collected = sum(1 for line in done.stdout.splitlines() if "::" in line)
    assert collected > 1000  # everything else is there to run


def test_ci_requires_the_shared_recordings(clone_without_shared: Path) -> None:
    done = _collect(clone_without_shared, RILLET_REQUIRE_SHARED="1")
    assert done.returncode != 0
    assert "the shared recordings are missing" in done.stdout and "RILLET_REQUIRE_SHARED is set" in done.stdout
    assert "RILLET_REQUIRE_SHARED=1" in (REPO / ".ci" / "run").read_text()


def test_missing_shared_recordings_give_the_kit_no_cassettes_and_one_skip_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rillet.testing import SharedRecordings

    monkeypatch.delenv("RILLET_REQUIRE_SHARED", raising=False)  # .ci/run sets it
    from rillet.testing._cases import find_cassettes
    from rillet.testing._shared import MissingSharedRecordings

    absent = SharedRecordings(tmp_path / "absent")
    assert not absent.present and str(tmp_path / "absent") in absent.reason
    [placeholder] = absent.paths(absent / "anthropic", str(absent / "errors" / "*.yaml"))
    assert isinstance(placeholder, MissingSharedRecordings) and placeholder.reason == absent.reason
    (tmp_path / "own.yaml").write_text("interactions: []\n")
    assert find_cassettes([tmp_path / "own.yaml", placeholder]) == [(tmp_path / "own.yaml").resolve()]
    mark = absent.required
    assert mark.args == (True,) and mark.kwargs["reason"] == absent.reason

    present = SharedRecordings(tmp_path)
    assert present.paths(tmp_path / "x") == [tmp_path / "x"]
    assert present.required.args == (False,)
