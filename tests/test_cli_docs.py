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
