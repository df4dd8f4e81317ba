"""The install journeys, for real: a fresh virtual environment, pip, and the ``rillet`` script.

Slow (they build and install wheels; pip may fetch hatchling, pytest and vcrpy from the
package index): marked ``journey``, deselect with ``-m "not journey"``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from cli_support import REPO_ROOT

journey = pytest.mark.journey

#: Each plugin directory and the providers it serves.
PLUGIN_PROVIDERS = {
    "openai": {
        "openai", "openai-responses",  # and its presets of OpenAI-compatible providers:
        "deepseek", "groq", "mistral", "openrouter", "together", "xai", "vllm", "lmstudio", "llamacpp",
    },
    "anthropic": {"anthropic"},
    "gemini": {"gemini"},
    "ollama": {"ollama"},
}


class Venv(NamedTuple):
    """A fresh virtual environment with the rillet core installed from this checkout."""

    python: Path
    rillet: Path
    env: dict[str, str]

    def run(self, *arguments: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(argument) for argument in arguments], capture_output=True, text=True, env=self.env, timeout=300,
            cwd=cwd, stdin=subprocess.DEVNULL,
        )

    def providers(self) -> dict[str, dict]:
        done = self.run(self.rillet, "providers", "--json")
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["failed"] == [], data["failed"]
        return {provider["name"]: provider for provider in data["providers"]}


@pytest.fixture
def venv(tmp_path: Path) -> Venv:
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True, timeout=120)
    scripts = tmp_path / "venv" / ("Scripts" if os.name == "nt" else "bin")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RILLET_", "PYTHON", "VIRTUAL_ENV", "PYTEST_"))}
    env.update(RILLET_HOME=str(tmp_path / "home"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    made = Venv(scripts / "python", scripts / "rillet", env)
    installed = made.run(made.python, "-m", "pip", "-q", "install", f"{REPO_ROOT}[testing]")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return made


@journey
def test_each_plugin_installs_alone_appears_and_uninstalls(venv: Venv) -> None:
    assert venv.run(venv.rillet, "--version").stdout.startswith("rillet ")
    assert set(venv.providers()) == {"replay"}
    demo = ("chat", "-m", "replay/demo", "-o", "tokens_per_second", "0", "hi")
    without_openai = venv.run(venv.rillet, *demo)  # the demo is an OpenAI-format recording
    assert without_openai.returncode == 2
    # rillet-openai is not on PyPI: a core installed from a wheel names the release wheel
    assert "`rillet install dist/rillet_openai-*.whl" in without_openai.stderr

    for plugin, names in PLUGIN_PROVIDERS.items():
        installed = venv.run(venv.rillet, "install", REPO_ROOT / "plugins" / plugin)
        assert installed.returncode == 0, installed.stdout + installed.stderr
        after = venv.providers()
        assert set(after) == {"replay", *names}, (plugin, sorted(after))
        assert {after[name]["plugin"] for name in names} == {f"rillet-{plugin}"}
        if plugin == "openai":
            played = venv.run(venv.rillet, *demo)
            assert played.returncode == 0, played.stderr
            assert played.stdout.startswith("The sky looks blue")
        removed = venv.run(venv.rillet, "uninstall", "-y", f"rillet-{plugin}")
        assert removed.returncode == 0, removed.stdout + removed.stderr
        assert set(venv.providers()) == {"replay"}, plugin


@journey
def test_a_scaffolded_plugin_of_each_wire_family_installs_appears_passes_the_kit_and_replays(venv: Venv, tmp_path: Path) -> None:
    """The third-party journey, once per wire family in one environment: `rillet plugin new
    --wire`, pip install it, see it listed, run its tests, replay its cassettes, uninstall."""
    from rillet.scaffold import WIRES

    for wire, family in WIRES.items():
        name = f"acme-{wire}"
        made = venv.run(venv.rillet, "plugin", "new", name, "--wire", wire, "--directory", tmp_path)
        assert made.returncode == 0, made.stderr
        package = tmp_path / f"rillet-{name}"

        installed = venv.run(venv.rillet, "install", package)
        assert installed.returncode == 0, installed.stdout + installed.stderr
        listed = venv.providers()[name]
        assert listed["plugin"] == f"rillet-{name}" and listed["key"]["env_var"] == f"{name.replace('-', '_').upper()}_API_KEY"

        tested = venv.run(venv.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=package)
        summary = tested.stdout.strip().splitlines()[-1]
        assert tested.returncode == 0, (wire, tested.stdout[-3000:])
        assert " passed" in summary and "skipped" not in summary, (wire, summary)

        for stem, last_line in (("text", f"[end] stop ({family.raw_stop})"), ("tool_call", f"[end] tool_calls ({family.raw_tool_calls})")):
            replayed = venv.run(venv.rillet, "replay", package / "cassettes" / f"{name}_{stem}.yaml", "--split-seed", "3")
            assert replayed.returncode == 0, (wire, replayed.stderr)
            assert f"-> 200 ({name})" in replayed.stdout and replayed.stdout.strip().splitlines()[-1] == last_line, (wire, replayed.stdout)

        removed = venv.run(venv.rillet, "uninstall", "-y", f"rillet-{name}")
        assert removed.returncode == 0, removed.stdout + removed.stderr
        assert name not in venv.providers()
