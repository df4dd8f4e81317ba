"""The error hierarchy and the HTTP error mapping, on the shared recordings' error bodies."""

from __future__ import annotations

import pytest

import rillet
import rillet.provider
from rillet._errors import error_class_for_code
from rillet._http_errors import error_from_response, parse_retry_after

CODES = [
    "missing_key", "unknown_provider", "unknown_model", "authentication", "permission", "not_found",
    "bad_request", "rate_limit", "quota", "overloaded", "server", "timeout", "connection", "truncated",
    "protocol", "content_filter",
]


@pytest.mark.parametrize("code", CODES)
def test_each_documented_code_has_its_own_class(code: str) -> None:
    cls = error_class_for_code(code)
    assert cls.code == code and issubclass(cls, rillet.RilletError) and cls is not rillet.RilletError


def test_error_code_lists_every_class_code_and_nothing_else() -> None:
    import typing

    import rillet._errors as errors

    classes = errors._all_subclasses(rillet.RilletError)
    assert set(typing.get_args(rillet.provider.ErrorCode)) == {cls.code for cls in classes}


def test_the_module_docstring_draws_every_class() -> None:
    import rillet._errors as errors

    for name in errors.__all__:
        if name[0].isupper():
            assert name in errors.__doc__, name


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, b'{"error": {"message": "Incorrect API key", "type": "invalid_request_error", "code": "invalid_api_key"}}', rillet.AuthenticationError),
        (401, b'{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}', rillet.AuthenticationError),
        (403, b'{"error": {"message": "no"}}', rillet.PermissionDeniedError),
        (404, b'{"type":"error","error":{"type":"not_found_error","message":"model: x"}}', rillet.NotFoundError),
        (429, b'{"error": {"message": "You exceeded your current quota", "type": "insufficient_quota"}}', rillet.QuotaExceededError),
        (429, b'{"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}}', rillet.RateLimitError),
        (400, b'{"error": "model is required"}', rillet.BadRequestError),
        (529, b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', rillet.OverloadedError),
        (500, b"<html>oops</html>", rillet.ServerError),
        (502, b"", rillet.ServerError),
    ],
)
def test_http_errors_map_to_the_most_specific_class(status: int, body: bytes, expected: type) -> None:
    error = error_from_response(status, {}, body, provider="prov")
    assert type(error) is expected
    assert error.status_code == status and error.message.startswith(f"prov answered HTTP {status}")


def test_retry_after_in_seconds_milliseconds_and_http_date() -> None:
    assert parse_retry_after({"Retry-After": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert parse_retry_after({}) is None
    assert parse_retry_after({"retry-after": "soon"}) is None  # garbage is ignored, not raised
    assert error_from_response(429, {"retry-after": "4"}, b"{}").retry_after == 4.0


def test_cassette_style_header_lists_are_accepted_and_hints_name_the_provider() -> None:
    error = error_from_response(401, {"Retry-After": ["2"]}, b'{"error": {"message": "bad"}}', provider="gemini")
    assert error.retry_after == 2.0
    assert "rillet keys set gemini" in error.message
