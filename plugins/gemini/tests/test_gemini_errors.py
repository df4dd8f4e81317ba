"""Gemini error bodies and in-band error objects mapped to rillet's error types."""

from __future__ import annotations

import json

import pytest

from rillet.provider import decode_response
from rillet.provider import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
)
from rillet_gemini.decoder import GeminiDecoder
from rillet_gemini.errors import error_from_response, gemini_error


def body(code: int, status: str, message: str = "msg", details: list | None = None) -> bytes:
    error: dict = {"code": code, "message": message, "status": status}
    if details is not None:
        error["details"] = details
    return json.dumps({"error": error}, indent=2).encode()


def test_api_key_invalid_on_400_is_authentication() -> None:
    details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]
    error = error_from_response(400, {"content-type": ["text/event-stream"]}, body(400, "INVALID_ARGUMENT", "API key not valid.", details))
    assert isinstance(error, AuthenticationError)
    assert error.status_code == 400 and "GEMINI_API_KEY" in error.message and "API_KEY_INVALID" in error.message


def test_plain_invalid_argument_stays_bad_request() -> None:
    assert isinstance(error_from_response(400, {}, body(400, "INVALID_ARGUMENT")), BadRequestError)


@pytest.mark.parametrize(("status", "name", "cls"), [
    (401, "UNAUTHENTICATED", AuthenticationError), (403, "PERMISSION_DENIED", PermissionDeniedError),
    (404, "NOT_FOUND", NotFoundError), (429, "RESOURCE_EXHAUSTED", RateLimitError),
    (500, "INTERNAL", ServerError), (503, "UNAVAILABLE", OverloadedError), (504, "DEADLINE_EXCEEDED", ServerError),
])
def test_statuses(status: int, name: str, cls: type) -> None:
    assert type(error_from_response(status, {}, body(status, name))) is cls


def test_rate_limit_retry_delay_and_retry_after_header() -> None:
    details = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "34s"}]
    error = error_from_response(429, {}, body(429, "RESOURCE_EXHAUSTED", "slow down", details))
    assert isinstance(error, RateLimitError) and error.retry_after == 34.0 and error.retryable
    assert error_from_response(429, {"retry-after": ["5"]}, body(429, "RESOURCE_EXHAUSTED")).retry_after == 5.0


def test_zero_quota_is_quota_exceeded() -> None:
    message = "You exceeded your current quota ... Quota exceeded for metric: x, limit: 0, model: gemini-2.5-pro"
    error = error_from_response(429, {}, body(429, "RESOURCE_EXHAUSTED", message))
    assert isinstance(error, QuotaExceededError) and not error.retryable


def test_sse_and_array_framed_error_bodies_are_read() -> None:
    payload = body(404, "NOT_FOUND", "models/x is not found").decode().replace("\n", "")
    assert isinstance(error_from_response(404, {}, f"data: {payload}\r\n\r\n".encode()), NotFoundError)
    assert isinstance(error_from_response(404, {}, f"[{payload}]".encode()), NotFoundError)


def test_non_gemini_bodies_fall_back_to_the_core() -> None:
    assert error_from_response(502, {}, b"<html>Bad gateway</html>") is None
    error = decode_response(GeminiDecoder(), 502, {}, [b"<html>Bad gateway</html>"], provider="gemini")[-1]
    assert error.code == "server" and "gemini answered HTTP 502" in error.message


def test_in_band_payload_without_http_status() -> None:
    error = gemini_error({"error": {"code": 500, "message": "oops", "status": "INTERNAL"}})
    assert isinstance(error, ServerError) and error.status_code is None and "in the stream" in error.message
    assert gemini_error({"candidates": []}) is None
    assert gemini_error({"error": {"message": "no status"}}).code == "server"  # type: ignore[union-attr]
