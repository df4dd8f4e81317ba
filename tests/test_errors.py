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


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 408, 413, 418, 422, 429, 500, 502, 503, 504, 529])
def test_an_error_kind_changes_the_class_a_status_decides_only_where_it_refines_it(status: int) -> None:
    from rillet._error_mapping import _BY_KIND, REFINEMENTS

    mapping = rillet.provider.ErrorMapping()
    decided = mapping.classify(status, [])
    for kind, named in _BY_KIND.items():
        expected = named if named in REFINEMENTS.get(decided, ()) else decided
        assert mapping.classify(status, [kind]) is expected, (status, kind)
        assert mapping.classify(None, [kind]) is named  # in the stream the kind decides


def test_a_plugins_mapping_adds_statuses_kinds_hints_and_its_key_variable() -> None:
    from rillet.provider import ErrorMapping, error_message

    mapping = ErrorMapping(
        statuses={418: rillet.RateLimitError},
        kinds={"credits_exhausted": rillet.QuotaExceededError},
        hints={rillet.RateLimitError: "slow down, {provider}"},
        key_env_var="ACME_API_KEY",
    )
    assert mapping.classify(418, []) is rillet.RateLimitError
    assert mapping.classify(429, ["credits_exhausted"]) is rillet.QuotaExceededError
    assert mapping.classify(401, ["credits_exhausted"]) is rillet.AuthenticationError
    assert mapping.classify(None, ["nobody_knows_this"]) is rillet.ServerError
    assert mapping.hint(rillet.RateLimitError, "acme") == "slow down, acme"
    assert mapping.hint(rillet.AuthenticationError, "acme") == "check the key (ACME_API_KEY or `rillet keys set acme`)"
    assert mapping.hint(rillet.BadRequestError, "acme") is None
    error = rillet.provider.error_from_response(418, {"retry-after": "2"}, b'{"error": {"code": "teapot", "message": "short"}}',
                                                provider="acme", mapping=mapping)
    assert type(error) is rillet.RateLimitError and error.retry_after == 2.0
    assert error.message == "acme answered HTTP 418 (teapot): short — slow down, acme"
    assert error_message("acme", None, kind="x") == "acme reported an error in the stream (x): no error message"


def test_error_payloads_of_every_shape_are_read() -> None:
    from rillet.provider import read_error

    google = {"error": {"code": 400, "message": "m", "status": "INVALID_ARGUMENT", "details": [{"reason": "API_KEY_INVALID"}]}}
    assert read_error(google) == ("m", ["API_KEY_INVALID", "INVALID_ARGUMENT"], 400)
    assert read_error({"type": "error", "error": {"type": "overloaded_error", "message": "o"}}) == ("o", ["overloaded_error"], None)
    assert read_error({"type": "error", "code": "server_error", "message": "r"}) == ("r", ["server_error"], None)
    assert read_error({"error": {"code": "502", "message": "down"}}) == ("down", ["502"], 502)
    assert read_error({"error": "model not found"}) == ("model not found", [], None)
    assert read_error({"detail": "Not Found"}) == ("Not Found", [], None)
    assert read_error("<html>oops</html>") == ("<html>oops</html>", [], None)
    assert read_error(None) == (None, [], None) and read_error([1]) == (None, [], None)

# One rule per behaviour, the same input fed to every shipped plugin ------------------------

from provider_streams import WIRES  # noqa: E402  (the plugins are installed in the dev environment)

PLUGINS = sorted(WIRES)
SSE_PLUGINS = sorted(name for name, wire in WIRES.items() if wire.sse)


