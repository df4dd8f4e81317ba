"""Rewrite the help blocks of docs/cli.md from the commands' own ``--help``.

::

    .venv/bin/python scripts/cli_reference.py          # rewrite docs/cli.md
    .venv/bin/python scripts/cli_reference.py --check  # exit 1 if it is out of date

Each ``## rillet COMMAND`` section's ```` ```text ```` block is replaced by the help text
at 100 columns; the prose around the blocks is left as it is.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from click.testing import CliRunner

from rillet.cli import cli

CLI_DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
SECTION = re.compile(r"(^## (rillet[^\n]*)\n\n```text\n)(.*?)(^```)", re.S | re.M)


def help_text(command: str) -> str:
    """``rillet … --help`` as a person sees it at 100 columns."""
    words = command.split()[1:]
    result = CliRunner().invoke(cli, [*words, "--help"], prog_name="rillet", terminal_width=100, env={"COLUMNS": "100"})
    if result.exit_code != 0:
        raise SystemExit(f"{command} --help failed: {result.output}")
    return result.output


def regenerate(text: str) -> str:
    """``text`` with every help block rewritten."""
    return SECTION.sub(lambda match: match.group(1) + help_text(match.group(2)) + match.group(4), text)


def main(argv: list[str]) -> int:
    current = CLI_DOC.read_text()
    fresh = regenerate(current)
    if "--check" in argv:
        if fresh != current:
            print("docs/cli.md is out of date: run scripts/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    CLI_DOC.write_text(fresh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
