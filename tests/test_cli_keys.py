"""``rillet keys set/get/list/path``."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest
from cli_support import run

from rillet.cli import keys as keys_module


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


def test_set_prompts_with_hidden_input_on_a_terminal(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys_module, "is_tty", lambda stream: True)
    result = run("keys", "set", "openai", input="sk-typed-SECRET-2\n")
    assert result.exit_code == 0, result.output
    assert "Enter the API key for openai" in result.stderr
    assert "sk-typed-SECRET-2" not in result.output  # hidden: not echoed
    assert json.loads((home / "keys.json").read_text()) == {"openai": "sk-typed-SECRET-2"}


def test_set_reads_a_piped_key_without_prompting(home: Path) -> None:
    result = run("keys", "set", "openai", input="  sk-piped-SECRET-7  \n")
    assert result.exit_code == 0, result.output
    assert "Enter the API key" not in result.output
    assert "sk-piped-SECRET-7" not in result.output
    assert json.loads((home / "keys.json").read_text()) == {"openai": "sk-piped-SECRET-7"}


def test_set_refuses_several_piped_lines(home: Path) -> None:
    result = run("keys", "set", "openai", input="sk-one\nsk-two\n")
    assert result.exit_code == 2
    assert "pipe the key alone" in result.stderr and "sk-one" not in result.output
    assert not (home / "keys.json").exists()


def _rillet_with_a_controlling_terminal(home: Path, stdin_text: str) -> tuple[int, str]:
    """Run ``rillet keys set anthropic`` in a new session whose controlling terminal is a
    pseudo-terminal (so /dev/tty exists, as when a person types the command), stdin piped."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    follower_name = os.ttyname(follower)

    def attach_terminal() -> None:  # runs in the child after setsid(): the first tty opened becomes controlling
        os.close(os.open(follower_name, os.O_RDWR))

    process = subprocess.Popen(
        [sys.executable, "-c", "from rillet.cli import main; main()", "keys", "set", "anthropic"],
        stdin=subprocess.PIPE,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
        preexec_fn=attach_terminal,
        env={**os.environ, "RILLET_HOME": str(home)},
    )
    os.close(follower)
    try:
        process.communicate(stdin_text.encode(), timeout=20)
    except subprocess.TimeoutExpired:  # the old behaviour: waiting for a typed key on /dev/tty
        process.kill()
        process.wait()
    output = b""
    while True:
        try:
            piece = os.read(leader, 4096)
        except OSError:
            break
        if not piece:
            break
        output += piece
    os.close(leader)
    return process.returncode, output.decode(errors="replace")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux pseudo-terminals")
def test_piped_stdin_wins_over_an_attached_terminal_and_prints_no_warning(home: Path) -> None:
    code, output = _rillet_with_a_controlling_terminal(home, "sk-ant-PIPED-SECRET-8\n")
    assert code == 0, output
    assert json.loads((home / "keys.json").read_text()) == {"anthropic": "sk-ant-PIPED-SECRET-8"}
    assert "Enter the API key" not in output
    assert "Warning" not in output and "echoed" not in output


def test_set_refuses_a_provider_nobody_serves(home: Path) -> None:
    result = run("keys", "set", "anthropicc", "--value", "sk-x")
    assert result.exit_code == 2
    assert "no installed provider is called 'anthropicc'" in result.stderr
    assert "did you mean 'anthropic'?" in result.stderr and "--force" in result.stderr
    assert not (home / "keys.json").exists()


def test_set_with_force_stores_a_key_for_a_provider_not_installed(home: Path) -> None:
    result = run("keys", "set", "nosuchprovider", "--force", "--value", "sk-x")
    assert result.exit_code == 0, result.output
    assert json.loads((home / "keys.json").read_text()) == {"nosuchprovider": "sk-x"}


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


@pytest.mark.parametrize(
    ("content", "problem"),
    [('{"openai": "sk-openai-SECRET-9"', "is not valid JSON"), ('["sk-openai-SECRET-9"]', "holds a JSON list")],
    ids=["not-json", "not-an-object"],
)
@pytest.mark.parametrize("command", [("keys", "list"), ("keys", "set", "openai", "--value", "sk-new"), ("providers",)])
def test_a_damaged_keys_file_is_named_and_left_alone(home: Path, content: str, problem: str, command: tuple[str, ...]) -> None:
    home.mkdir(parents=True)
    (home / "keys.json").write_text(content)
    result = run(*command)
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "unexpected" not in line
    assert line.startswith(f"Error: the keys file {home / 'keys.json'} {problem}")
    assert "SECRET" not in result.output
    assert (home / "keys.json").read_text() == content  # not overwritten
