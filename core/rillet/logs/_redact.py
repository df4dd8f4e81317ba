"""Keeping credentials out of the log: the stream's own key and header values, and anything
shaped like a key (``Bearer …``, ``key=…`` in a URL, ``sk-…``, ``AIza…``)."""

from __future__ import annotations

import re
from typing import Any, Iterable

__all__ = ["REDACTED", "Redactor", "credentials_of"]

REDACTED = "[REDACTED]"
_CREDENTIAL_HEADERS = ("authorization", "proxy-authorization", "x-api-key", "x-goog-api-key", "api-key")
_PATTERNS = [
    re.compile(r"(?i)\b(bearer|basic)\s+(?=[A-Za-z._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{12,}"),  # not "basic principles"
    re.compile(r"(?i)([?&](?:key|api_key|api-key|access_token|token)=)[^&#\s\"']+"),
    re.compile(r"(?i)(\b(?:x-api-key|x-goog-api-key|api-key|authorization)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"),
    re.compile(r"(?<![A-Za-z0-9_])sk-[A-Za-z0-9_-]{16,}"),
    re.compile(r"(?<![A-Za-z0-9_])AIza[0-9A-Za-z_-]{30,}"),
    re.compile(r"(//[^/\s:@]+:)[^/\s@]+(@)"),  # user:password@ in a URL
]


def credentials_of(stream: Any, model: Any) -> list[str]:
    """The secrets a stream carries: its model's key, its HTTP request's credential headers
    and ``key=`` query values, and a password in its URL (found on the stream or on the
    stream it wraps)."""
    found: list[str] = []
    try:
        key = model.key
    except Exception:  # a broken key lookup must not break logging
        key = None
    if key:
        found.append(str(key))
    http_request = None
    while stream is not None and http_request is None:  # a middleware's wrapper keeps the stream it wraps in .inner
        http_request, stream = getattr(stream, "request", None), getattr(stream, "inner", None)
    headers = getattr(http_request, "headers", None)
    if headers is not None:
        for name in _CREDENTIAL_HEADERS:
            value = headers.get(name)
            if value:
                found.append(value)
                found.extend(part for part in value.split() if len(part) >= 8)
    url = getattr(http_request, "url", None)
    if url is not None:
        found.extend(value for name, value in url.params.multi_items() if "key" in name.lower() or "token" in name.lower())
        if url.password:
            found.append(url.password)
    return [secret for secret in found if len(secret) >= 6]


class Redactor:
    """Replaces the given secrets, and key-shaped strings, with ``[REDACTED]``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def text(self, value: str) -> str:
        """``value`` without credentials."""
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        for pattern in _PATTERNS:
            value = pattern.sub(_keep_prefix, value)
        return value

    def value(self, value: Any) -> Any:
        """Strings redacted, in any nesting of lists and dicts."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        return value


def _keep_prefix(match: re.Match[str]) -> str:
    groups = [group for group in match.groups() if group is not None]
    if len(groups) == 2 and groups[1] == "@":
        return f"{groups[0]}{REDACTED}@"
    if groups and match.group(0).lower().startswith(("bearer", "basic")):
        return f"{groups[0]} {REDACTED}"
    return f"{groups[0]}{REDACTED}" if groups else REDACTED
