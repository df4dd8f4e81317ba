"""Map an HTTP error response to the error hierarchy.

Works for the JSON error bodies of every shipped provider: OpenAI
``{"error": {"message", "type", "code"}}``, Anthropic ``{"type": "error", "error":
{"type", "message"}}``, Gemini ``{"error": {"code", "message", "status"}}``, Ollama
``{"error": "…"}``. Which class and hint an error gets is :mod:`rillet._error_mapping`'s
rule; a decoder passes its :class:`ErrorMapping` and quirks through an
``error_from_response`` method (Gemini error bodies may be SSE-framed, say).
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from typing import Any, Iterable, Mapping

from ._error_mapping import ErrorMapping
from ._errors import ProviderError

__all__ = ["error_from_payload", "error_from_response", "error_payload", "flat_headers", "parse_retry_after", "read_error"]

_CORE = ErrorMapping()


def read_error(payload: Any) -> tuple[str | None, list[str], int | None]:
    """``(message, kinds, number)`` from a parsed error payload, best effort.

    Reads ``{"error": {…}}``, ``{"error": "…"}``, a bare error object (``{"code",
    "message"}``, ``{"detail"}``) and plain text. ``kinds`` are Google ``ErrorInfo`` reasons, then the
    ``code``, ``type`` and ``status`` strings — most specific first; ``number`` is a numeric
    ``code`` (an HTTP-like status some servers put in the payload).
    """
    if isinstance(payload, str):  # a body that is not JSON: its text is the message
        return payload.strip() or None, [], None
    if not isinstance(payload, dict):
        return None, [], None
    error = payload.get("error") or payload
    if isinstance(error, str):
        return error, [], None
    if not isinstance(error, dict):
        return None, [], None
    message = error.get("message") or error.get("detail")
    details = error.get("details")
    kinds = [
        item["reason"] for item in details if isinstance(item, dict) and isinstance(item.get("reason"), str)
    ] if isinstance(details, list) else []
    kinds += [error[key] for key in ("code", "type", "status") if isinstance(error.get(key), str) and error[key] != "error"]
    code = error.get("code")
    number = code if isinstance(code, int) and not isinstance(code, bool) else None
    if isinstance(code, str) and code.isdigit():
        number = int(code)
    return (str(message) if message is not None else None), kinds, number


def error_payload(body: bytes) -> tuple[Any, str | None, list[str]]:
    """Return ``(parsed_json, message, kinds)`` from an error body, best effort (see :func:`read_error`)."""
    try:
        parsed = json.loads(body) if body.strip() else None
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return None, text[:500] or None, []
    message, kinds, _number = read_error(parsed)
    return parsed, message, kinds


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


def error_from_payload(
    payload: Any,
    *,
    provider: str | None,
    mapping: ErrorMapping | None = None,
    status: int | None = None,
    kinds: Iterable[str] = (),
    message: str | None = None,
    retry_after: float | None = None,
    raw: Any = None,
) -> ProviderError:
    """The typed error for a parsed error ``payload``: an HTTP error body (``status`` given)
    or an error sent inside the stream (``status`` ``None``).

    ``kinds`` are a plugin's quirks, read before the payload's own kinds (an Anthropic
    "credit balance" message is a ``billing_error``); ``message`` replaces the payload's;
    ``raw`` (kept on the error) defaults to ``payload``.
    Classification and hint follow ``mapping`` (the core's tables when ``None``).
    """
    mapping = mapping or _CORE
    wire_message, wire_kinds, number = read_error(payload)
    cls = mapping.classify(status if status is not None else number, [*kinds, *wire_kinds])
    return mapping.error(
        cls,
        message or wire_message,
        provider=provider,
        status=status,
        kind=wire_kinds[0] if wire_kinds else None,
        retry_after=retry_after,
        raw=payload if raw is None else raw,
    )


def error_from_response(
    status: int,
    headers: Mapping[str, Any],
    body: bytes,
    *,
    provider: str | None = None,
    mapping: ErrorMapping | None = None,
) -> ProviderError:
    """The typed error for an HTTP error response (status ≥ 400)."""
    parsed, message, _kinds = error_payload(body)
    payload = parsed if parsed is not None else message
    return error_from_payload(payload, provider=provider, mapping=mapping, status=status, retry_after=parse_retry_after(headers))
