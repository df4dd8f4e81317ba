"""``rillet install`` / ``rillet uninstall``: pip, in the environment rillet runs in.

Neither command loads plugins, so they work even when an installed plugin is broken —
which is exactly when you need ``rillet uninstall``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import click

__all__ = ["install", "uninstall", "pip_command"]


def pip_command(*arguments: str) -> list[str]:
    """``python -m pip ARGUMENTS`` with the interpreter running rillet."""
    return [sys.executable, "-m", "pip", *arguments]


def _run_pip(command: list[str]) -> int:
    return subprocess.call(command)


def _pip(*arguments: str) -> None:
    if importlib.util.find_spec("pip") is None:
        click.echo(
            f"Error: pip is not installed in rillet's environment ({sys.executable}); "
            f"run `{sys.executable} -m ensurepip` first",
            err=True,
        )
        raise click.exceptions.Exit(1)
    code = _run_pip(pip_command(*arguments))
    if code:
        raise click.exceptions.Exit(code)


@click.command()
@click.argument("packages", nargs=-1, metavar="PKG...")
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade the packages to the newest version.  [default: off]")
@click.option(
    "-e",
    "--editable",
    "editables",
    multiple=True,
    metavar="PATH",
    help="Install the project at PATH in editable mode (repeatable).  [default: none]",
)
@click.option("--force-reinstall", is_flag=True, help="Reinstall even if already up to date.  [default: off]")
@click.option("--no-cache-dir", is_flag=True, help="Do not use pip's cache.  [default: use it]")
@click.option("-v", "--verbose", is_flag=True, help="Show pip's progress, not only its warnings and errors.  [default: off]")
def install(
    packages: tuple[str, ...], upgrade: bool, editables: tuple[str, ...], force_reinstall: bool, no_cache_dir: bool, verbose: bool
) -> None:
    """Install plugins (or any package) into rillet's own environment with pip.

    Runs `python -m pip install` with the Python rillet runs on, so the plugin lands
    where rillet can find it even when rillet was installed with pipx or in a venv.
    pip's warnings and errors are shown, its progress only with --verbose. rillet's own
    plugins are not on PyPI yet: install them from a clone of rillet (their directories
    under plugins/) or from the wheels `bash scripts/release.sh` builds in dist/.

    \b
    Examples:
      rillet install ./plugins/anthropic
      rillet install -U ./plugins/openai ./plugins/ollama
      rillet install dist/rillet_gemini-0.1.0-py3-none-any.whl
      rillet install -e ./plugins/openai
    """
    if not packages and not editables:
        raise click.UsageError("name at least one package (or -e PATH)")
    arguments = ["install"] if verbose else ["install", "--quiet"]
    if upgrade:
        arguments.append("--upgrade")
    if force_reinstall:
        arguments.append("--force-reinstall")
    if no_cache_dir:
        arguments.append("--no-cache-dir")
    for path in editables:
        arguments += ["--editable", path]
    _pip(*arguments, *packages)
    click.echo(f"Installed {', '.join([*editables, *packages])}; `rillet providers` lists the providers.", err=True)


@click.command()
@click.argument("packages", nargs=-1, required=True, metavar="PKG...")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.  [default: ask]")
def uninstall(packages: tuple[str, ...], yes: bool) -> None:
    """Uninstall plugins (or any package) from rillet's own environment with pip.

    Works even when a plugin is broken: no plugin is loaded to run it.

    \b
    Examples:
      rillet uninstall rillet-openai
      rillet uninstall -y rillet-anthropic rillet-gemini
    """
    _pip("uninstall", *(["--yes"] if yes else []), *packages)
