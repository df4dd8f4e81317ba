"""Map an HTTP error response to the error hierarchy.

Works for the JSON error bodies of every shipped provider: OpenAI
``{"error": {"message", "type", "code"}}``, Anthropic ``{"type": "error", "error":
{"type", "message"}}``, Gemini ``{"error": {"code", "message", "status"}}``, Ollama
``{"error": "…"}``. A decoder may refine the result with an ``error_from_response``
method (Gemini reports a bad key as HTTP 400).
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from typing import Any, Mapping

from ._errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    QuotaExceededError,
    RateLimitError,
    RilletError,
    ServerError,
)

__all__ = ["error_from_response", "error_payload", "flat_headers", "parse_retry_after"]

_BY_STATUS: dict[int, type[ProviderError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
    503: OverloadedError,
    529: OverloadedError,
}

_BY_TYPE: dict[str, type[ProviderError]] = {
    "authentication_error": AuthenticationError,
    "invalid_api_key": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "model_not_found": NotFoundError,
    "invalid_request_error": BadRequestError,
    "rate_limit_error": RateLimitError,
    "insufficient_quota": QuotaExceededError,
    "overloaded_error": OverloadedError,
    "api_error": ServerError,
    "server_error": ServerError,
    "RESOURCE_EXHAUSTED": RateLimitError,
    "UNAUTHENTICATED": AuthenticationError,
    "PERMISSION_DENIED": PermissionDeniedError,
    "NOT_FOUND": NotFoundError,
    "INVALID_ARGUMENT": BadRequestError,
    "UNAVAILABLE": OverloadedError,
    "INTERNAL": ServerError,
}

_HINTS = {
    AuthenticationError: "check the key (rillet keys set {provider})",
    PermissionDeniedError: "the key may not use this model or endpoint",
    NotFoundError: "check the model name (rillet models)",
    RateLimitError: "wait and retry",
    QuotaExceededError: "add credit or raise the quota with the provider",
}


def error_payload(body: bytes) -> tuple[Any, str | None, list[str]]:
    """Return ``(parsed_json, message, kinds)`` from an error body, best effort.

    ``kinds`` are the provider's error ``code``, ``type`` and ``status`` strings, most
    specific first.
    """
    try:
        parsed = json.loads(body) if body.strip() else None
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return None, text[:500] or None, []
    message = None
    kinds: list[str] = []
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict):
        message = error.get("message")
        kinds = [str(error[k]) for k in ("code", "type", "status") if isinstance(error.get(k), str)]
    elif isinstance(error, str):
        message = error
    elif isinstance(parsed, dict):
        message = parsed.get("message") or parsed.get("detail")
    return parsed, (str(message) if message is not None else None), kinds


def flat_headers(headers: Mapping[str, Any]) -> dict[str, str]:
    """Lower-cased names to single values: accepts httpx headers and cassette lists alike."""
    flat = {}
    for name, value in headers.items():
        flat[name.lower()] = value[0] if isinstance(value, (list, tuple)) and value else str(value)
    return flat


def parse_retry_after(headers: Mapping[str, Any]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``Retry-After`` (seconds or HTTP date).

    A value that is not a finite number or a date (``nan``, ``inf``, garbage) counts as absent.
    """
    lowered = flat_headers(headers)
    for name, per_second in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            seconds = float(lowered.get(name) or "nan") / per_second
        except ValueError:
            continue
        if math.isfinite(seconds):
            return max(seconds, 0.0)
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):  # neither seconds nor an HTTP date: ignore it
        return None
    return max(parsed.timestamp() - time.time(), 0.0)


_DECISIVE = {"insufficient_quota", "overloaded_error", "invalid_api_key", "model_not_found"}


def _classify(status: int, kinds: list[str]) -> type[ProviderError]:
    """The status decides, unless the body names a more specific cause."""
    for kind in kinds:
        if kind in _DECISIVE:
            return _BY_TYPE[kind]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    for kind in kinds:
        if kind in _BY_TYPE:
            return _BY_TYPE[kind]
    return ServerError if status >= 500 else BadRequestError


def error_from_response(
    status: int, headers: Mapping[str, Any], body: bytes, *, provider: str | None = None
) -> RilletError:
    """The typed error for an HTTP error response (status ≥ 400)."""
    parsed, message, kinds = error_payload(body)
    cls = _classify(status, kinds)
    who = provider or "the provider"
    text = f"{who} answered HTTP {status}: {message or 'no error message'}"
    hint = _HINTS.get(cls)
    if hint:
        text += " — " + hint.format(provider=provider or "PROVIDER")
    return cls(
        text,
        status_code=status,
        retry_after=parse_retry_after(headers),
        provider=provider,
        raw=parsed if parsed is not None else body.decode("utf-8", "replace")[:2000],
    )
