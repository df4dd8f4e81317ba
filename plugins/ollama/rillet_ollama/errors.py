"""Ollama's error quirks; the mapping itself is the core's (:class:`rillet.provider.ErrorMapping`).

Ollama reports every failure as ``{"error": "<text>"}`` — as an HTTP error body (404 for an
unknown model, 400 for a model that cannot do tools or thinking, 503 when its queue is
full, 500 when the runner dies) and, once streaming has begun, as one NDJSON line in the
body. There is no error type field, so the kinds are read from the text (:func:`text_kinds`;
a proxy's own ``type`` / ``code`` comes first) and the core's rule applies: the status decides, a kind refines it; without a status the
first kind decides. The hints name Ollama's commands.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from rillet.provider import ErrorMapping, NotFoundError, OverloadedError, ProviderError, ServerError
from rillet.provider import error_payload, parse_retry_after, read_error

__all__ = ["ERRORS", "error_class", "error_from_line", "error_from_response", "text_kinds"]

#: The core's error table with Ollama's hints (the not-found hint names the model: see :func:`_hint`).
ERRORS = ErrorMapping(
    hints={
        OverloadedError: "the Ollama server's queue is full (OLLAMA_MAX_QUEUE); retry shortly",
        ServerError: "see the Ollama server log (`ollama serve` output) for details",
    },
)

_MODEL_NOT_FOUND = re.compile(r"""model ["']?([^"'\s]+?)["']? not found""", re.IGNORECASE)

# (lower-case words in the text, the error kind they name), most specific first; the
# vague ones that only suggest a bad request come last.
_TEXT_KINDS: tuple[tuple[str, str], ...] = (
    ("error parsing tool call", "server_error"),  # the model wrote a call Ollama cannot parse
    ("not found", "not_found_error"),
    ("does not support", "invalid_request_error"),
    ("server busy", "overloaded_error"),
    ("maximum pending requests", "overloaded_error"),
    ("too many requests", "rate_limit_error"),
    ("unauthorized", "authentication_error"),
    ("invalid", "invalid_request_error"),
    ("cannot unmarshal", "invalid_request_error"),
    ("exceeds", "invalid_request_error"),
)

# Text-specific hints, checked before the class's hint.
_TEXT_HINTS: tuple[tuple[str, str], ...] = (
    ("error parsing tool call", "the model wrote a tool call Ollama could not parse; retrying may help"),
    ("does not support", "pick a model with that capability (see `ollama show <model>`)"),
)


def text_kinds(text: str) -> list[str]:
    """The error kinds Ollama's error ``text`` names, most specific first."""
    lowered = text.lower()
    return [kind for needle, kind in _TEXT_KINDS if needle in lowered]


def error_class(text: str, status: int | None = None, kinds: list[str] | None = None) -> type[ProviderError]:
    """The error class for Ollama's error ``text`` (and HTTP ``status`` when there is one);
    ``kinds`` named by the payload itself (a proxy's ``type``) come before the text's."""
    return ERRORS.classify(status, [*(kinds or ()), *text_kinds(text)])


def _hint(text: str, cls: type[ProviderError]) -> str | None:
    if cls is NotFoundError:
        found = _MODEL_NOT_FOUND.search(text)
        name = found.group(1) if found else "<model>"
        return f"pull it with `ollama pull {name}`, or see the pulled models with `ollama list`"
    return next((hint for needle, hint in _TEXT_HINTS if needle in text), None)


def _error(payload: Any, status: int | None, retry_after: float | None = None) -> ProviderError:
    text, kinds, number = read_error(payload)
    text = text or ""
    cls = error_class(text, status if status is not None else number, kinds)
    return ERRORS.error(
        cls, text, provider="ollama", status=status, hint=_hint(text, cls), retry_after=retry_after, raw=payload
    )


def error_from_line(payload: Any) -> ProviderError:
    """The error for an in-band ``{"error": …}`` line of a stream."""
    return _error(payload, None)


def error_from_response(status: int, headers: Mapping[str, Any], body: bytes) -> ProviderError:
    """The error for an HTTP error response from Ollama (or from a proxy in front of it)."""
    parsed, text, _kinds = error_payload(body)
    return _error(parsed if parsed is not None else text, status, parse_retry_after(headers) if headers else None)
