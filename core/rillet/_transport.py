"""One streaming flow, for two drivers.

``stream_flow`` is a plain generator holding all the logic of a streamed exchange:
sending, HTTP errors, decoding, retries with backoff, timeouts, truncation. It yields
*operations* (send, read, sleep) and lists of events; a driver (:mod:`rillet._drivers`)
performs the operations with httpx — ``drive_sync`` with ``httpx.Client``, ``drive_async``
with ``httpx.AsyncClient`` — and hands the events to the caller. There is no second copy of
the logic for async (the pattern of ``httpx.Auth.auth_flow``).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any, Callable, Generator

import httpx

from ._decoding import DEFAULT_MAX_FRAME_BYTES, Decoder, EventSequencer, count_unframed, decode_step, error_for_status
from ._events import Event
from ._errors import (
    ConnectError,
    RemoteProtocolError,
    RilletError,
    StreamTimeoutError,
    TransportError,
    TruncatedStreamError,
)

__all__ = ["Close", "Read", "ReadAll", "Send", "Sleep", "StreamOptions", "StreamState", "map_httpx_error", "stream_flow"]


@dataclass(frozen=True)
class StreamOptions:
    """Timeouts (seconds; ``None`` = no limit), size limit and retry policy of a stream.

    Every timeout holds in sync and async code alike, whatever the others are set to:
    the sooner limit ends the wait, and the error's ``phase`` names it.

    Attributes:
        connect_timeout: to open the connection (and to wait for a pooled one).
        first_token_timeout: from sending the request to the first body bytes (it covers
            connecting and waiting for the response headers too).
        gap_timeout: the longest silence between two body chunks.
        total_timeout: for the whole stream, retries included.
        max_frame_bytes: the most body bytes the decoder may take in without producing
            an event (a line, frame or JSON value that long is an error, ``protocol``,
            so a hostile or broken server cannot make the client buffer without end).
        max_retries: re-sends after a retryable failure, only before any event was
            delivered to the caller.
        backoff_initial: the first backoff delay; it doubles per retry, with jitter.
        backoff_max: the longest backoff delay.
        retry_after_max: the longest ``Retry-After`` rillet waits; a longer one is
            surfaced as the error instead.
        on_retry: called as ``on_retry(error, seconds)`` before waiting ``seconds`` to
            re-send after ``error`` (the CLI says so on stderr); ``None`` = silent.
    """

    connect_timeout: float | None = 10.0
    first_token_timeout: float | None = 120.0
    gap_timeout: float | None = 60.0
    total_timeout: float | None = None
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES
    max_retries: int = 2
    backoff_initial: float = 0.5
    backoff_max: float = 20.0
    retry_after_max: float = 60.0
    on_retry: Callable[[RilletError, float], None] | None = None

    def backoff(self, attempt: int, retry_after: float | None, rng: Callable[[], float] = random.random) -> float | None:
        """Seconds to wait before retry ``attempt`` (from 0), or ``None`` not to retry."""
        if attempt >= self.max_retries:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.retry_after_max else None
        delay: float = min(self.backoff_max, self.backoff_initial * (2**attempt))
        return delay * (0.5 + rng() / 2)


# Operations the flow asks a driver to perform -------------------------------------------
#
# Send, Read and ReadAll carry ``timeout``: the seconds the driver may wait (``None``: no
# limit). When they pass with no data the driver throws ``TimeoutError`` into the flow,
# which knows which limit that was. Bytes that arrived are always handed over first.


class Send:
    """Send ``request``; the driver answers with the streamed ``httpx.Response``."""

    __slots__ = ("request", "timeout")

    def __init__(self, request: httpx.Request, timeout: float | None) -> None:
        self.request = request
        self.timeout = timeout


class Read:
    """Read the next body chunk (``b""`` at the end) within ``timeout`` seconds.

    ``events``, when set, are delivered to the caller before the read: the flow hands
    over a chunk's events and asks for the next chunk in one step.
    """

    __slots__ = ("response", "timeout", "events")

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.timeout: float | None = None
        self.events: list[Event] | None = None


class ReadAll:
    """Read the whole remaining body (an error response) within ``timeout`` seconds."""

    __slots__ = ("response", "timeout")

    def __init__(self, response: httpx.Response, timeout: float | None) -> None:
        self.response = response
        self.timeout = timeout


class Sleep:
    """Wait ``seconds`` before retrying."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Close:
    """Close ``response`` (release the connection).

    With ``drain``, after a stream's terminal event, the driver first reads what is left
    of the body (the chunked terminator, a trailing ``[DONE]``) within the bounds of
    :mod:`rillet._drivers` (``DRAIN_SECONDS``, ``DRAIN_BYTES``): a body read to its end hands
    its connection back to the pool, so the next request skips the TCP and TLS handshakes.
    A body that does not end by then is closed, and its connection with it.
    """

    __slots__ = ("response", "drain")

    def __init__(self, response: httpx.Response, drain: bool = False) -> None:
        self.response = response
        self.drain = drain


# httpx errors → rillet errors ------------------------------------------------------------

