"""The install journey, for real: a fresh virtual environment, pip, and the ``rillet`` script.

Slow (it builds and installs wheels; pip may fetch hatchling from PyPI): marked ``journey``,
deselect with ``-m "not journey"``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import REPO_ROOT

journey = pytest.mark.journey


def _scripts(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def _provider_names(rillet: Path, env: dict[str, str]) -> dict[str, dict]:
    done = subprocess.run([str(rillet), "providers", "--json"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["failed"] == [], data["failed"]
    return {provider["name"]: provider for provider in data["providers"]}


@journey
def test_install_a_plugin_see_it_uninstall_it(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python, rillet = _scripts(venv) / "python", _scripts(venv) / "rillet"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RILLET_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(RILLET_HOME=str(tmp_path / "home"), PIP_DISABLE_PIP_VERSION_CHECK="1")

    def pip(*arguments: str) -> None:
        done = subprocess.run([str(python), "-m", "pip", "-q", *arguments], capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr

    pip("install", str(REPO_ROOT))
    assert rillet.exists()
    version = subprocess.run([str(rillet), "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert version.stdout.startswith("rillet ")

    before = _provider_names(rillet, env)
    assert "replay" in before
    assert "openai" not in before

    installed = subprocess.run(
        [str(rillet), "install", str(REPO_ROOT / "plugins" / "openai")], capture_output=True, text=True, env=env, timeout=300
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    after = _provider_names(rillet, env)
    assert after["openai"]["plugin"] == "rillet-openai"
    demo = subprocess.run(
        [str(rillet), "chat", "-m", "replay/demo", "-o", "tokens_per_second", "0", "hi"],
        capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.startswith("The sky looks blue")

    removed = subprocess.run(
        [str(rillet), "uninstall", "-y", "rillet-openai"], capture_output=True, text=True, env=env, timeout=300
    )
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "openai" not in _provider_names(rillet, env)


@journey
def test_a_scaffolded_plugin_installs_appears_and_passes_the_kit(tmp_path: Path) -> None:
    """The third-party journey: `rillet plugin new`, pip install it, see it listed, run its tests."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python, rillet = _scripts(venv) / "python", _scripts(venv) / "rillet"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RILLET_", "PYTHON", "VIRTUAL_ENV", "PYTEST_"))}
    env.update(RILLET_HOME=str(tmp_path / "home"), PIP_DISABLE_PIP_VERSION_CHECK="1")

    def call(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(arguments), capture_output=True, text=True, env=env, timeout=300, cwd=cwd)

    done = call(str(python), "-m", "pip", "-q", "install", f"{REPO_ROOT}[testing]")
    assert done.returncode == 0, done.stdout + done.stderr
    made = call(str(rillet), "plugin", "new", "acme", "--directory", str(tmp_path))
    assert made.returncode == 0, made.stderr
    package = tmp_path / "rillet-acme"
    assert "acme" not in _provider_names(rillet, env)

    installed = call(str(rillet), "install", str(package))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    listed = _provider_names(rillet, env)["acme"]
    assert listed["plugin"] == "rillet-acme" and listed["key"]["env_var"] == "ACME_API_KEY"

    tested = call(str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=package)
    summary = tested.stdout.strip().splitlines()[-1]
    assert tested.returncode == 0, tested.stdout[-3000:]
    assert " passed" in summary and "skipped" not in summary, summary

    removed = call(str(rillet), "uninstall", "-y", "rillet-acme")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "acme" not in _provider_names(rillet, env)
