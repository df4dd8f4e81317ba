"""``rillet serve``: an OpenAI- and Anthropic-compatible streaming gateway over every
installed provider plugin.

::

    from rillet.serve import GatewayConfig, create_app
    app = create_app(GatewayConfig(routes={"fast": ("openai/gpt-4o-mini", "anthropic/claude-haiku-4-5")}))
    # uvicorn module:app

Needs the ``serve`` extra (``pip install 'rillet[serve]'``: starlette and uvicorn). The
gateway keeps no state between requests, so any number of workers or machines with the
same configuration serve the same traffic behind a load balancer.
"""

from __future__ import annotations

from ._app import create_app
from ._config import GatewayConfig, parse_route

__all__ = ["GatewayConfig", "app_from_environment", "create_app", "parse_route"]


def app_from_environment() -> object:
    """The app of a ``rillet serve --workers N`` worker: its configuration comes from the
    parent process through ``RILLET_SERVE_CONFIG``."""
    return create_app(GatewayConfig.from_env())
