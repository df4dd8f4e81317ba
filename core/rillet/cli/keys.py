"""``rillet keys``: store, show and list API keys (a JSON file readable by its owner only)."""

from __future__ import annotations

import click

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
    help="The key; without it you are prompted (input hidden, or read from piped stdin).  [default: prompt]",
)
def set_key(provider: str, value: str | None) -> None:
    """Store the API key of PROVIDER.

    \b
    Examples:
      rillet keys set anthropic
      rillet keys set openai --value "$OPENAI_API_KEY"
    """
    from .._keys import save_key

    if value is None:
        value = click.prompt(f"Enter the API key for {provider}", hide_input=True, err=True)
    value = value.strip()
    if not value:
        raise click.BadParameter("the key is empty", param_hint="--value")
    path = save_key(provider, value)
    click.echo(f"Saved the key for {provider} in {path}", err=True)


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
