"""What a gateway serves: routes with fallback models, the client key, replay, limits."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .._errors import ConfigurationError

__all__ = ["GatewayConfig", "parse_route"]

#: The environment variable ``rillet serve --workers N`` hands the configuration through.
CONFIG_ENV_VAR = "RILLET_SERVE_CONFIG"


def parse_route(text: str) -> tuple[str, tuple[str, ...]]:
    """``"fast=openai/gpt-4o-mini,anthropic/claude-haiku-4-5"`` → ``("fast", (…, …))``."""
    name, equals, models = text.partition("=")
    targets = tuple(model.strip() for model in models.split(",") if model.strip())
    if not equals or not name.strip() or not targets:
        raise ConfigurationError(
            f"route {text!r} is not NAME=PROVIDER/MODEL[,PROVIDER/MODEL…] "
            "(e.g. fast=openai/gpt-4o-mini,anthropic/claude-haiku-4-5)"
        )
    for target in targets:
        if "/" not in target:
            raise ConfigurationError(f"route {name.strip()!r}: {target!r} is not PROVIDER/MODEL")
    return name.strip(), targets


@dataclass(frozen=True)
class GatewayConfig:
    """The gateway's settings. It keeps no other state: any number of workers or machines
    with the same configuration serve the same traffic.

    Attributes:
        routes: a client model name → the models to try in order. A retryable failure or a
            first-token timeout *before anything reached the client* moves to the next one.
        api_key: when set, clients must send it (``Authorization: Bearer …`` or
            ``x-api-key``); compared in constant time.
        replay_dir: the ``replay`` provider serves cassettes under this folder
            (``replay/<path relative to it>#N``); unset, only rillet's bundled demos.
        keep_alive: seconds between SSE comments while the first event is slow.
        first_token_timeout: seconds to wait for a model's first event before falling back
            to the next model of its route (``None``: the model's own timeouts decide).
        max_body_bytes: the largest request body accepted (413 beyond).
        upstream_retries: re-sends of a failed upstream request before its first event.
            ``0`` by default: the gateway answers at once (a 429 with its ``Retry-After``)
            or falls back to the route's next model, instead of holding the client while
            it waits.
        cors_origins: origins allowed by CORS; empty, CORS is off.
    """

    routes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    api_key: str | None = field(default=None, repr=False)
    replay_dir: str | None = None
    keep_alive: float = 15.0
    first_token_timeout: float | None = None
    max_body_bytes: int = 8 * 1024 * 1024
    upstream_retries: int = 0
    cors_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.keep_alive <= 0:
            raise ConfigurationError(f"keep_alive must be a positive number of seconds, not {self.keep_alive!r}")
        if self.upstream_retries < 0:
            raise ConfigurationError(f"upstream_retries must be 0 or more, not {self.upstream_retries!r}")
        if self.max_body_bytes <= 0:
            raise ConfigurationError(f"max_body_bytes must be positive, not {self.max_body_bytes!r}")
        if self.replay_dir is not None and not Path(self.replay_dir).is_dir():
            raise ConfigurationError(f"--replay-dir {self.replay_dir!r} is not a folder")

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str], **overrides: Any) -> GatewayConfig:
        """Read a TOML file::

            api_key_env = "RILLET_SERVE_KEY"   # or api_key = "…" (prefer the environment)
            replay_dir = "cassettes"
            keep_alive = 15
            first_token_timeout = 10
            cors_origins = ["http://localhost:3000"]

            [routes]
            fast = ["openai/gpt-4o-mini", "anthropic/claude-haiku-4-5"]

        Keyword ``overrides`` (from the command line) win over the file.
        """
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            import tomli as tomllib
        try:
            data = tomllib.loads(Path(path).read_text())
        except OSError as exc:
            raise ConfigurationError(f"cannot read the gateway config {os.fspath(path)!r}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"the gateway config {os.fspath(path)!r} is not valid TOML: {exc}") from None
        routes = data.pop("routes", {})
        if not isinstance(routes, dict) or not all(
            isinstance(models, list) and models and all(isinstance(m, str) for m in models) for models in routes.values()
        ):
            raise ConfigurationError(f"{os.fspath(path)}: [routes] maps names to lists of PROVIDER/MODEL strings")
        key_env = data.pop("api_key_env", None)
        if key_env and "api_key" not in data:
            data["api_key"] = os.environ.get(key_env)
        if "cors_origins" in data:
            data["cors_origins"] = tuple(data["cors_origins"])
        known = set(cls.__dataclass_fields__) - {"routes"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigurationError(f"{os.fspath(path)}: unknown setting(s) {', '.join(unknown)}")
        settings: dict[str, Any] = {**data, "routes": {n: tuple(m) for n, m in routes.items()}}
        for name, value in overrides.items():
            if name == "routes":
                settings["routes"] = {**settings["routes"], **value}
            elif value is not None:
                settings[name] = value
        for name, models in settings["routes"].items():
            parse_route(f"{name}={','.join(models)}")
        return cls(**settings)

    def to_env(self) -> str:
        """The configuration as JSON, for worker processes (see :meth:`from_env`)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> GatewayConfig:
        """The configuration a ``rillet serve`` parent process handed to this worker."""
        raw = os.environ.get(CONFIG_ENV_VAR)
        if not raw:
            return cls()
        data = json.loads(raw)
        data["routes"] = {name: tuple(models) for name, models in data["routes"].items()}
        data["cors_origins"] = tuple(data["cors_origins"])
        return cls(**data)
