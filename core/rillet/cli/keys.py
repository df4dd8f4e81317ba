"""``rillet keys``: store, show and list API keys (a JSON file readable by its owner only)."""

from __future__ import annotations

import io
import sys

import click

from .output import is_tty

__all__ = ["keys"]


@click.group()
def keys() -> None:
    """Manage the API keys rillet stores for providers.

    A key given with --key, or in the provider's environment variable, wins over a stored
    one. The keys file is created readable by its owner only (mode 0600, in a 0700
    directory; a symbolic link there is refused); `rillet keys list` never prints a key.

    \b
    Examples:
      rillet keys set anthropic            prompts for the key (hidden input)
      rillet keys set openai --value sk-…  non-interactive
      rillet keys list
      rillet keys path
    """


@keys.command(name="set")
@click.argument("provider")
@click.option(
    "--value",
    metavar="KEY",
    help="The key; without it the key is read from piped stdin, or prompted for (hidden) on a terminal.  [default: stdin or prompt]",
)
@click.option(
    "--force",
    is_flag=True,
    help="Store the key even when no installed provider is called PROVIDER.  [default: off]",
)
def set_key(provider: str, value: str | None, force: bool) -> None:
    """Store the API key of PROVIDER.

    The key comes from --value, else from stdin when it is piped (`echo KEY | rillet keys
    set …`), else from a hidden prompt on the terminal. PROVIDER must be an installed
    provider (`rillet providers`) unless --force is given.

    \b
    Examples:
      rillet keys set anthropic
      echo "$OPENAI_API_KEY" | rillet keys set openai
      rillet keys set openai --value "$OPENAI_API_KEY"
      rillet keys set mistral --force      a provider whose plugin is not installed yet
    """
    from .._keys import save_key

    if not force:
        _require_installed(provider)
    value = _read_key(provider) if value is None else value.strip()
    if not value:
        raise click.BadParameter("the key is empty", param_hint="--value")
    path = save_key(provider, value)
    click.echo(f"Saved the key for {provider} in {path}", err=True)


def _require_installed(provider: str) -> None:
    """Refuse a provider name no installed plugin serves (a typo would store a key nobody reads)."""
    import difflib

    from .._discovery import providers

    installed = list(providers())
    if provider in installed:
        return
    close = difflib.get_close_matches(provider, installed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise click.BadParameter(
        f"no installed provider is called {provider!r} (installed: {', '.join(installed) or 'none'}); "
        f"{hint}pass --force to store the key anyway",
        param_hint="PROVIDER",
    )


def _read_key(provider: str) -> str:
    """The key from piped stdin, else from a hidden prompt on the terminal.

    Piped input always wins, even when a terminal is attached; the prompt reads the terminal
    itself, so no "input may be echoed" warning is ever printed.
    """
    stdin = sys.stdin or io.StringIO()  # no stdin at all reads as empty
    if not is_tty(stdin):
        lines = [line.strip() for line in stdin.read().splitlines() if line.strip()]
        if len(lines) > 1:
            raise click.BadParameter(f"stdin holds {len(lines)} lines; pipe the key alone", param_hint="stdin")
        return lines[0] if lines else ""
    return str(click.prompt(f"Enter the API key for {provider}", hide_input=True, err=True)).strip()


@keys.command(name="get")
@click.argument("provider")
def get_key(provider: str) -> None:
    """Print the stored API key of PROVIDER (the key itself, on stdout).

    \b
    Examples:
      rillet keys get anthropic
      export ANTHROPIC_API_KEY=$(rillet keys get anthropic)
    """
    from .._keys import keys_path, load_keys

    stored = load_keys().get(provider)
    if stored is None:
        click.echo(f"Error: no key stored for {provider} in {keys_path()}; run `rillet keys set {provider}`", err=True)
        raise click.exceptions.Exit(1)
    click.echo(stored)


@keys.command(name="list")
def list_keys() -> None:
    """List the providers that have a stored key (names only, never a key).

    \b
    Examples:
      rillet keys list
    """
    from .._keys import load_keys

    for name in sorted(load_keys()):
        click.echo(name)


@keys.command(name="path")
def keys_file_path() -> None:
    """Print the path of the keys file ($RILLET_HOME/keys.json or ~/.config/rillet/keys.json).

    \b
    Examples:
      rillet keys path
    """
    from .._keys import keys_path

    click.echo(str(keys_path()))
