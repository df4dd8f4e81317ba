"""Error mapping for OpenAI-style APIs: HTTP error bodies and in-band ``{"error": …}`` frames.

OpenAI puts the useful part in ``error.code`` (``invalid_api_key``, ``model_not_found``,
``insufficient_quota``) while ``error.type`` is the generic ``invalid_request_error`` even
for a bad key, so the core's generic mapping (which reads ``type`` first) would call a
401 a bad request. OpenRouter and other gateways put an HTTP-like number in ``error.code``,
in HTTP bodies and in error frames sent after the stream started.
"""

from __future__ import annotations

from typing import Any, Mapping

from rillet.provider import (
    AuthenticationError,
    BadRequestError,
    ContentFilterError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
)
from rillet.provider import error_payload, parse_retry_after

__all__ = ["classify_error", "error_from_response", "inband_error"]

# Codes / types that say exactly what happened, whatever the status.
_SPECIFIC: dict[str, type[ProviderError]] = {
    "invalid_api_key": AuthenticationError,
    "authentication_error": AuthenticationError,
    "unauthorized": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "model_not_found": NotFoundError,
    "not_found_error": NotFoundError,
    "insufficient_quota": QuotaExceededError,
    "rate_limit_exceeded": RateLimitError,
    "rate_limit_error": RateLimitError,
    "content_filter": ContentFilterError,
    "content_policy_violation": ContentFilterError,
    "overloaded_error": OverloadedError,
    "server_error": ServerError,
    "api_error": ServerError,
    "internal_error": ServerError,
}

_BY_STATUS: dict[int, type[ProviderError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: QuotaExceededError,  # OpenRouter: out of credits
    403: PermissionDeniedError,
    404: NotFoundError,
    408: ServerError,  # OpenRouter: the upstream request timed out
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
    503: OverloadedError,
    529: OverloadedError,
}

_HINTS: dict[type[ProviderError], str] = {
    AuthenticationError: "check the key (OPENAI_API_KEY or `rillet keys set PROVIDER`)",
    PermissionDeniedError: "the key may not use this model or endpoint",
    NotFoundError: "check the model name and the base URL (rillet models)",
    RateLimitError: "wait and retry",
    QuotaExceededError: "add credit or raise the quota with the provider",
}


def classify_error(status: int | None, code: Any, kind: Any, metadata: Any = None) -> type[ProviderError]:
    """The error class for an HTTP ``status`` (or in-band numeric code) and the body's code/type."""
    for name in (code, kind):
        if isinstance(name, str) and name in _SPECIFIC:
            return _SPECIFIC[name]
    if status is not None:
        if status == 403 and isinstance(metadata, dict) and ("flagged_input" in metadata or "reasons" in metadata):
            return ContentFilterError  # OpenRouter moderation
        cls = _BY_STATUS.get(status)
        if cls is not None:
            return cls
        if status >= 500:
            return ServerError
        if status >= 400:
            return BadRequestError
    if kind == "invalid_request_error" or code == "invalid_request_error":
        return BadRequestError
    return ServerError


def _describe(error: Any) -> tuple[str, Any, Any, Any, int | None]:
    """``(message, code, type, metadata, numeric_code)`` from an ``error`` payload."""
    if isinstance(error, dict):
        code = error.get("code")
        number = code if isinstance(code, int) and not isinstance(code, bool) else None
        if number is None and isinstance(code, str) and code.isdigit():
            number = int(code)
        message = error.get("message") or error.get("detail") or ""
        metadata = error.get("metadata")
        raw = metadata.get("raw") if isinstance(metadata, dict) else None
        if isinstance(raw, str) and raw and raw not in message:
            message = f"{message} ({raw})" if message else raw
        return str(message), code, error.get("type"), metadata, number
    return str(error or ""), None, None, None, None


def inband_error(error: Any, provider: str, *, raw: Any = None) -> ProviderError:
    """The typed error for an error frame received inside a 200 stream.

    ``error`` is the frame's ``error`` value (an object with ``message``/``code``/``type``,
    or a string). OpenRouter's numeric ``code`` is read like an HTTP status.
    """
    message, code, kind, metadata, number = _describe(error)
    cls = classify_error(number, code, kind, metadata)
    detail = f" (code {code})" if code not in (None, "") else ""
    text = f"{provider} sent an error in the stream: {message or 'no error message'}{detail}"
    hint = _HINTS.get(cls)
    if hint:
        text += f" — {hint.replace('PROVIDER', provider)}"
    return cls(text, provider=provider, raw=raw if raw is not None else error)


def error_from_response(status: int, headers: Mapping[str, str], body: bytes, provider: str) -> ProviderError:
    """The typed error for an HTTP error response from an OpenAI-compatible server."""
    parsed, message, _kind = error_payload(body)
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict):
        _message, code, kind, metadata, _number = _describe(error)
        message = _message or message
    else:
        code = kind = metadata = None
    cls = classify_error(status, code, kind, metadata)
    if status == 429 and cls is RateLimitError and code == "insufficient_quota":
        cls = QuotaExceededError
    text = f"{provider} answered HTTP {status}: {message or 'no error message'}"
    hint = _HINTS.get(cls)
    if hint:
        text += f" — {hint.replace('PROVIDER', provider)}"
    return cls(
        text,
        status_code=status,
        retry_after=parse_retry_after(headers),
        provider=provider,
        raw=parsed if parsed is not None else body.decode("utf-8", "replace")[:2000],
    )