_HTTPX_ERRORS: list[tuple[type[Exception], Callable[[str, str], RilletError]]] = [
    (httpx.ConnectTimeout, lambda m, p: StreamTimeoutError(f"connecting timed out: {m}", phase="connect")),
    (httpx.PoolTimeout, lambda m, p: StreamTimeoutError(f"no free connection in time: {m}", phase="connect")),
    (httpx.ReadTimeout, lambda m, p: StreamTimeoutError(f"no data within the {p.replace('_', ' ')} timeout", phase=p)),
    (httpx.WriteTimeout, lambda m, p: StreamTimeoutError(f"sending the request timed out: {m}", phase="connect")),
    (httpx.TimeoutException, lambda m, p: StreamTimeoutError(f"timed out: {m}", phase=p)),
    (httpx.RemoteProtocolError, lambda m, p: TruncatedStreamError(f"the connection ended early: {m}")),
    (httpx.LocalProtocolError, lambda m, p: TransportError(f"invalid HTTP request: {m}", retryable=False)),
    (httpx.ReadError, lambda m, p: ConnectError(f"the connection broke while reading: {m}")),
    (httpx.WriteError, lambda m, p: ConnectError(f"the connection broke while sending: {m}")),
    (httpx.CloseError, lambda m, p: ConnectError(f"closing the connection failed: {m}")),
    (httpx.ProxyError, lambda m, p: ConnectError(f"the proxy failed: {m}")),
    (httpx.UnsupportedProtocol, lambda m, p: TransportError(f"unsupported URL: {m} — the base URL needs http:// or https://", retryable=False)),
    (httpx.DecodingError, lambda m, p: RemoteProtocolError(f"the body could not be decompressed: {m}")),
    (httpx.TooManyRedirects, lambda m, p: TransportError(f"too many redirects: {m}", retryable=False)),
    (httpx.StreamError, lambda m, p: TransportError(f"the response stream was misused: {m}", retryable=False)),
    (httpx.InvalidURL, lambda m, p: TransportError(f"invalid URL: {m}", retryable=False)),
]


