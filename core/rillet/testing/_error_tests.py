"""The HTTP-error standard tests: recorded error responses and synthetic statuses."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from ._cases import Case
from ._checks import check_grammar

__all__ = ["ERROR_CODES_FOR_STATUS", "SYNTHETIC_STATUSES", "HTTPErrorTests"]

#: The error codes an HTTP status may map to (a decoder's refinement may pick among them).
ERROR_CODES_FOR_STATUS: dict[int, frozenset[str]] = {
    400: frozenset({"bad_request", "authentication", "content_filter", "quota"}),
    401: frozenset({"authentication"}),
    403: frozenset({"permission", "authentication", "quota"}),
    404: frozenset({"not_found"}),
    413: frozenset({"bad_request"}),
    422: frozenset({"bad_request"}),
    429: frozenset({"rate_limit", "quota"}),
    529: frozenset({"overloaded"}),
}
_SERVER_CODES = frozenset({"server", "overloaded"})
SYNTHETIC_STATUSES = (400, 401, 403, 404, 429, 500, 503)
_RETRYABLE = {"rate_limit": True, "overloaded": True, "server": True, "authentication": False,
              "permission": False, "not_found": False, "bad_request": False}


class HTTPErrorTests:
    """Mixed into :class:`rillet.testing.ProviderConformance`."""

    provider: ClassVar[str]
    synthetic_error_body: ClassVar[bytes]
    cases: Any
    decode: Any
    make_decoder: Any

    def test_recorded_http_error(self, http_error_case: Case) -> None:
        """A recorded HTTP error maps to the right code, status and ``Retry-After``."""
        from .._http_errors import parse_retry_after

        case = http_error_case
        events = self.decode(case)
        check_grammar(events, self.provider)
        self._check_error_event(events[-1], case.status, parse_retry_after(case.interaction.response.headers))

    def test_http_error_statuses(self, error_status: int) -> None:
        """Synthetic 400/401/403/404/429 (with Retry-After)/500/503 responses map to the
        right error codes through the plugin's decoder."""
        from .._decoding import decode_response

        owned = [case for case in self.cases() if case.owned]
        if not owned:
            pytest.fail("no cassette is decoded by the plugin, so there is no decoder to test")
        headers = {"content-type": "application/json"}
        if error_status == 429:
            headers["retry-after"] = "7"
        case = owned[0]
        events = decode_response(
            self.make_decoder(case), error_status, headers, [self.synthetic_error_body],
            provider=self.provider, model=case.model_name,
        )
        check_grammar(events, self.provider)
        self._check_error_event(events[-1], error_status, 7.0 if error_status == 429 else None)

    def _check_error_event(self, event: Any, status: int, retry_after: float | None) -> None:
        assert event.type == "error", f"HTTP {status} gave {event.type!r}, not an error"
        allowed = ERROR_CODES_FOR_STATUS.get(status) or (_SERVER_CODES if status >= 500 else frozenset({"bad_request"}))
        assert event.code in allowed, f"HTTP {status} became {event.code!r}; expected one of {sorted(allowed)}"
        assert event.status_code == status, f"status_code is {event.status_code}, the response said {status}"
        if retry_after is not None and event.code == "rate_limit":
            assert event.retry_after == pytest.approx(retry_after, abs=2), (
                f"Retry-After said {retry_after}s, the error says {event.retry_after}"
            )
        if event.code in _RETRYABLE:
            assert event.retryable is _RETRYABLE[event.code], f"{event.code} should have retryable={_RETRYABLE[event.code]}"
