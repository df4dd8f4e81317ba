"""Gemini's error quirks; the mapping itself is the core's (:class:`rillet.provider.ErrorMapping`).

Gemini reports errors as Google RPC statuses, ``{"error": {"code": 400, "message": …,
"status": "INVALID_ARGUMENT", "details": [{"@type": "…ErrorInfo", "reason":
"API_KEY_INVALID"}, …]}}`` (https://ai.google.dev/gemini-api/docs/troubleshooting), both
as HTTP error bodies and as an object inside a 200 stream. The core knows the RPC statuses
and the ``ErrorInfo`` reasons (a bad key is HTTP **400** ``INVALID_ARGUMENT`` with
``reason: API_KEY_INVALID``: the reason refines the status to ``authentication``). What is
Gemini's own:

* error bodies of ``alt=sse`` requests say ``Content-Type: text/event-stream`` but are
  plain (pretty-printed) JSON; a body framed as ``data: {…}`` or as ``[{…}]`` is read too;
* a quota of zero (``limit: 0``) is out of quota, not a rate limit;
* ``RetryInfo.retryDelay`` (``"34s"``) is the retry-after when no header says it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from rillet.provider import ErrorMapping, PermissionDeniedError, ProviderError, QuotaExceededError
from rillet.provider import error_from_payload, parse_retry_after

__all__ = ["ERRORS", "error_from_response", "gemini_error", "parse_error_body"]

#: The core's error table with Gemini's hints.
ERRORS = ErrorMapping(
    hints={
        PermissionDeniedError: "the key may not use this model, or the API is not enabled for its project",
        QuotaExceededError: "this model has no quota on the key's plan; enable billing or pick another model",
    },
    key_env_var="GEMINI_API_KEY",
)

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


def gemini_error(payload: Any, *, status: int | None = None, retry_after: float | None = None) -> ProviderError | None:
    """The typed error for a Gemini ``{"error": {…}}`` payload, or ``None`` if it is not one:
    an HTTP error body (``status`` given) or an object inside the stream."""
    if not isinstance(payload, dict) or not isinstance(payload.get("error"), dict):
        return None
    error = payload["error"]
    details = [item for item in error.get("details") or () if isinstance(item, dict)]
    kinds = ["insufficient_quota"] if _no_quota_at_all(str(error.get("message") or ""), details) else []
    if retry_after is None:
        retry_after = _retry_delay(details)
    return error_from_payload(payload, provider="gemini", mapping=ERRORS, status=status, kinds=kinds, retry_after=retry_after)


def error_from_response(status: int, headers: Mapping[str, Any], body: bytes) -> ProviderError | None:
    """The typed error for an HTTP error response whose body holds a Google error object,
    whatever its framing; ``None`` (the core reads it with :data:`ERRORS`) for any other
    body, e.g. an HTML page from a proxy.
    """
    return gemini_error(parse_error_body(body), status=status, retry_after=parse_retry_after(headers))


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
