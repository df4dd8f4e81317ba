"""``rillet install`` / ``uninstall``: pip in rillet's own environment, no discovery needed."""

from __future__ import annotations

import sys
from typing import Iterator

import pytest
from cli_support import run

from rillet import _discovery
from rillet.cli import install as install_module


@pytest.fixture
def pip_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake_run(command: list[str]) -> int:
        calls.append(command)
        return 0

    monkeypatch.setattr(install_module, "_run_pip", fake_run)
    return calls


@pytest.fixture
def discovery_broken(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to load plugins fails loudly."""

    def explode() -> None:
        raise AssertionError("install/uninstall must not load plugins")

    monkeypatch.setattr(_discovery, "_load", explode)
    _discovery.reset_plugins()
    yield
    _discovery.reset_plugins()


def test_install_runs_pip_with_rillets_python(pip_calls: list[list[str]], discovery_broken: None) -> None:
    result = run("install", "./plugins/anthropic", "some-package")
    assert result.exit_code == 0, result.output
    assert pip_calls == [[sys.executable, "-m", "pip", "install", "--quiet", "./plugins/anthropic", "some-package"]]
    assert "Installed ./plugins/anthropic, some-package" in result.stderr


def test_install_options(pip_calls: list[list[str]]) -> None:
    result = run("install", "-U", "-e", "plugins/openai", "--no-cache-dir", "rillet-ollama")
    assert result.exit_code == 0, result.output
    assert pip_calls[-1] == [
        sys.executable, "-m", "pip", "install", "--quiet", "--upgrade", "--no-cache-dir", "--editable", "plugins/openai", "rillet-ollama",
    ]


def test_install_shows_pips_progress_only_when_verbose(pip_calls: list[list[str]]) -> None:
    assert run("install", "./plugins/ollama").exit_code == 0
    assert "--quiet" in pip_calls[-1]
    assert run("install", "--verbose", "./plugins/ollama").exit_code == 0
    assert "--quiet" not in pip_calls[-1]


def test_install_needs_a_package(pip_calls: list[list[str]]) -> None:
    result = run("install")
    assert result.exit_code == 2
    assert pip_calls == []


def test_uninstall_works_with_broken_discovery(pip_calls: list[list[str]], discovery_broken: None) -> None:
    result = run("uninstall", "-y", "rillet-openai")
    assert result.exit_code == 0, result.output
    assert pip_calls == [[sys.executable, "-m", "pip", "uninstall", "--yes", "rillet-openai"]]
    run("uninstall", "rillet-gemini")
    assert pip_calls[-1] == [sys.executable, "-m", "pip", "uninstall", "rillet-gemini"]


def test_pip_failure_is_the_exit_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(install_module, "_run_pip", lambda command: 3)
    assert run("install", "no-such-package-xyz").exit_code == 3
