"""``rillet providers``, ``rillet models`` and ``rillet plugins``: what is installed."""

from __future__ import annotations

import os
from typing import Any, Sequence

import click

from ._common import debug_option, echo_json

__all__ = ["key_status", "models", "plugins", "providers", "table"]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain left-aligned text table."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = []
    for row in [headers, *rows]:
        lines.append("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
    return "\n".join(lines)


def key_status(info: Any) -> dict[str, Any]:
    """Whether a key is set for ``info``, and where from — never the key itself."""
    from .._keys import load_keys

    if not info.needs_key:
        return {"needed": False, "set": False, "source": None, "env_var": None}
    if os.environ.get(info.key_env_var or ""):
        source = "env"
    elif load_keys().get(info.name):
        source = "keys file"
    else:
        source = None
    return {"needed": True, "set": source is not None, "source": source, "env_var": info.key_env_var}


def _key_text(status: dict[str, Any]) -> str:
    if not status["needed"]:
        return "not needed"
    if status["set"]:
        return f"set ({status['env_var']})" if status["source"] == "env" else "set (keys file)"
    return f"missing ({status['env_var']})"


def _capabilities(info: Any) -> list[str]:
    """The provider's capabilities, then those only some of its models have ("vision (some models)")."""
    default = info.capabilities.as_dict()
    some = {name for capabilities in info.model_capabilities.values() for name, present in capabilities.as_dict().items() if present}
    return [name for name, present in default.items() if present] + [
        f"{name} (some models)" for name in default if name in some and not default[name]
    ]


def _failed_as_dicts(failed: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"name": f.name, "distribution": f.distribution, "error": f.error} for f in failed]


def _echo_failed(failed: Sequence[Any]) -> None:
    """Every command reports failed plugins the same way: on stderr, with the import
    traceback under ``--debug`` (JSON output lists them under ``"failed"`` instead)."""
    if not failed:
        return
    import traceback

    from ._common import debug_requested

    debug = debug_requested(click.get_current_context(silent=True))
    click.echo("\nFailed plugins (skipped; `rillet plugins --debug` shows the tracebacks):", err=True)
    for item in failed:
        distribution = f" ({item.distribution})" if item.distribution else ""
        click.echo(f"  {item.name}{distribution}: {item.error}", err=True)
        if debug and item.exception is not None:
            click.echo("".join(traceback.format_exception(item.exception)).rstrip(), err=True)


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.  [default: table]")
@debug_option
@click.pass_context
def providers(context: click.Context, as_json: bool) -> None:
    """List the installed providers: plugin, models, key, capabilities.

    A key is reported as set or missing, never shown. Plugins that failed to load are
    listed with their error (on stderr after the table, under "failed" in JSON; --debug
    adds the import traceback). rillet-openai also serves OpenAI-compatible providers
    (deepseek, groq, mistral, openrouter, together, xai; local vllm, lmstudio, llamacpp)
    and any server you add with `rillet providers add`.

    \b
    Examples:
      rillet providers
      rillet providers --json | jq '.providers[].name'
      rillet providers add work --base-url https://llm.example.com/v1 --key-env-var WORK_LLM_KEY
    """
    if context.invoked_subcommand is not None:
        return
    from .._discovery import failed_plugins
    from .._discovery import providers as installed_providers

    infos = installed_providers()
    failed = failed_plugins()
    if as_json:
        echo_json(
            {
                "providers": [
                    {
                        "name": info.name,
                        "description": info.description,
                        "plugin": info.plugin,
                        "plugin_version": info.plugin_version,
                        "models": list(info.models),
                        "key": key_status(info),
                        "default_base_url": info.default_base_url or None,
                        "capabilities": info.capabilities.as_dict(),
                        "model_capabilities": {
                            pattern: capabilities.as_dict() for pattern, capabilities in info.model_capabilities.items()
                        },
                    }
                    for info in infos.values()
                ],
                "failed": _failed_as_dicts(failed),
            }
        )
        return
    rows = []
    for info in infos.values():
        plugin = " ".join(part for part in (info.plugin, info.plugin_version) if part) or "-"
        model_count = str(len(info.models)) if info.models else ("live" if _lists_live(info.name) else "any")
        rows.append([info.name, plugin, _key_text(key_status(info)), model_count, ", ".join(_capabilities(info)) or "-"])
    click.echo(table(["PROVIDER", "PLUGIN", "KEY", "MODELS", "CAPABILITIES"], rows))
    click.echo("\n`rillet models` lists the models; `rillet keys set PROVIDER` stores a key.")
    _echo_failed(failed)


def _lists_live(provider: str) -> bool:
    """Whether the plugin of ``provider`` can list its models live (``rillet_list_models``)."""
    from .._discovery import plugin_manager, provider_plugin

    name = provider_plugin(provider)
    plugin = plugin_manager().get_plugin(name) if name else None
    return plugin is not None and hasattr(plugin, "rillet_list_models")