def map_httpx_error(exc: Exception, phase: str = "total") -> RilletError:
    """The most specific rillet error for an httpx exception (``raise … from exc`` it)."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return ConnectError(f"could not connect to {_url_of(exc)}: {message} — check the base URL and your network")
    if isinstance(exc, httpx.HTTPStatusError):
        from ._http_errors import error_from_response

        response = exc.response
        return error_from_response(response.status_code, response.headers, b"")
    for cls, make in _HTTPX_ERRORS:
        if isinstance(exc, cls):
            return make(message, phase)
    return TransportError(f"{type(exc).__name__}: {message}")


def _url_of(exc: httpx.RequestError) -> str:
    """The URL ``exc`` happened on, fit to show (credentials hidden)."""
    from ._redaction import redact_url

    try:
        return redact_url(exc.request.url)
    except RuntimeError:  # raised by httpx itself, before a request was attached
        return "the server"


# The flow ----------------------------------------------------------------------------


class StreamState:
    """What a running stream knows: the sequencer (grammar + partial result) and timing."""

    __slots__ = ("sequencer", "sent_at", "first_event_at", "ended_at", "attempts")

    def __init__(self, provider: str, model: str) -> None:
        self.sequencer = EventSequencer(provider, model)
        self.sent_at: float | None = None
        self.first_event_at: float | None = None
        self.ended_at: float | None = None
        self.attempts = 0


def stream_flow(
    request: httpx.Request,
    make_decoder: Callable[[], Decoder],
    options: StreamOptions,
    state: StreamState,
    clock: Callable[[], float] = time.monotonic,
) -> Generator[Any, Any, None]:
    """The whole logic of one streamed exchange, as a generator of operations and events.

    Yields ``Send``/``Read``/``ReadAll``/``Sleep``/``Close`` operations (the driver sends
    back their result, or throws the httpx exception they raised, or ``TimeoutError``
    when their ``timeout`` passed) and lists of events for the caller. Retries only
    while nothing has been delivered. Closed before its terminal event (the caller broke
    off, closed the stream or was cancelled), it marks the aggregate cancelled.
    """
    from ._unexpected_answers import CheckedDecoder, redirect_error

    sequencer = state.sequencer
    provider = sequencer.provider or None
    state.sent_at = started = clock()
    total_deadline = None if options.total_timeout is None else started + options.total_timeout
    gap_timeout = options.gap_timeout
    max_frame_bytes = options.max_frame_bytes
    request.extensions["timeout"] = _httpx_timeout(options)
    try:
        while True:
            state.attempts += 1
            response: httpx.Response | None = None
            checked: CheckedDecoder | None = None
            phase = "connect"  # what an httpx error is blamed on
            now = clock()
            first_token_deadline = None if options.first_token_timeout is None else now + options.first_token_timeout
            try:
                try:
                    timeout, limit = _budget(first_token_deadline, "first_token", total_deadline, now)
                    response = yield Send(request, timeout)
                    decoder = make_decoder()
                    phase = "first_token"
                    if response.status_code >= 400:
                        timeout, limit = _budget(first_token_deadline, "first_token", total_deadline, clock())
                        body = yield ReadAll(response, timeout)
                        raise error_for_status(decoder, response.status_code, response.headers, body, provider)
                    if response.status_code >= 300:
                        raise redirect_error(response.status_code, response.headers, request.url, provider=provider)
                    plain, decoder = decoder, CheckedDecoder(decoder, request, response)
                    checked = decoder
                    read = Read(response)
                    fixed = False  # whether read.timeout stays the same from read to read
                    pending: list[Event] | None = None  # events the driver delivers before the next read
                    unframed = 0  # bytes fed since the decoder last produced an event
                    while True:
                        if not fixed:
                            now = clock()
                            if phase == "first_token":
                                read.timeout, limit = _budget(first_token_deadline, phase, total_deadline, now)
                            else:
                                gap_deadline = None if gap_timeout is None else now + gap_timeout
                                read.timeout, limit = _budget(gap_deadline, phase, total_deadline, now)
                                fixed = total_deadline is None
                        read.events = pending
                        chunk = yield read
                        if chunk and phase == "first_token":
                            phase = "gap"
                        decoded = decode_step(decoder, chunk, provider)
                        if decoded:  # count_unframed, inlined on the hot path
                            unframed = 0
                            decoder = plain  # an event came out: the check has nothing left to watch
                        else:
                            unframed = count_unframed(unframed, chunk, decoded, max_frame_bytes)
                        events = sequencer.accept(decoded)
                        pending = None
                        if events:
                            if state.first_event_at is None or sequencer.finished:
                                _stamp(state, events, clock)
                            if not sequencer.finished:
                                pending = events
                                continue
                            yield events
                        if sequencer.finished:
                            yield Close(response, drain=bool(chunk))
                            return
                        if not chunk:
                            raise TruncatedStreamError("the body ended without a terminal event")
                except TimeoutError:
                    raise _timeout_error(limit, options) from None
                except httpx.HTTPError as exc:
                    raise map_httpx_error(exc, phase) from exc
                except (TruncatedStreamError, RemoteProtocolError) as error:
                    raise checked.explain(error) if checked is not None else error
            except RilletError as error:
                if error.provider is None:
                    error.provider = provider
                delay = None
                if error.retryable and not sequencer.started:
                    delay = options.backoff(state.attempts - 1, error.retry_after)
                    if delay is not None and total_deadline is not None and clock() + delay > total_deadline:
                        delay = None
                if response is not None:
                    yield Close(response)
                if delay is None:
                    events = sequencer.fail(error)
                    _stamp(state, events, clock)
                    yield events
                    return
                if options.on_retry is not None:
                    options.on_retry(error, delay)
                yield Sleep(delay)

    finally:  # closed or done: an aggregate that saw no terminal event was cancelled
        sequencer.aggregator.cancel()

def _httpx_timeout(options: StreamOptions) -> dict[str, float | None]:
    """httpx's own timeouts. The drivers bound every wait for data by the first-token,
    gap and total limits; the read timeout here, never shorter than those, is only a
    fallback for a sync transport without rillet's deadline backend (a proxy from the
    environment, a custom transport)."""
    reads = [limit for limit in (options.first_token_timeout, options.gap_timeout) if limit is not None]
    read = max(reads) if len(reads) == 2 else None
    return {"connect": options.connect_timeout, "read": read, "write": options.connect_timeout, "pool": options.connect_timeout}


def _budget(deadline: float | None, phase: str, total_deadline: float | None, now: float) -> tuple[float | None, str]:
    """Seconds left to the sooner of ``deadline`` (of ``phase``) and the total deadline,
    and which limit that is."""
    if total_deadline is not None and (deadline is None or total_deadline <= deadline):
        deadline, phase = total_deadline, "total"
    if deadline is None:
        return None, phase
    return (deadline - now if deadline > now else 0.0), phase


_LIMITS = {
    "first_token": ("no data within the first token timeout", "first_token_timeout", "after sending the request"),
    "gap": ("no data within the gap timeout", "gap_timeout", "of silence"),
    "total": ("the stream ran past its total timeout", "total_timeout", "in all"),
}


def _timeout_error(phase: str, options: StreamOptions) -> StreamTimeoutError:
    """The error for the ``phase`` limit passing with no data."""
    summary, option, span = _LIMITS[phase]
    seconds = getattr(options, option)
    return StreamTimeoutError(f"{summary} ({seconds:g}s {span}; raise StreamOptions.{option} if the provider is just slow)", phase=phase)


def _stamp(state: StreamState, events: list[Event], clock: Callable[[], float]) -> None:
    now = clock()
    if state.first_event_at is None and any(event.type != "start" for event in events):
        state.first_event_at = now
    last = events[-1]
    if last.type in ("end", "error"):
        state.ended_at = now
        if last.type == "end":
            from ._events import Timing

            sent = state.sent_at or now
            timing = Timing(
                time_to_first_token=None if state.first_event_at is None else state.first_event_at - sent,
                duration=now - sent,
            )
            events[-1] = last.model_copy(update={"timing": timing})
            state.sequencer.aggregator.timing = timing
