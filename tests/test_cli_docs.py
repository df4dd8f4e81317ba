"""docs/cli.md documents every built-in command."""

from __future__ import annotations

from pathlib import Path

from rillet.cli import cli

CLI_DOC = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()


def test_every_command_and_option_is_in_the_cli_reference() -> None:
    for name, command in cli.commands.items():
        assert f"## rillet {name}" in CLI_DOC, name
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("--"):
                    assert option in CLI_DOC, f"rillet {name} {option}"


def test_every_help_block_is_the_commands_current_help() -> None:
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "cli_reference.py"
    spec = importlib.util.spec_from_file_location("cli_reference", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.regenerate(CLI_DOC) == CLI_DOC, "docs/cli.md is out of date: run scripts/cli_reference.py"
