"""``rillet serve``: run the streaming gateway with uvicorn."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

__all__ = ["serve"]


@click.command(short_help="Serve every installed provider over the OpenAI and Anthropic APIs.")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to bind; 0.0.0.0 opens it to the network.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The port to bind.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 256), help="Worker processes sharing the port.")
@click.option(
    "--route", "routes", multiple=True, metavar="NAME=MODEL[,MODEL…]",
    help="A model name clients may ask for, served by the first of its models that starts (repeatable).  [default: none]",
)
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="A TOML file with routes and settings; options win over it.  [default: none]")
@click.option(
    "--api-key", envvar="RILLET_SERVE_KEY", show_envvar=True, default=None,
    help="Require this key from clients (Authorization: Bearer … or x-api-key).  [default: none, open]",
)
@click.option("--replay-dir", type=click.Path(file_okay=False, exists=True), help="Serve cassettes under this folder as replay/PATH#N.  [default: bundled demos only]")
@click.option("--keep-alive", type=click.FloatRange(min=0.01), default=None, help="Seconds between keep-alive comments while the first token is slow.  [default: 15]")
@click.option("--first-token-timeout", type=click.FloatRange(min=0.01), default=None, help="Seconds before falling back to a route's next model.  [default: none]")
@click.option("--max-body-bytes", type=click.IntRange(min=1), default=None, help="The largest request body accepted.  [default: 8388608]")
@click.option("--upstream-retries", type=click.IntRange(min=0), default=None, help="Re-sends of a failed upstream request before its first event.  [default: 0: answer or fall back at once]")
@click.option("--cors-origin", "cors_origins", multiple=True, help="Allow browser requests from this origin (repeatable).  [default: CORS off]")
@click.option("--log-level", default="info", show_default=True, type=click.Choice(["critical", "error", "warning", "info", "debug"]), help="How much uvicorn logs (requests at info).")
def serve(
    host: str,
    port: int,
    workers: int,
    routes: tuple[str, ...],
    config_file: Path | None,
    api_key: str | None,
    replay_dir: str | None,
    keep_alive: float | None,
    first_token_timeout: float | None,
    max_body_bytes: int | None,
    upstream_retries: int | None,
    cors_origins: tuple[str, ...],
    log_level: str,
) -> None:
    """Serve POST /v1/chat/completions, /v1/messages, /v1/responses and GET /v1/models in
    front of every installed provider, streaming each token as it arrives.

    Any OpenAI or Anthropic client can reach any provider: the model is PROVIDER/MODEL or
    a --route name. Binds to 127.0.0.1 unless told otherwise.

    \b
    Examples:
      rillet serve
      rillet serve --route fast=openai/gpt-4o-mini,anthropic/claude-haiku-4-5
      rillet serve --host 0.0.0.0 --workers 4 --api-key "$GATEWAY_KEY"
      curl -N localhost:8000/v1/chat/completions -d '{"model": "replay/demo", "stream": true,
           "messages": [{"role": "user", "content": "hi"}]}'
    """
    try:
        import uvicorn  # noqa: F401
        import starlette  # noqa: F401
    except ImportError:
        raise click.UsageError("rillet serve needs the serve extra: pip install 'rillet[serve]'") from None
    from ..serve import GatewayConfig, parse_route

    settings: dict[str, Any] = {
        "routes": dict(parse_route(route) for route in routes),
        "api_key": api_key,
        "replay_dir": replay_dir,
        "keep_alive": keep_alive,
        "first_token_timeout": first_token_timeout,
        "max_body_bytes": max_body_bytes,
        "upstream_retries": upstream_retries,
        "cors_origins": cors_origins or None,
    }
    if config_file is not None:
        config = GatewayConfig.from_toml(config_file, **settings)
    else:
        config = GatewayConfig(**{name: value for name, value in settings.items() if value is not None})
    os.environ["RILLET_SERVE_CONFIG"] = config.to_env()
    shown = "0.0.0.0 (every interface)" if host == "0.0.0.0" else host
    click.echo(f"rillet gateway on http://{host}:{port} — binding {shown}; models: GET /v1/models", err=True)
    import uvicorn

    from ..serve._uvicorn import HTTPProtocol

    uvicorn.run(
        "rillet.serve._uvicorn:serving_app", factory=True, host=host, port=port, workers=workers,
        log_level=log_level, timeout_graceful_shutdown=5, http=HTTPProtocol,
    )