def _decode(wire, chunks: list[bytes]) -> list:
    return rillet.provider.decode_chunks(wire.make_decoder(), chunks, provider=wire.provider, model="m")


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        # a proxy in front of the provider: its body says nothing the status does not
        (401, b'{"error": {"type": "invalid_request_error", "message": "proxy: bad key"}}', "authentication"),
        (401, b"<html>401 Authorization Required</html>", "authentication"),
        (401, b"", "authentication"),
        (403, b'{"error": {"type": "authentication_error", "message": "forbidden"}}', "permission"),
        (404, b"<html>not here</html>", "not_found"),
        (429, b'{"error": {"type": "invalid_request_error", "message": "slow"}}', "rate_limit"),
        (500, b'{"error": {"type": "rate_limit_error", "message": "odd"}}', "server"),
        (502, b"<html>Bad gateway</html>", "server"),
        # a more specific kind refines the status
        (400, b'{"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "API key not valid",'
              b' "details": [{"reason": "API_KEY_INVALID"}]}}', "authentication"),
        (400, b'{"error": {"type": "invalid_request_error", "code": "invalid_api_key", "message": "bad key"}}', "authentication"),
        (429, b'{"error": {"type": "insufficient_quota", "message": "no credit"}}', "quota"),
        (500, b'{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}', "overloaded"),
    ],
)
@pytest.mark.parametrize("plugin", PLUGINS)
def test_the_http_status_decides_and_the_error_kind_only_refines_it_in_every_plugin(
    plugin: str, status: int, body: bytes, code: str
) -> None:
    wire = WIRES[plugin]
    events = rillet.provider.decode_response(wire.make_decoder(), status, {}, [body], provider=wire.provider)
    assert [event.type for event in events] == ["start", "error"]
    assert events[-1].code == code and events[-1].status_code == status
    assert events[-1].message.startswith(f"{wire.provider} answered HTTP {status}")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ({"type": "rate_limit_error", "message": "slow down"}, "rate_limit"),
        ({"type": "overloaded_error", "message": "Overloaded"}, "overloaded"),
        ({"code": "insufficient_quota", "message": "no credit"}, "quota"),
        ({"code": 503, "message": "upstream busy"}, "overloaded"),  # a numeric code reads as a status
        ({"message": "something broke"}, "server"),
    ],
)
@pytest.mark.parametrize("plugin", PLUGINS)
def test_an_error_inside_the_stream_maps_the_same_in_every_plugin(plugin: str, error: dict, code: str) -> None:
    wire = WIRES[plugin]
    first_token = next(count for count in range(1, len(wire.frames)) if "token" in [e.type for e in _decode(wire, wire.frames[:count])])
    events = _decode(wire, [*wire.frames[:first_token], wire.error_frame(error)])
    assert events[-1].type == "error" and "end" not in [event.type for event in events]
    assert events[-1].code == code and error["message"] in events[-1].message
    assert events[-1].status_code is None and events[-1].partial.text == "Hi"


@pytest.mark.parametrize("plugin", SSE_PLUGINS)
def test_blank_data_events_are_skipped_in_every_sse_plugin(plugin: str) -> None:
    wire = WIRES[plugin]
    blanks = [b"data:\n\n", b"data: \n\n", b"event: ping\ndata:\n\n", b"event: error\ndata:\n\n", b"data:\ndata:\n\n"]
    padded = [chunk for frame in wire.frames for chunk in (*blanks, frame)] + blanks
    clean = _decode(wire, wire.frames)
    assert clean[-1].type == "end"
    assert [event.model_dump() for event in _decode(wire, padded)] == [event.model_dump() for event in clean]
    assert [event.model_dump() for event in _decode(wire, [b"".join(padded)])] == [event.model_dump() for event in clean]


@pytest.mark.parametrize("plugin", PLUGINS)
def test_a_body_ends_cleanly_only_once_the_plugins_terminal_condition_holds(plugin: str) -> None:
    wire = WIRES[plugin]
    for count in range(len(wire.frames) + 1):
        last = _decode(wire, wire.frames[:count])[-1]
        if count >= wire.frames_to_end:
            assert last.type == "end", f"{count} frames: {last}"
        else:
            assert (last.type, last.code) == ("error", "truncated"), f"{count} frames: {last}"
