"""``rillet conformance``: check that a server streams the wire format it claims."""

from __future__ import annotations

import json
import os

import click

__all__ = ["conformance"]


@click.command(short_help="Check a server that claims OpenAI or Anthropic compatibility.")
@click.argument("url")
@click.option(
    "--format", "server_format", default="openai-chat", show_default=True,
    type=click.Choice(["openai-chat", "anthropic-messages", "openai-responses"]), help="The wire format the server claims.",
)
@click.option("--model", "-m", required=True, help="The model to ask for (required: there is no default).")
@click.option("--tools-model", default=None, help="The model to ask for the tool call.  [default: --model]")
@click.option("--key-env-var", default=None, metavar="VAR", help="Send the key in this environment variable, the format's way.  [default: no key]")
@click.option("--timeout", default=60.0, show_default=True, type=click.FloatRange(min=0.1), help="Seconds to wait for each answer.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.  [default: text]")
def conformance(
    url: str, server_format: str, model: str, tools_model: str | None, key_env_var: str | None, timeout: float, as_json: bool
) -> None:
    """Play a fixed set of requests (a text answer with usage asked for, a tool call, a
    bad request) against the server at URL and check its streamed answers frame by frame
    and through rillet's own decoder. Exits 1 when a check fails, naming it.

    \b
    Examples:
      rillet conformance http://127.0.0.1:8000 --format openai-chat -m replay/demo
      rillet conformance http://localhost:8080/v1 --format anthropic-messages -m claude-haiku-4-5 --key-env-var ANTHROPIC_API_KEY
    """
    from .._errors import ConfigurationError
    from ..conformance import check_server

    key = None
    if key_env_var:
        key = os.environ.get(key_env_var)
        if not key:
            raise ConfigurationError(f"--key-env-var {key_env_var}: that variable is not set")
    report = check_server(url, server_format, model, tools_model=tools_model, key=key, timeout=timeout)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for line in report.lines():
            click.echo(line)
    if not report.ok:
        raise click.exceptions.Exit(1)
