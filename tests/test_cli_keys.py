"""``rillet keys set/get/list/path``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cli_support import run


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("RILLET_HOME", str(tmp_path / "rillet-home"))
    return tmp_path / "rillet-home"


def test_path(home: Path) -> None:
    result = run("keys", "path")
    assert result.exit_code == 0
    assert result.stdout == f"{home / 'keys.json'}\n"


def test_set_with_value_creates_private_file(home: Path) -> None:
    result = run("keys", "set", "anthropic", "--value", "sk-ant-SECRET-1")
    assert result.exit_code == 0, result.output
    path = home / "keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"anthropic": "sk-ant-SECRET-1"}
    assert "sk-ant-SECRET-1" not in result.output
    assert str(path) in result.stderr


def test_set_prompts_with_hidden_input(home: Path) -> None:
    result = run("keys", "set", "openai", input="sk-typed-SECRET-2\n")
    assert result.exit_code == 0, result.output
    assert "Enter the API key for openai" in result.stderr
    assert "sk-typed-SECRET-2" not in result.output  # hidden: not echoed
    assert json.loads((home / "keys.json").read_text()) == {"openai": "sk-typed-SECRET-2"}


def test_set_rejects_an_empty_key(home: Path) -> None:
    result = run("keys", "set", "openai", "--value", "  ")
    assert result.exit_code == 2
    assert "the key is empty" in result.stderr
    assert not (home / "keys.json").exists()


def test_list_shows_names_never_keys(home: Path) -> None:
    assert run("keys", "list").stdout == ""
    run("keys", "set", "openai", "--value", "sk-openai-SECRET-3")
    run("keys", "set", "anthropic", "--value", "sk-ant-SECRET-4")
    result = run("keys", "list")
    assert result.exit_code == 0
    assert result.stdout == "anthropic\nopenai\n"
    assert "SECRET" not in result.output


def test_get_prints_the_stored_key(home: Path) -> None:
    run("keys", "set", "anthropic", "--value", "sk-ant-SECRET-5")
    run("keys", "set", "anthropic", "--value", "sk-ant-SECRET-6")  # replaced
    result = run("keys", "get", "anthropic")
    assert result.exit_code == 0
    assert result.stdout == "sk-ant-SECRET-6\n"
    assert stat.S_IMODE((home / "keys.json").stat().st_mode) == 0o600


def test_get_of_a_missing_key_says_how_to_set_it(home: Path) -> None:
    result = run("keys", "get", "gemini")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "rillet keys set gemini" in result.stderr
