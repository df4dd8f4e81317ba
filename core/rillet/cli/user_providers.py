"""``rillet providers add`` and ``rillet providers remove``: OpenAI-compatible servers of your own."""

from __future__ import annotations

import click

from ._common import debug_option

__all__ = ["add", "remove"]


@click.command()
@click.argument("name")
@click.option("--base-url", required=True, metavar="URL", help="The server's base URL, e.g. https://llm.example.com/v1.  [required; no default]")
@click.option(
    "--key-env-var",
    metavar="VAR",
    help="The environment variable holding its API key (`rillet keys set NAME` also works).  [default: none: no key is sent]",
)
@click.option("--model", "models", multiple=True, metavar="MODEL", help="A model to list in `rillet models`; repeatable.  [default: none]")
@debug_option
def add(name: str, base_url: str, key_env_var: str | None, models: tuple[str, ...]) -> None:
    """Add an OpenAI-compatible server as provider NAME, served through Chat Completions.

    NAME/MODEL then streams from BASE_URL/chat/completions with the key in VAR (any model
    id is passed as given). Adding a name again replaces it. The list is kept in
    providers.json in rillet's config directory ($RILLET_HOME, else ~/.config/rillet);
    rillet-openai serves it.

    \b
    Examples:
      rillet providers add work --base-url https://llm.example.com/v1 --key-env-var WORK_LLM_KEY
      rillet providers add gpu --base-url http://gpu-box:8000/v1 --model qwen2.5-72b
      rillet chat -m work/my-model "hi"
    """
    from .._discovery import providers as installed_providers
    from .._discovery import reset_plugins
    from .._errors import ConfigurationError
    from .._urls import check_base_url
    from .._user_providers import UserProvider, check_provider_name, load_user_providers, save_user_provider

    try:
        check_provider_name(name)
    except ConfigurationError as exc:
        raise click.BadParameter(exc.message, param_hint="NAME") from None
    try:
        url = check_base_url(base_url if "://" in base_url else "http://" + base_url, needs_host=True).rstrip("/")
    except ConfigurationError as exc:
        raise click.BadParameter(exc.message, param_hint="--base-url") from None
    ours = {provider.name for provider in load_user_providers()}
    installed = installed_providers()
    if name in installed and name not in ours:
        raise click.BadParameter(
            f"{name!r} is already a provider ({installed[name].description or installed[name].plugin}); choose another name",
            param_hint="NAME",
        )
    path = save_user_provider(UserProvider(name=name, base_url=url, key_env_var=key_env_var or None, models=models))
    reset_plugins()
    if "openai" not in installed_providers():
        click.echo(f"Note: rillet-openai serves added providers and is not installed; install it to use {name}/…", err=True)
    key = f", key from ${key_env_var}" if key_env_var else ", no key"
    click.echo(f"Added provider {name}: {url}{key} (saved in {path}). Try: rillet chat -m {name}/MODEL \"hi\"")


@click.command()
@click.argument("name")
@debug_option
def remove(name: str) -> None:
    """Remove provider NAME added with `rillet providers add`.

    \b
    Examples:
      rillet providers remove work
    """
    from .._discovery import reset_plugins
    from .._user_providers import load_user_providers, remove_user_provider

    removed = remove_user_provider(name)
    reset_plugins()
    if not removed:
        added = ", ".join(provider.name for provider in load_user_providers()) or "none"
        raise click.BadParameter(f"no provider {name!r} was added with `rillet providers add` (added: {added})", param_hint="NAME")
    click.echo(f"Removed provider {name}.")
