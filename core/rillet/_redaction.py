"""Keep keys out of what rillet builds from a response: error messages, ``raw``, URLs, logs.

A server may echo the key it was sent (``"Incorrect API key provided: sk-…"`` in a 401
body, an in-band error frame, a malformed frame quoted in a ``protocol`` error). A
:class:`Redactor` knows the secrets of one request — the key in effect, the values of its
``Authorization`` / ``x-api-key`` / ``x-goog-api-key`` / ``api-key`` headers, the
credentials in its URL and its ``key=`` query values — and replaces them wherever they
appear. Every event of a stream passes through its ``EventSequencer``, which applies the
stream's redactor to ``error`` events, so third-party plugins are covered without doing
anything.

:func:`redact_url` hides URL credentials (user-info, ``key=`` and similar query values) for
display: ``repr(model)``, ``repr(stream)``, error messages, and httpx's ``INFO`` log lines
(:func:`protect_httpx_logs`).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Iterable
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    import httpx

__all__ = ["REDACTED", "Redactor", "protect_httpx_logs", "redact_url"]

#: What a secret is replaced with.
REDACTED = "[redacted]"

#: Request headers whose values are credentials.
SECRET_HEADERS = ("authorization", "proxy-authorization", "x-api-key", "x-goog-api-key", "api-key")

#: Query parameters whose values are credentials (``?key=`` is Gemini's documented form).
SECRET_QUERY_NAMES = ("key", "api-key", "api_key", "apikey", "access_token", "token")

#: Shorter values are placeholders (``EMPTY``, ``x``), not keys; replacing them would garble text.
MIN_SECRET_LENGTH = 4

_USERINFO = re.compile(r"(?<=//)[^/?#@\s]*@")
_SECRET_QUERY = re.compile(r"([?&](?:" + "|".join(map(re.escape, SECRET_QUERY_NAMES)) + r")=)[^&#\s'\"]*", re.IGNORECASE)


def redact_url(url: Any) -> str:
    """``url`` (a string or ``httpx.URL``) with its user-info and key-like query values hidden.

    Works on any text, parseable or not: ``http://user:pw@host/v1?key=abc&api-version=1``
    becomes ``http://[redacted]@host/v1?key=[redacted]&api-version=1``.
    """
    text = _USERINFO.sub(REDACTED + "@", str(url))
    return _SECRET_QUERY.sub(r"\1" + REDACTED, text)


class Redactor:
    """Replaces a fixed set of secrets in text and in JSON-like values."""

    __slots__ = ("_secrets", "_compiled")

    def __init__(self, secrets: Iterable[str | None]) -> None:
        self._secrets = [secret for secret in secrets if secret and len(secret) >= MIN_SECRET_LENGTH]
        self._compiled: re.Pattern[str] | None = None

    @property
    def _pattern(self) -> re.Pattern[str] | None:
        """The pattern of every secret, compiled on first use (most streams never need it)."""
        if self._compiled is None and self._secrets:
            variants = {variant for secret in self._secrets for variant in (secret, quote(secret, safe=""), unquote(secret))}
            # Longest first, so a key is replaced whole before any shorter secret inside it;
            # a secret only counts when no letter or digit touches it on either side.
            alternatives = "|".join(re.escape(variant) for variant in sorted(variants, key=len, reverse=True))
            self._compiled = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")
        return self._compiled

    @classmethod
    def for_request(cls, request: httpx.Request, key: str | None = None) -> Redactor:
        """The redactor for ``request``: ``key``, its credential headers, URL user-info and key query values."""
        secrets: list[str | None] = [key]
        for name, value in request.headers.multi_items():  # names come lower-cased
            if name in SECRET_HEADERS:
                secrets += [value, value.partition(" ")[2].strip()]  # and the credential after "Bearer" / "Basic"
        url = request.url
        secrets += [url.username, url.password]
        if url.query:
            secrets += [value for name, value in url.params.multi_items() if name.lower() in SECRET_QUERY_NAMES]
        return cls(secrets)

    def text(self, text: str) -> str:
        """``text`` with every secret replaced by :data:`REDACTED`."""
        pattern = self._pattern
        return text if pattern is None else pattern.sub(REDACTED, text)

    def value(self, value: Any) -> Any:
        """A copy of ``value`` (JSON-like: dicts, lists, strings) with every secret replaced."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(name): self.value(item) for name, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        return value

    def event(self, event: Any) -> Any:
        """``event`` with its ``message`` and ``raw`` redacted (an ``error`` event; others pass)."""
        if event.type != "error" or not self._secrets:
            return event
        message, raw = self.text(event.message), self.value(event.raw)
        if message == event.message and raw == event.raw:
            return event
        return event.model_copy(update={"message": message, "raw": raw})


class _RedactURLs(logging.Filter):
    """Hides URL credentials in the arguments of a log record (httpx logs ``request.url``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        import httpx

        if isinstance(record.args, tuple):
            record.args = tuple(redact_url(arg) if isinstance(arg, (str, httpx.URL)) else arg for arg in record.args)
        elif isinstance(record.msg, str) and not record.args:
            record.msg = redact_url(record.msg)
        return True


def protect_httpx_logs() -> None:
    """Install, once, the filter that hides URL credentials in the ``httpx`` logger's lines."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(existing, _RedactURLs) for existing in logger.filters):
        logger.addFilter(_RedactURLs())
