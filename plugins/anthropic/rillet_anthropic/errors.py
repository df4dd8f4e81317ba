"""Anthropic's error quirks; the mapping itself is the core's (:class:`rillet.provider.ErrorMapping`).

Anthropic reports errors as ``{"type": "error", "error": {"type": …, "message": …}}``,
both as HTTP error bodies and as an in-band ``event: error`` frame after a 200 response
(https://docs.anthropic.com/en/api/errors). The core knows every documented error type;
what is Anthropic's own: a low credit balance reported as ``invalid_request_error`` (it is a
``billing_error``), and hints that name the Anthropic key variable and console.
"""

from __future__ import annotations

from typing import Any, Mapping

from rillet.provider import ErrorMapping, ProviderError, QuotaExceededError, error_from_payload, error_payload, parse_retry_after
from rillet.provider import read_error

__all__ = ["ERRORS", "anthropic_error", "error_from_response"]

#: The core's error table with Anthropic's hints.
ERRORS = ErrorMapping(
    hints={QuotaExceededError: "add credit in the Anthropic console (Plans & Billing)"},
    key_env_var="ANTHROPIC_API_KEY",
)

_LOW_CREDIT = "credit balance"


def anthropic_error(payload: Any, *, status: int | None = None, retry_after: float | None = None) -> ProviderError:
    """The typed error for an Anthropic error payload: an HTTP error body (``status`` given)
    or an in-band ``error`` frame."""
    message, _kinds, _number = read_error(payload)
    kinds = ["billing_error"] if message and _LOW_CREDIT in message.lower() else []
    return error_from_payload(payload, provider="anthropic", mapping=ERRORS, status=status, kinds=kinds, retry_after=retry_after)


def error_from_response(status: int, headers: Mapping[str, Any], body: bytes) -> ProviderError:
    """The typed error for an HTTP error response; the status decides whatever the body is
    (a proxy's HTML page included), the body's error type refines it."""
    parsed, message, _kinds = error_payload(body)
    payload = parsed if parsed is not None else message
    return anthropic_error(payload, status=status, retry_after=parse_retry_after(headers))
