"""Base URLs: checked before anything is sent, and joined to an endpoint path with their query kept."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from ._errors import ConfigurationError
from ._redaction import redact_url

__all__ = ["check_base_url", "join_url"]


def check_base_url(url: str, *, needs_host: bool = True) -> str:
    """Return ``url`` if requests can be sent to it; raise :class:`ConfigurationError` naming it if not.

    A usable URL is ``http``/``https``, names a host (unless ``needs_host`` is false: a
    plugin may fill it in, as Ollama does for ``OLLAMA_HOST=:11434``), has a port in
    1–65535 (or none) and parses (``http://[::1`` does not).
    """
    problem = _base_url_problem(url, needs_host)
    if problem is not None:
        raise ConfigurationError(f"invalid base URL {redact_url(url)!r}: {problem}")
    return url


@lru_cache(maxsize=256)  # a process sends to a few base URLs, many times each
def _base_url_problem(url: str, needs_host: bool) -> str | None:
    """What makes ``url`` unusable as a base URL, or ``None``."""
    try:
        import httpx

        parts = urlsplit(url)
        port = parts.port  # raises for a port out of range or not a number
        httpx.URL(url)
    except (ValueError, TypeError) as exc:  # httpx.InvalidURL is a ValueError
        return f"{exc}; write it like https://host[:port]/path"
    if parts.scheme not in ("http", "https"):
        return "it needs http:// or https://"
    if needs_host and not parts.hostname:
        return "it names no host"
    if port == 0:
        return "port 0 cannot be connected to (use 1-65535)"
    return None


def join_url(base_url: str, path: str) -> str:
    """The endpoint ``path`` under ``base_url``, keeping the base URL's query string.

    ``join_url("https://x.openai.azure.com/openai/deployments/d?api-version=2024-10-21",
    "chat/completions")`` is ``https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21``.
    ``path`` may carry a query of its own (``models/m:streamGenerateContent?alt=sse``): it
    follows the base URL's. Raises :class:`ConfigurationError` for a base URL that does not parse.
    """
    base = urlsplit(check_base_url(base_url))
    path_part, _, path_query = path.partition("?")
    joined_path = base.path.rstrip("/") + "/" + path_part.lstrip("/")
    query = "&".join(part for part in (base.query, path_query) if part)
    return urlunsplit((base.scheme, base.netloc, joined_path, query, ""))
