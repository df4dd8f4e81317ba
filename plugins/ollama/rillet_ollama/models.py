"""The models an Ollama server has pulled, read live from ``GET /api/tags``."""

from __future__ import annotations

import json

from rillet.provider import ConnectError, RemoteProtocolError, StreamTimeoutError, join_url, redact_url

__all__ = ["list_models"]

#: Seconds to wait for a local server: it answers /api/tags at once or not at all.
TIMEOUT = 10.0


def _no_server(base_url: str) -> str:
    return (
        f"no Ollama server is running at {redact_url(base_url)}: start one with `ollama serve` "
        f"(install it from https://ollama.com/download), or set OLLAMA_HOST to where it listens"
    )


def list_models(base_url: str, *, timeout: float = TIMEOUT) -> list[str]:
    """The model names (``llama3.1:latest`` …) the server at ``base_url`` has pulled.

    Raises :class:`rillet.ConnectError` when no server answers, the typed HTTP error
    when it answers with an error, :class:`rillet.RemoteProtocolError` when the answer is
    not Ollama's ``{"models": [...]}``.
    """
    import httpx

    from .errors import error_from_response

    url = join_url(base_url, "api/tags")
    try:
        response = httpx.get(url, timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)))
    except httpx.ConnectError as exc:
        raise ConnectError(_no_server(base_url), provider="ollama") from exc
    except httpx.TimeoutException as exc:
        raise StreamTimeoutError(
            f"the Ollama server at {redact_url(base_url)} did not answer within {timeout:g}s; is `ollama serve` healthy?",
            phase="connect" if isinstance(exc, httpx.ConnectTimeout) else "total",
            provider="ollama",
        ) from exc
    except httpx.TransportError as exc:
        raise ConnectError(f"{_no_server(base_url)} ({type(exc).__name__}: {exc})", provider="ollama") from exc
    if response.status_code >= 400:
        raise error_from_response(response.status_code, dict(response.headers), response.content)
    try:
        models = json.loads(response.content)["models"]
        return [str(entry.get("name") or entry["model"]) for entry in models]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RemoteProtocolError(
            f"{redact_url(url)} did not answer with Ollama's model list: {response.content[:200]!r}; "
            f"is {redact_url(base_url)} an Ollama server?",
            provider="ollama",
        ) from None
