"""Anthropic error payloads mapped to rillet's error hierarchy.

Anthropic reports errors as ``{"type": "error", "error": {"type": …, "message": …}}``,
both as HTTP error bodies and as an in-band ``event: error`` frame after a 200 response
(https://docs.anthropic.com/en/api/errors). The core's generic mapping already knows most
error types; this module adds the ones it misses (``billing_error``, ``timeout_error``,
``request_too_large``, a low credit balance reported as ``invalid_request_error``) and
messages that name the Anthropic key variable.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from rillet.provider import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
)
from rillet.provider import parse_retry_after

__all__ = ["ERROR_TYPES", "anthropic_error", "error_from_response"]

#: Anthropic's documented ``error.type`` values.
ERROR_TYPES: dict[str, type[ProviderError]] = {
    "invalid_request_error": BadRequestError,
    "authentication_error": AuthenticationError,
    "billing_error": QuotaExceededError,
    "permission_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "request_too_large": BadRequestError,
    "rate_limit_error": RateLimitError,
    "api_error": ServerError,
    "timeout_error": ServerError,
    "overloaded_error": OverloadedError,
}

_HINTS: dict[type[ProviderError], str] = {
    AuthenticationError: "check ANTHROPIC_API_KEY or run `rillet keys set anthropic`",
    PermissionDeniedError: "the key may not use this model or feature",
    NotFoundError: "check the model name (`rillet models anthropic`)",
    QuotaExceededError: "add credit in the Anthropic console (Plans & Billing)",
    RateLimitError: "wait and retry, or lower the request rate",
    OverloadedError: "Anthropic is overloaded; retry shortly",
}

_LOW_CREDIT = "credit balance"


def anthropic_error(
    payload: Any,
    *,
    status: int | None = None,
    retry_after: float | None = None,
    where: str = "in the stream",
) -> ProviderError | None:
    """The typed error for an Anthropic error payload, or ``None`` if it is not one.

    ``where`` completes the message ("anthropic reported an error <where>: …").
    """
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    if not isinstance(error, dict):
        return None
    kind = error.get("type")
    message = str(error.get("message") or "no error message")
    cls = ERROR_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        if status is None:
            cls = ServerError
        else:
            return None
    if cls is BadRequestError and _LOW_CREDIT in message.lower():
        cls = QuotaExceededError
    text = f"anthropic reported {kind or 'an error'} {where}: {message}"
    hint = _HINTS.get(cls)
    if hint:
        text += f" — {hint}"
    return cls(text, status_code=status, retry_after=retry_after, provider="anthropic", raw=payload)


def error_from_response(status: int, headers: Mapping[str, Any], body: bytes) -> ProviderError | None:
    """Refine the core's HTTP error mapping for Anthropic's error bodies.

    Returns ``None`` (keep the generic mapping) when the body is not Anthropic's JSON
    error shape, e.g. an HTML page from a proxy.
    """
    try:
        payload = json.loads(body) if body.strip() else None
    except ValueError:
        return None
    retry_after = parse_retry_after(headers)
    return anthropic_error(payload, status=status, retry_after=retry_after, where=f"(HTTP {status})")
