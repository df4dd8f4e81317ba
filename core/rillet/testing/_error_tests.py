"""The HTTP-error standard tests: recorded error responses and synthetic statuses."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from ._cases import Case
from ._checks import check_grammar

__all__ = ["SYNTHETIC_STATUSES", "HTTPErrorTests", "allowed_codes"]

SYNTHETIC_STATUSES = (400, 401, 403, 404, 429, 500, 503)
_RETRYABLE = {"rate_limit": True, "overloaded": True, "server": True, "authentication": False,
              "permission": False, "not_found": False, "bad_request": False}


def allowed_codes(status: int, mapping: Any = None) -> frozenset[str]:
    """The error codes HTTP ``status`` may map to: the class the status decides and the
    classes an error kind may refine it to (the core's rule, with the decoder's
    ``error_mapping`` overrides)."""
    from .._error_mapping import REFINEMENTS, ErrorMapping

    decided = (mapping or ErrorMapping()).status_class(status)
    return frozenset(cls.code for cls in (decided, *REFINEMENTS.get(decided, ())))


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
        mapping = getattr(self.make_decoder(case), "error_mapping", None)
        self._check_error_event(events[-1], case.status, parse_retry_after(case.interaction.response.headers), mapping)

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
        decoder = self.make_decoder(case)
        events = decode_response(
            decoder, error_status, headers, [self.synthetic_error_body],
            provider=self.provider, model=case.model_name,
        )
        check_grammar(events, self.provider)
        retry_after = 7.0 if error_status == 429 else None
        self._check_error_event(events[-1], error_status, retry_after, getattr(decoder, "error_mapping", None))

    def _check_error_event(self, event: Any, status: int, retry_after: float | None, mapping: Any) -> None:
        assert event.type == "error", f"HTTP {status} gave {event.type!r}, not an error"
        allowed = allowed_codes(status, mapping)
        assert event.code in allowed, f"HTTP {status} became {event.code!r}; expected one of {sorted(allowed)}"
        assert event.status_code == status, f"status_code is {event.status_code}, the response said {status}"
        if retry_after is not None and event.code == "rate_limit":
            assert event.retry_after == pytest.approx(retry_after, abs=2), (
                f"Retry-After said {retry_after}s, the error says {event.retry_after}"
            )
        if event.code in _RETRYABLE:
            assert event.retryable is _RETRYABLE[event.code], f"{event.code} should have retryable={_RETRYABLE[event.code]}"
