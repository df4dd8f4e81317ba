"""Answers that are not the stream asked for: a redirect, or a body in another format.

rillet does not follow redirects (that would re-send the request and its key to another
address): a 3xx is reported, saying where the server pointed.

A 200 answer whose body yields no event at all and ends is either a stream cut before its
first frame, or not the wire format the decoder reads: an HTML page (a captive portal, a
proxy's login page, a web server at the wrong path), or another provider's format (the
OpenAI plugin pointed at an NDJSON server). The second is no reason to retry: it is a
``protocol`` error that quotes the first bytes, so a person sees what arrived.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from ._errors import RemoteProtocolError, RilletError, TransportError, TruncatedStreamError
from ._http_errors import flat_headers
from ._redaction import redact_url
from .framing import quote_bytes

if TYPE_CHECKING:
    import httpx

    from ._decoding import Decoder

__all__ = ["CheckedDecoder", "redirect_error"]


def redirect_error(status: int, headers: Mapping[str, Any], url: Any, *, provider: str | None = None) -> RilletError:
    """The error for a 3xx answer to ``url``: not retryable, saying where the server pointed."""
    location = flat_headers(headers).get("location")
    where = f"to {redact_url(_resolve(url, location))}" if location else "without saying where (no Location header)"
    return TransportError(
        f"the server redirected (HTTP {status}) {where}; rillet does not follow redirects, which would "
        f"re-send the request and its key elsewhere — set the base URL to the address the server names",
        retryable=False,
        status_code=status,
        provider=provider,
    )


def _resolve(url: Any, location: str) -> str:
    """``location`` resolved against ``url`` (a relative ``Location`` becomes absolute)."""
    import httpx

    try:
        return str(httpx.URL(str(url)).join(location))
    except (ValueError, TypeError):
        return location


#: How many first bytes of the body are kept to quote.
HEAD_BYTES = 200


class CheckedDecoder:
    """Wraps a decoder: keeps the first bytes of the body and whether any event came out."""

    __slots__ = ("decoder", "request", "response", "head", "decoded")

    def __init__(self, decoder: Decoder, request: httpx.Request, response: httpx.Response) -> None:
        self.decoder = decoder
        self.request = request
        self.response = response
        self.head = b""
        self.decoded = False

    def feed(self, data: bytes) -> list[Any]:
        """Feed the wrapped decoder, keeping the first :data:`HEAD_BYTES` bytes until an event came out."""
        if self.decoded:  # the body is the wire format: nothing left to watch
            return self.decoder.feed(data)
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        events = self.decoder.feed(data)
        self.decoded = bool(events)
        return events

    def close(self) -> list[Any]:
        """Close the wrapped decoder; a ``truncated`` (or, from a body read whole at its end,
        ``protocol``) event with nothing decoded becomes an exception :meth:`explain` reads."""
        events = self.decoder.close()
        last = events[-1] if events else None
        if not self.decoded and last is not None and last.type == "error" and last.code in ("truncated", "protocol"):
            raise TruncatedStreamError(last.message)
        self.decoded = self.decoded or bool(events)
        return events

    def explain(self, error: RilletError) -> RilletError:
        """The error to report for ``error`` (a truncation, or a frame the decoder could not
        read): ``protocol`` quoting the body's first bytes when it is not the wire format."""
        if self.decoded or not self.head.strip() or not self._unexpected():
            return error
        content_type = self.response.headers.get("content-type") or "no content type"
        wanted = self.request.headers.get("accept")
        expected = f"where {wanted} was asked for" if wanted else "that the decoder could not read"
        return RemoteProtocolError(
            f"the server answered HTTP {self.response.status_code} with {content_type} {expected}, and no event "
            f"could be read from it; it began {quote_bytes(self.head)} — check that the base URL points at "
            f"the provider's API ({redact_url(self.request.url)})",
            status_code=self.response.status_code,
        )

    def _unexpected(self) -> bool:
        """Whether the body is plainly not what was asked for: markup, or a type the request did not accept."""
        if self.head.lstrip().startswith(b"<"):
            return True
        media = _media_type(self.response.headers.get("content-type", ""))
        accepted = {_media_type(item) for item in self.request.headers.get("accept", "").split(",")} - {""}
        return bool(media and accepted) and "*/*" not in accepted and media not in accepted


def _media_type(value: str) -> str:
    return value.partition(";")[0].strip().lower()
