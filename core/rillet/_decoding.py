"""The decoder contract and the sequencing every decoded stream goes through."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Protocol

from ._aggregate import StreamAggregator
from ._errors import MalformedFrameError, RemoteProtocolError, RilletError, TruncatedStreamError
from ._events import ErrorEvent, Event, StartEvent, read_tool_arguments

if TYPE_CHECKING:
    from ._redaction import Redactor

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "Decoder",
    "EventSequencer",
    "decode_chunks",
    "decode_response",
    "decode_step",
    "error_for_status",
    "count_unframed",
    "parse_tool_arguments",
]

DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024
"""The most body bytes a decoder may take in without producing an event (16 MiB)."""


class Decoder(Protocol):
    """A provider's incremental, I/O-free stream decoder.

    ``feed`` is given the response body in chunks of any size and returns the rillet
    events they complete; ``close`` is called once at the end of the body and returns the
    remaining events. A decoder emits ``start`` first and ends with exactly one ``end`` or
    ``error``; if the body ends before the provider's terminal condition, ``close`` raises
    ``TruncatedStreamError`` (or returns an ``error`` event with code ``truncated``). A
    malformed frame raises ``RemoteProtocolError`` quoting the bytes. The core turns those
    exceptions into ``error`` events carrying the partial result.

    Optional, for HTTP error responses: an ``error_mapping`` attribute (an
    :class:`~rillet.provider.ErrorMapping` with the provider's overrides and hints) and an
    ``error_from_response(status, headers, body)`` method for quirks the table cannot say.
    """

    def feed(self, data: bytes) -> list[Event]:
        """Decode more of the body."""
        ...

    def close(self) -> list[Event]:
        """The body ended; return the final events (or raise if it ended too early)."""
        ...


def decode_step(decoder: Decoder, chunk: bytes, provider: str | None = None) -> list[Event]:
    """Feed ``chunk`` to ``decoder`` (``b""`` closes it).

    A decoder bug on unexpected data (``KeyError``, ``TypeError`` …) becomes a
    ``RemoteProtocolError`` so the caller still gets a typed error and the partial result.
    At close, a protocol error means the body was cut inside a frame: it becomes
    ``TruncatedStreamError``.
    """
    if not chunk:
        return _close(decoder, provider)
    try:
        return decoder.feed(chunk)
    except RilletError:
        raise
    except Exception as exc:
        raise RemoteProtocolError(
            f"the {provider or 'provider'} decoder could not handle the data it received "
            f"({type(exc).__name__}: {exc}); please report this with the recorded body"
        ) from exc


def count_unframed(count: int, chunk: bytes, decoded: list[Event], limit: int | None) -> int:
    """The bytes fed since the decoder last produced an event, after feeding ``chunk``
    (which gave ``decoded``); raises ``RemoteProtocolError`` past ``limit``.

    Counted by the core, around the decoder, so the limit protects every decoder
    whatever framing it uses: no line, event or JSON value grows without end.
    """
    if decoded:
        return 0
    count += len(chunk)
    if limit is not None and count > limit:
        raise _frame_too_large(limit)
    return count


def _frame_too_large(limit: int) -> RemoteProtocolError:
    return RemoteProtocolError(
        f"the provider sent more than {limit:,} bytes without completing a frame (a line, event or "
        f"JSON value longer than the max_frame_bytes limit); raise StreamOptions.max_frame_bytes "
        f"if the provider really sends frames this large"
    )


def _close(decoder: Decoder, provider: str | None) -> list[Event]:
    """Close ``decoder``; a malformed frame found at the end of the body means it was cut."""
    try:
        events = decoder.close()
    except MalformedFrameError:  # a whole bad frame found earlier, not a cut
        raise
    except RemoteProtocolError as error:
        raise TruncatedStreamError(f"the body ended inside a frame: {error.message}") from error
    except RilletError:
        raise
    except Exception as exc:
        raise TruncatedStreamError(
            f"the body ended inside a frame the {provider or 'provider'} decoder could not read "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    if events and events[-1].type == "error" and events[-1].code == "protocol":
        last = events[-1]
        events[-1] = last.model_copy(
            update={"code": "truncated", "retryable": True, "message": f"the body ended inside a frame: {last.message}"}
        )
    return events


def parse_tool_arguments(raw: str) -> Any:
    """Parse a finished tool call's argument text: ``""`` means no arguments (``{}``).

    Raises ``RemoteProtocolError`` when the text is not JSON. Decoders finishing a call
    use ``ToolCallEvent.finished`` instead, which keeps the call and marks the failure.
    """
    arguments, error = read_tool_arguments(raw)
    if error is not None:
        raise RemoteProtocolError(f"tool call arguments are not valid JSON: {raw[:200]!r} ({error})")
    return arguments


class EventSequencer:
    """Enforces the event grammar on a decoder's output and keeps the partial result.

    Guarantees exactly one ``start`` first (one is made if the decoder sent none) and
    exactly one terminal event last; events after the terminal one are dropped. ``error``
    events get ``partial`` filled from the aggregate and their secrets removed by
    ``redactor`` (a :class:`~rillet._redaction.Redactor`, when the stream has one), and
    exceptions raised by the decoder become ``error`` events through :meth:`fail`.
    """

    __slots__ = ("provider", "model", "aggregator", "started", "finished", "redactor")

    def __init__(self, provider: str = "", model: str = "") -> None:
        self.provider = provider
        self.model = model
        self.aggregator = StreamAggregator()
        self.started = False
        self.finished = False
        self.redactor: Redactor | None = None

    def accept(self, events: Iterable[Event]) -> list[Event]:
        """Pass decoder events through the grammar; return those the caller may see."""
        out: list[Event] = []
        if self.finished:
            return out
        add = self.aggregator.add
        for event in events:
            kind = event.type
            if kind == "error" and self.redactor is not None:
                event = self.redactor.event(event)
            if not self.started:
                self.started = True
                if kind != "start":
                    out.append(self._start())
            elif kind == "start":
                continue
            if event.type == "error":
                if event.partial is None:
                    event = event.model_copy(update={"partial": self.aggregator.message()})
                self.finished = True
            elif kind == "end":
                self.finished = True
            add(event)
            out.append(event)
            if self.finished:
                break
        return out

    def fail(self, error: RilletError) -> list[Event]:
        """Report ``error`` as the terminal event (after a ``start`` if none was sent)."""
        if error.partial is None and self.started:
            error.partial = self.aggregator.message()
        return self.accept([ErrorEvent.from_exception(error)])

    def _start(self) -> StartEvent:
        event = StartEvent(provider=self.provider, model=self.model)
        self.aggregator.add(event)
        return event


def decode_chunks(
    decoder: Decoder,
    chunks: Iterable[bytes],
    *,
    provider: str = "",
    model: str = "",
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
) -> list[Event]:
    """Feed ``chunks`` to ``decoder`` then close it; return the sequenced events.

    The sans-IO equivalent of a stream: what ``rillet replay`` and the conformance kit use.
    More than ``max_frame_bytes`` bytes without an event is a ``protocol`` error, as in a
    stream.
    """
    sequencer = EventSequencer(provider, model)
    events: list[Event] = []
    unframed = 0  # bytes fed since the decoder last produced an event
    try:
        for chunk in chunks:
            if not chunk:
                continue
            decoded = decode_step(decoder, chunk, provider)
            unframed = count_unframed(unframed, chunk, decoded, max_frame_bytes)
            events += sequencer.accept(decoded)
            if sequencer.finished:
                return events
        events += sequencer.accept(decode_step(decoder, b"", provider))
        if not sequencer.finished:
            raise TruncatedStreamError("the decoder ended without an end or error event")
    except RilletError as error:
        events += sequencer.fail(error)
    return events


def error_for_status(decoder: Any, status: int, headers: Any, body: bytes, provider: str | None) -> RilletError:
    """The error for an HTTP error response: the decoder's ``error_from_response`` method if
    it has one (``None`` from it keeps the core's), else the core's reading with the
    decoder's ``error_mapping`` (an :class:`~rillet.provider.ErrorMapping`), if any."""
    from ._http_errors import error_from_response

    refine = getattr(decoder, "error_from_response", None)
    error = refine(status, headers, body) if refine is not None else None
    if error is None:
        mapping = getattr(decoder, "error_mapping", None)
        error = error_from_response(status, headers, body, provider=provider, mapping=mapping)
    if error.provider is None:
        error.provider = provider
    return error


def decode_response(
    decoder: Decoder,
    status: int,
    headers: Any,
    chunks: Iterable[bytes],
    *,
    provider: str = "",
    model: str = "",
) -> list[Event]:
    """Decode a whole recorded response: an error status becomes ``start`` + ``error``."""
    if status >= 400:
        body = b"".join(chunks)
        sequencer = EventSequencer(provider, model)
        return sequencer.fail(error_for_status(decoder, status, headers, body, provider or None))
    return decode_chunks(decoder, chunks, provider=provider, model=model)
