"""``rillet plugin new``: scaffold a provider plugin package."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["plugin"]


@click.group()
def plugin() -> None:
    """Write a new provider plugin (`rillet plugins` lists the installed ones).

    \b
    Examples:
      rillet plugin new mistral --base-url https://api.mistral.ai/v1
    """


@plugin.command("new", short_help="Create a provider plugin package that passes the conformance kit.")
@click.argument("name")
@click.option(
    "--directory", "-d", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True, metavar="DIR",
    help="Where to create the rillet-NAME package directory.",
)
@click.option(
    "--wire", type=click.Choice(["openai-compatible", "sse-events", "ndjson", "json-array"]), default="openai-compatible",
    show_default=True, help="How the provider streams: OpenAI-style `data:` chunks, named SSE events (Anthropic style), "
    "NDJSON (Ollama style) or a streamed JSON array (Gemini style).",
)
@click.option("--base-url", default="", metavar="URL", help="The provider's API root; the stream's path is appended.  [default: https://api.NAME.example/v1]")
@click.option("--key-env-var", default="", metavar="VAR", help="The environment variable holding the API key.  [default: NAME_API_KEY]")
@click.option("--model", default="", metavar="MODEL", help="The model the scenarios and examples use.  [default: NAME-chat]")
def new(name: str, directory: Path, wire: str, base_url: str, key_env_var: str, model: str) -> None:
    """Create the package rillet-NAME: a request builder, a decoder, hand-written cassettes
    and a conformance test class that passes as generated.

    \b
    Examples:
      rillet plugin new mistral --base-url https://api.mistral.ai/v1 --model mistral-small-latest
      rillet plugin new llama-box --wire ndjson --base-url http://localhost:11434
      cd rillet-mistral && pip install -e '.[test]' && pytest
    """
    from ..scaffold import PluginSpec, create_plugin

    spec = PluginSpec(name, base_url=base_url, key_env_var=key_env_var, model=model, wire=wire)
    target = create_plugin(spec, directory)
    count = sum(1 for path in target.rglob("*") if path.is_file())
    click.echo(f"Created {target} ({count} files) for provider {spec.name!r} at {spec.base_url}, wire {spec.wire}.")
    click.echo("Next:")
    click.echo(f"  cd {target}")
    click.echo("  pip install -e '.[test]'     # the plugin, rillet, pytest and vcrpy")
    click.echo("  pytest                       # the conformance kit over the generated cassettes")
    click.echo(f"  rillet providers             # {spec.name} is listed")
    click.echo("Then make request.py and decoder.py speak your API and record real cassettes (see README.md).")
