"""Gemini error payloads mapped to rillet's error hierarchy.

Gemini reports errors as Google RPC statuses, ``{"error": {"code": 400, "message": …,
"status": "INVALID_ARGUMENT", "details": [{"@type": "…ErrorInfo", "reason":
"API_KEY_INVALID"}, …]}}`` (https://ai.google.dev/gemini-api/docs/troubleshooting), both
as HTTP error bodies and as an object inside a 200 stream. Two quirks are handled here:

* a bad key is HTTP **400** ``INVALID_ARGUMENT`` with ``reason: API_KEY_INVALID``, not 401;
* error bodies of ``alt=sse`` requests say ``Content-Type: text/event-stream`` but are
  plain (pretty-printed) JSON; a body framed as ``data: {…}`` or as ``[{…}]`` is read too.
"""

from __future__ import annotations

import json
import re
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

__all__ = ["STATUSES", "error_from_response", "gemini_error", "parse_error_body"]

#: Google RPC ``status`` names and the error each one means.
STATUSES: dict[str, type[ProviderError]] = {
    "INVALID_ARGUMENT": BadRequestError,
    "FAILED_PRECONDITION": BadRequestError,
    "OUT_OF_RANGE": BadRequestError,
    "UNAUTHENTICATED": AuthenticationError,
    "PERMISSION_DENIED": PermissionDeniedError,
    "NOT_FOUND": NotFoundError,
    "RESOURCE_EXHAUSTED": RateLimitError,
    "CANCELLED": ServerError,
    "INTERNAL": ServerError,
    "UNKNOWN": ServerError,
    "DEADLINE_EXCEEDED": ServerError,
    "UNAVAILABLE": OverloadedError,
}

#: ``ErrorInfo.reason`` values that override the status.
REASONS: dict[str, type[ProviderError]] = {
    "API_KEY_INVALID": AuthenticationError,
    "API_KEY_EXPIRED": AuthenticationError,
    "API_KEY_SERVICE_BLOCKED": PermissionDeniedError,
    "SERVICE_DISABLED": PermissionDeniedError,
}

_BY_HTTP_STATUS: dict[int, type[ProviderError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
    500: ServerError,
    503: OverloadedError,
    504: ServerError,
}

_HINTS: dict[type[ProviderError], str] = {
    AuthenticationError: "check GEMINI_API_KEY or run `rillet keys set gemini`",
    PermissionDeniedError: "the key may not use this model, or the API is not enabled for its project",
    NotFoundError: "check the model name (`rillet models gemini`)",
    RateLimitError: "wait and retry, or lower the request rate",
    QuotaExceededError: "this model has no quota on the key's plan; enable billing or pick another model",
    OverloadedError: "Gemini is overloaded; retry shortly",
}

_RETRY_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def parse_error_body(body: bytes) -> Any:
    """The JSON error payload of a body, whatever its framing; ``None`` if there is none."""
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("data:"):
        text = "\n".join(line[5:].strip() for line in text.splitlines() if line.startswith("data:"))
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        return None
    if isinstance(payload, list) and payload:
        payload = payload[0]
    return payload if isinstance(payload, dict) and isinstance(payload.get("error"), dict) else None


def gemini_error(
    payload: Any,
    *,
    status: int | None = None,
    retry_after: float | None = None,
    where: str = "in the stream",
) -> ProviderError | None:
    """The typed error for a Gemini ``{"error": {…}}`` payload, or ``None`` if it is not one.

    ``where`` completes the message ("gemini reported INVALID_ARGUMENT <where>: …").
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("error"), dict):
        return None
    error = payload["error"]
    kind = error.get("status") if isinstance(error.get("status"), str) else None
    code = error.get("code") if isinstance(error.get("code"), int) else None
    message = str(error.get("message") or "no error message")
    details = [item for item in error.get("details") or () if isinstance(item, dict)]
    reasons = [item.get("reason") for item in details if isinstance(item.get("reason"), str)]
    cls = next((REASONS[reason] for reason in reasons if reason in REASONS), None)
    if cls is None:
        cls = STATUSES.get(kind or "") or _BY_HTTP_STATUS.get(status or code or 0)
    if cls is None:
        cls = ServerError if (status or code or 500) >= 500 else BadRequestError
    if cls is RateLimitError and _no_quota_at_all(message, details):
        cls = QuotaExceededError
    if retry_after is None:
        retry_after = _retry_delay(details)
    label = next((reason for reason in reasons if reason in REASONS), None) or kind or "an error"
    text = f"gemini reported {label} {where}: {message}"
    hint = _HINTS.get(cls)
    if hint:
        text += f" — {hint}"
    return cls(text, status_code=status, retry_after=retry_after, provider="gemini", raw=payload)


def error_from_response(status: int, headers: Mapping[str, Any], body: bytes) -> ProviderError | None:
    """Refine the core's HTTP error mapping for Gemini's error bodies.

    Returns ``None`` (keep the generic mapping) when the body holds no Google error object,
    e.g. an HTML page from a proxy.
    """
    payload = parse_error_body(body)
    if payload is None:
        return None
    retry_after = parse_retry_after(headers)
    return gemini_error(payload, status=status, retry_after=retry_after, where=f"(HTTP {status})")


def _retry_delay(details: list[dict[str, Any]]) -> float | None:
    """Seconds from a ``google.rpc.RetryInfo`` detail (``"retryDelay": "34s"``)."""
    for item in details:
        delay = item.get("retryDelay")
        if isinstance(delay, str):
            match = _RETRY_DELAY.match(delay)
            if match:
                return float(match.group(1))
    return None


def _no_quota_at_all(message: str, details: list[dict[str, Any]]) -> bool:
    """A quota of zero (the free tier has none for this model): retrying cannot help."""
    if "limit: 0," in message:
        return True
    for item in details:
        for violation in item.get("violations") or ():
            if isinstance(violation, dict) and str(violation.get("quotaValue", "")) == "0":
                return True
    return False
