"""Ollama's errors mapped to rillet's error types.

Ollama reports every failure as ``{"error": "<text>"}`` — as an HTTP error body (404 for an
unknown model, 400 for a model that cannot do tools or thinking, 503 when its queue is
full, 500 when the runner dies) and, once streaming has begun, as one NDJSON line in the
body. There is no error type field, so the text is what we classify.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from rillet.provider import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    RilletError,
    ServerError,
)
from rillet.provider import error_payload, parse_retry_after

__all__ = ["error_from_line", "error_from_response", "error_class", "hint_for"]

_MODEL_NOT_FOUND = re.compile(r"""model ["']?([^"'\s]+?)["']? not found""", re.IGNORECASE)

# (lower-case substring, error class), checked first: the text names the failure.
_SPECIFIC: tuple[tuple[str, type[ProviderError]], ...] = (
    ("error parsing tool call", ServerError),  # the model wrote a call Ollama cannot parse
    ("not found", NotFoundError),
    ("does not support", BadRequestError),
    ("server busy", OverloadedError),
    ("maximum pending requests", OverloadedError),
    ("too many requests", RateLimitError),
    ("unauthorized", AuthenticationError),
)

# Checked after the HTTP status: vaguer words that suggest a bad request.
_GENERIC: tuple[tuple[str, type[ProviderError]], ...] = (
    ("invalid", BadRequestError),
    ("cannot unmarshal", BadRequestError),
    ("exceeds", BadRequestError),
)

_BY_STATUS: dict[int, type[ProviderError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
    503: OverloadedError,
}


def error_class(text: str, status: int | None = None) -> type[ProviderError]:
    """The error class for Ollama's error ``text`` (and HTTP ``status`` when there is one).

    The text wins when it names the failure; then the status; then vaguer words. A server
    failure nothing names (the runner crashed …) is a :class:`ServerError`.
    """
    lowered = text.lower()
    for needle, cls in _SPECIFIC:
        if needle in lowered:
            return cls
    if status is not None:
        return _BY_STATUS.get(status) or (ServerError if status >= 500 else BadRequestError)
    for needle, cls in _GENERIC:
        if needle in lowered:
            return cls
    return ServerError


def hint_for(text: str, cls: type[ProviderError]) -> str | None:
    """What to do next, for the error ``text`` of class ``cls``."""
    if cls is NotFoundError:
        found = _MODEL_NOT_FOUND.search(text)
        name = found.group(1) if found else "<model>"
        return f"pull it with `ollama pull {name}`, or see the pulled models with `ollama list`"
    if cls is OverloadedError:
        return "the Ollama server's queue is full (OLLAMA_MAX_QUEUE); retry shortly"
    if "error parsing tool call" in text:
        return "the model wrote a tool call Ollama could not parse; retrying may help"
    if "does not support" in text:
        return "pick a model with that capability (see `ollama show <model>`)"
    if cls is ServerError:
        return "see the Ollama server log (`ollama serve` output) for details"
    return None


def _build(text: str, prefix: str, cls: type[ProviderError], **kwargs: Any) -> ProviderError:
    message = f"{prefix}: {text}"
    hint = hint_for(text, cls)
    if hint:
        message += f" — {hint}"
    return cls(message, provider="ollama", **kwargs)


def error_from_line(payload: Any) -> RilletError:
    """The error for an in-band ``{"error": …}`` line of a stream."""
    error = payload.get("error")
    text = error if isinstance(error, str) else str(error.get("message", error) if isinstance(error, dict) else error)
    return _build(text, "ollama reported an error mid-stream", error_class(text), raw=payload)


def error_from_response(status: int, headers: Mapping[str, str], body: bytes) -> RilletError | None:
    """The error for an HTTP error response from Ollama; ``None`` keeps the core's mapping
    (a body that is not Ollama's ``{"error": "…"}``)."""
    parsed, text, _kind = error_payload(body)
    if not isinstance(parsed, dict) or not isinstance(parsed.get("error"), str) or not text:
        return None
    cls = error_class(text, status)
    retry_after = parse_retry_after(headers) if headers else None
    return _build(text, f"ollama answered HTTP {status}", cls, status_code=status, retry_after=retry_after, raw=parsed)
