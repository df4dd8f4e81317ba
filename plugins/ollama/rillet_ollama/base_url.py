"""Where the Ollama server is: ``OLLAMA_HOST`` read the way the ``ollama`` CLI reads it.

``OLLAMA_HOST`` is usually written without a scheme (``0.0.0.0:11434``, ``myhost``,
``:11434``). Ollama's own client then assumes ``http`` and port 11434 — but an explicit
``http://host`` without a port means port 80 and ``https://host`` means 443. rillet's core
prefixes ``http://`` to a scheme-less value before a plugin sees it, which loses the
"no port means 11434" rule; :func:`effective_base_url` restores it when the URL came from
``OLLAMA_HOST``.

One deliberate difference from the ``ollama`` CLI: a wildcard *listen* address
(``0.0.0.0``, ``::``) — what people export so the server listens on every interface — is
not a place to connect to on every OS, so it is replaced by the loopback address.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["ENV_VAR", "effective_base_url", "model_base_url", "normalize_host"]

#: The environment variable the ``ollama`` CLI and server read.
ENV_VAR = "OLLAMA_HOST"

_DEFAULT_PORT = "11434"
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def normalize_host(value: str) -> str:
    """Turn an ``OLLAMA_HOST``-style value into a base URL (no trailing slash).

    ``myhost`` → ``http://myhost:11434``; ``0.0.0.0:11434`` → ``http://127.0.0.1:11434``;
    ``:8080`` → ``http://127.0.0.1:8080``; ``https://ollama.example`` is kept (port 443).
    """
    value = value.strip()
    scheme, sep, rest = value.partition("://")
    if not sep:
        scheme, rest, default_port = "http", value, _DEFAULT_PORT
    else:
        default_port = ""  # explicit scheme: its own default port (80 / 443)
    hostport, slash, path = rest.partition("/")
    host, port = _split_host_port(hostport)
    host = _WILDCARDS.get(host, host)
    port = port or default_port
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    url = f"{scheme}://{host}" + (f":{port}" if port else "")
    if slash and path.strip("/"):
        url += "/" + path.strip("/")
    return url


def _split_host_port(hostport: str) -> tuple[str, str]:
    if hostport.startswith("["):  # [::1]:11434 or [::1]
        host, _, tail = hostport[1:].partition("]")
        return host, tail[1:] if tail.startswith(":") else ""
    if hostport.count(":") > 1:  # bare IPv6 literal, no port
        return hostport, ""
    host, _, port = hostport.partition(":")
    return host, port


def effective_base_url(base_url: str) -> str:
    """``base_url`` as resolved by the core, corrected when it came from a scheme-less
    ``OLLAMA_HOST`` (default port 11434, wildcard address → loopback)."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if raw and "://" not in raw and base_url == ("http://" + raw).rstrip("/"):
        return normalize_host(raw)
    if raw and base_url == raw.rstrip("/"):
        return normalize_host(raw)
    return base_url


def model_base_url(model: Any) -> str:
    """The base URL requests for ``model`` go to."""
    return effective_base_url(model.base_url)