def _live_models(info: Any, base_url: str | None) -> tuple[list[str] | None, str | None]:
    """(models, None) from the ``rillet_list_models`` hook, (None, None) when no plugin lists
    ``info`` live, (None, problem) when listing failed."""
    from .._discovery import plugin_manager
    from .._errors import ConnectError, RilletError
    from .._model import StreamingChatModel
    from .._redaction import redact_url

    url = StreamingChatModel(info, "", base_url=base_url).base_url
    shown = redact_url(url)
    try:
        listed = plugin_manager().hook.rillet_list_models(provider=info, base_url=url)
    except ConnectError as exc:
        return None, exc.message if shown in exc.message else f"no server is running at {shown} ({exc.message})"
    except RilletError as exc:
        return None, exc.message if shown in exc.message else f"cannot list the models at {shown}: {exc.message}"
    except Exception as exc:  # a plugin bug must not break `rillet models`
        return None, f"the plugin failed to list the models at {shown}: {type(exc).__name__}: {exc}"
    return (None if listed is None else [str(name) for name in listed]), None


@click.command()
@click.option("-p", "--provider", "provider_name", metavar="NAME", help="Only this provider's models.  [default: all]")
@click.option(
    "--base-url",
    metavar="URL",
    help="Where to list a live provider's models (with --provider).  [default: the provider's]",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of one model per line.  [default: text]")
@debug_option
def models(provider_name: str | None, base_url: str | None, as_json: bool) -> None:
    """List the models of every installed provider, as PROVIDER/MODEL, with their capabilities.

    A model's capabilities are its own where its plugin declares them (not every model of
    a provider takes images or reasons), else its provider's.
    Providers whose models live on a server (Ollama) are asked for them; when that server
    is not running you get a one-line note instead of the list. Any other model id is
    also passed to its provider as given.

    \b
    Examples:
      rillet models
      rillet models --provider ollama --base-url http://gpu-box:11434
      rillet models --json
    """
    from .._discovery import failed_plugins
    from .._discovery import providers as installed_providers
    from .._model import _unknown_provider

    infos = installed_providers()
    if base_url and not provider_name:
        raise click.UsageError("--base-url needs --provider")
    if provider_name:
        if provider_name not in infos:
            raise _unknown_provider(provider_name, infos)
        infos = {provider_name: infos[provider_name]}
    listed: list[dict[str, Any]] = []
    problems: list[dict[str, str]] = []
    for info in infos.values():
        live, problem = _live_models(info, base_url)
        if problem is not None:
            problems.append({"provider": info.name, "error": problem})
        for name in live if live is not None else info.models:
            listed.append(
                {
                    "id": f"{info.name}/{name}",
                    "provider": info.name,
                    "model": name,
                    "live": live is not None,
                    "capabilities": info.capabilities_for(name).as_dict(),
                }
            )
    if as_json:
        echo_json({"models": listed, "errors": problems, "failed": _failed_as_dicts(failed_plugins())})
    else:
        width = max((len(item["id"]) for item in listed), default=0)
        for item in listed:
            present = ", ".join(name for name, value in item["capabilities"].items() if value) or "-"
            click.echo(f"{item['id'].ljust(width)}  {present}")
        for failure in problems:
            click.echo(f"{failure['provider']}: {failure['error']}", err=True)
        _echo_failed(failed_plugins())
    if provider_name and problems:
        raise click.exceptions.Exit(1)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.  [default: table]")
@debug_option
def plugins(as_json: bool) -> None:
    """List the installed plugins (loaded and failed) with their distribution and version.

    Plugins that failed to load are listed with their error on stderr after the table
    (under "failed" in JSON); --debug adds the import traceback.

    \b
    Examples:
      rillet plugins
      rillet plugins --json
      RILLET_PLUGINS=anthropic rillet plugins     only the selected plugins are loaded
    """
    from .. import __version__
    from .._discovery import failed_plugins, loaded_plugins, plugin_manager
    from .._discovery import providers as installed_providers

    infos = installed_providers()  # may add plugins whose rillet_providers() raised
    manager = plugin_manager()
    rows: list[dict[str, Any]] = [
        {
            "name": "rillet",
            "distribution": "rillet",
            "version": __version__,
            "providers": [i.name for i in infos.values() if i.plugin == "rillet"],
            "hooks": _hooks(manager, "rillet.builtin"),
            "builtin": True,
        }
    ]
    for plugin in loaded_plugins():
        rows.append(
            {
                "name": plugin.name,
                "distribution": plugin.distribution,
                "version": plugin.version,
                "providers": [i.name for i in infos.values() if plugin.distribution and i.plugin == plugin.distribution],
                "hooks": _hooks(manager, plugin.name),
                "builtin": False,
            }
        )
    failed = failed_plugins()
    if as_json:
        echo_json({"loaded": rows, "failed": _failed_as_dicts(failed)})
        return
    click.echo(
        table(
            ["PLUGIN", "DISTRIBUTION", "VERSION", "PROVIDERS"],
            [
                [row["name"] + (" (core)" if row["builtin"] else ""), row["distribution"] or "-", row["version"] or "-", ", ".join(row["providers"]) or "-"]
                for row in rows
            ],
        )
    )
    _echo_failed(failed)


def _hooks(manager: Any, name: str) -> list[str]:
    plugin = manager.get_plugin(name)
    if plugin is None:
        return []
    return sorted(caller.name for caller in manager.get_hookcallers(plugin) or [])


def _register_subcommands() -> None:
    from .user_providers import add, remove

    providers.add_command(add)
    providers.add_command(remove)


_register_subcommands()
