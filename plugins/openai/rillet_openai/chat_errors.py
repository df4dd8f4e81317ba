"""Error quirks of OpenAI-style APIs; the mapping itself is the core's (:class:`rillet.provider.ErrorMapping`).

OpenAI puts the useful part in ``error.code`` (``invalid_api_key``, ``model_not_found``,
``insufficient_quota``) and the generic ``invalid_request_error`` in ``error.type``; the
core reads the code first. What is OpenRouter's own (it relays many upstreams): an
HTTP-like number in ``error.code`` (read as the status of an in-band error), the upstream's
words in ``error.metadata.raw``, and moderation reported as a 403 whose metadata names the
flagged input (a content filter, not a permission error).
"""

from __future__ import annotations

from typing import Any, Mapping

from rillet.provider import ErrorMapping, NotFoundError, ProviderError
from rillet.provider import error_from_payload, error_payload, parse_retry_after, read_error

__all__ = ["ERRORS", "error_from_response", "openai_error"]

#: The core's error table with hints for OpenAI and the servers that copy its format.
ERRORS = ErrorMapping(
    hints={NotFoundError: "check the model name and the base URL (`rillet models {provider}`)"},
    key_env_var="OPENAI_API_KEY",
)


def openai_error(
    payload: Any,
    provider: str,
    *,
    status: int | None = None,
    retry_after: float | None = None,
    kinds: tuple[str, ...] = (),
    raw: Any = None,
) -> ProviderError:
    """The typed error for an OpenAI-style error payload: an HTTP error body (``status``
    given) or an error frame inside the stream (``{"error": …}``, or a bare error object).
    ``kinds`` are a caller's own quirks; ``raw`` (kept on the error) defaults to ``payload``."""
    error = payload.get("error") if isinstance(payload, dict) else None
    metadata = error.get("metadata") if isinstance(error, dict) else None
    message = None
    if isinstance(metadata, dict):
        if "flagged_input" in metadata or "reasons" in metadata:  # OpenRouter moderation
            kinds = ("content_filter", *kinds)
        raw = metadata.get("raw")
        wire_message, _kinds, _number = read_error(payload)
        if isinstance(raw, str) and raw and raw not in (wire_message or ""):
            message = f"{wire_message} ({raw})" if wire_message else raw
    return error_from_payload(
        payload, provider=provider, mapping=ERRORS, status=status, kinds=kinds, message=message,
        retry_after=retry_after, raw=raw,
    )


def error_from_response(status: int, headers: Mapping[str, Any], body: bytes, provider: str) -> ProviderError:
    """The typed error for an HTTP error response from an OpenAI-compatible server."""
    parsed, message, _kinds = error_payload(body)
    return openai_error(parsed if parsed is not None else message, provider, status=status, retry_after=parse_retry_after(headers))
