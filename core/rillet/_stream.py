"""``TokenStream`` and ``AggregatedStream``: what ``stream_tokens`` and
``stream_with_aggregation`` return. Both iterate with ``for`` and with ``async for``.

Both share one lifecycle (:class:`_Lifecycle`). Iterating hands out a generator that does
not refer back to the stream object, and the stream keeps that same generator to resume it
in ``result()``; so nothing forms a reference cycle. When neither the loop nor a variable
holds the stream any more, CPython frees the generator at once and its ``finally`` closes
the HTTP response: a ``for`` loop over ``model.stream_tokens(...)`` left with ``break``
closes the connection immediately, with no wait for the garbage collector.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Iterator

from ._aggregate import ChatResult, StreamAggregator
from ._errors import LocalProtocolError
from ._events import ContentEvent

if TYPE_CHECKING:
    import httpx

    from ._decoding import Decoder
    from typing_extensions import Self

    from ._events import Event
    from ._messages import Message
    from ._model import StreamingChatModel

__all__ = ["AggregatedStream", "TokenStream"]

_CLOSED: Any = ()  # the event slot of a closed stream: iterating it yields nothing


class _Lifecycle:
    """Iteration, ``result()`` and closing, the same for both stream kinds.

    A subclass says where its outcome is aggregated (``_aggregator``) and opens its event
    generators (``_open_sync`` / ``_open_async``); each generator marks the aggregate
    cancelled in its ``finally`` when it stops before the terminal event — whether it was
    closed, broken off and freed, or its task was cancelled.
    """

    _events: Any = None  # None before iteration; then the running generator; _CLOSED once closed
    _async = False  # whether the running generator is an async one

    def _aggregator(self) -> StreamAggregator:
        raise NotImplementedError

    def _open_sync(self) -> Iterator[Event]:
        raise NotImplementedError

    def _open_async(self) -> AsyncIterator[Event]:
        raise NotImplementedError

    @property
    def cancelled(self) -> bool:
        """Whether the stream was stopped before its terminal event."""
        return self._aggregator().outcome == "cancelled"

    # iteration ------------------------------------------------------------------------

    def _start(self, asynchronous: bool) -> Any:
        if self._events is not None:
            raise LocalProtocolError(
                "a stream can be iterated only once (this one was already iterated or closed); "
                "call .result() to finish it, or stream again for a new one"
            )
        self._async = asynchronous
        self._events = self._open_async() if asynchronous else self._open_sync()
        return self._events

    def __iter__(self) -> Iterator[Event]:
        return self._start(asynchronous=False)  # type: ignore[no-any-return]

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._start(asynchronous=True)  # type: ignore[no-any-return]

    def _remaining(self, asynchronous: bool) -> Any:
        """The events ``result()`` still has to consume: the rest of a started stream."""
        if self._events is None:
            return self._start(asynchronous)
        if self._async == asynchronous:
            return self._events
        if not self._running():
            return _CLOSED  # it ended, iterated the other way: nothing is left
        how = ("async for", "await stream.aresult()") if self._async else ("for", "stream.result()")
        raise LocalProtocolError(f"this stream is iterated with `{how[0]}`: finish it with `{how[1]}`")

    def _running(self) -> bool:
        """Whether the events were started and have not ended (a generator with a frame)."""
        return getattr(self._events, "ag_frame" if self._async else "gi_frame", None) is not None

    def result(self) -> ChatResult:
        """Consume what is left and return the outcome; raise the typed error if it failed.

        After a ``break`` it finishes the stream; after ``close()`` it returns what
        arrived, with ``outcome == "cancelled"`` and no ``finish_reason``.
        """
        for _ in self._remaining(asynchronous=False):
            pass
        return self._aggregator().result().raise_for_error()

    async def aresult(self) -> ChatResult:
        """Async :meth:`result`."""
        remaining = self._remaining(asynchronous=True)
        if remaining is not _CLOSED:
            async for _ in remaining:
                pass
        return self._aggregator().result().raise_for_error()

    # closing --------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the stream and close the HTTP response now; the result says ``cancelled``."""
        if self._async and self._running():
            raise LocalProtocolError("this stream is iterated with `async for`: close it with `await stream.aclose()` or `async with`")
        events, self._events = self._events, _CLOSED
        if not self._async and events is not None and events is not _CLOSED:
            events.close()
        self._aggregator().cancel()

    async def aclose(self) -> None:
        """Stop the stream and close the HTTP response now; the result says ``cancelled``."""
        if not self._async:
            return self.close()
        events, self._events = self._events, _CLOSED
        if events is not _CLOSED:
            await events.aclose()
        self._aggregator().cancel()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()


class TokenStream(_Lifecycle):
    """A lazy stream of events from one provider response.

    Nothing is sent until iteration starts. Iterate once, with ``for`` or ``async for``;
    :meth:`result` finishes a stream left with ``break``. ``close()``/``aclose()`` (or
    leaving ``with`` / ``async with``) closes the HTTP response at once, and so does
    dropping the last reference to the stream; :attr:`partial` still holds what arrived,
    and :attr:`cancelled` says the stream was stopped early. A failure is delivered as a
    final ``error`` event (never a silent stop); :meth:`result` raises it.

    Plugins create it from their ``stream_tokens`` hook:
    ``TokenStream(model, http_request, make_decoder)``.
    """

    def __init__(
        self,
        model: StreamingChatModel,
        request: httpx.Request,
        make_decoder: Callable[[], Decoder],
        *,
        transport: Any = None,
    ) -> None:
        from ._redaction import Redactor
        from ._transport import StreamState
        from ._urls import check_base_url

        check_base_url(str(request.url))
        self.model = model
        self.request = request
        self._make_decoder = make_decoder
        self._transport = transport
        self._state = StreamState(model.provider, model.name)
        self._state.sequencer.redactor = Redactor.for_request(request, model.key)

    def __repr__(self) -> str:
        from ._redaction import redact_url

        return f"<TokenStream {self.model.id} {self.request.method} {redact_url(self.request.url)}>"

    @property
    def finished(self) -> bool:
        """Whether the terminal event has been produced."""
        return self._state.sequencer.finished

    @property
    def partial(self) -> Message:
        """The message aggregated so far (complete once the stream has finished)."""
        return self._state.sequencer.aggregator.message()

    def _aggregator(self) -> StreamAggregator:
        return self._state.sequencer.aggregator

    def _flow(self) -> Any:
        from ._transport import stream_flow

        return stream_flow(self.request, self._make_decoder, self.model.options, self._state)

    def _open_sync(self) -> Iterator[Event]:
        return _token_events(self._flow(), self._transport)

    def _open_async(self) -> AsyncIterator[Event]:
        return _token_aevents(self._flow(), self._transport)


# The generators hold no reference to their stream object (see the module docstring).


def _token_events(flow: Any, transport: Any) -> Iterator[Event]:
    # The driver's generator itself when possible: one generator less per event. The
    # flow marks the aggregate cancelled when it is closed early (see stream_flow).
    from ._drivers import drive_sync

    if transport is None:
        from ._clients import sync_client

        return drive_sync(flow, sync_client(), shared_client=True)
    return _with_own_client(flow, transport)


def _with_own_client(flow: Any, transport: Any) -> Iterator[Event]:
    import httpx

    from ._drivers import drive_sync

    with httpx.Client(transport=transport, timeout=None) as client:
        yield from drive_sync(flow, client)


def _token_aevents(flow: Any, transport: Any) -> AsyncIterator[Event]:
    from ._drivers import drive_async

    if transport is None:
        from ._clients import async_client

        return drive_async(flow, async_client(), shared_client=True)
    return _with_own_async_client(flow, transport)


async def _with_own_async_client(flow: Any, transport: Any) -> AsyncIterator[Event]:
    import httpx

    from ._drivers import drive_async

    async with httpx.AsyncClient(transport=transport, timeout=None) as client:
        events = drive_async(flow, client)
        try:
            async for event in events:
                yield event
        finally:
            await events.aclose()


_DELTAS = frozenset({"token", "reasoning", "tool_call_start", "tool_call_delta", "tool_call", "server_tool"})


class AggregatedStream(_Lifecycle):
    """A stream that also aggregates: after each delta a ``content`` event carries the
    message so far, and the ``end`` event carries the final message.

    Wraps any event stream (a :class:`TokenStream`, or a middleware's wrapper of one) and
    has the same lifecycle: ``result()`` finishes it after a ``break``; closing it closes
    the inner stream and marks the result ``cancelled``. A ``content`` snapshot costs the
    same however long the answer is: its message is built only when read
    (:meth:`ContentEvent.lazy <rillet.ContentEvent.lazy>`), and reading it costs what
    building the message so far costs.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.aggregator = StreamAggregator()

    def __repr__(self) -> str:
        return f"<AggregatedStream of {self.inner!r}>"

    @property
    def partial(self) -> Message:
        """The message aggregated so far."""
        return self.aggregator.message()

    def _aggregator(self) -> StreamAggregator:
        return self.aggregator

    def _open_sync(self) -> Iterator[Event]:
        return _aggregated_events(iter(self.inner), self.aggregator)

    def _open_async(self) -> AsyncIterator[Event]:
        return _aggregated_aevents(aiter(self.inner), self.aggregator)


def _with_snapshots(aggregator: StreamAggregator, event: Any) -> tuple[Any, ...]:
    """``event``, then after a delta the ``content`` snapshot, built only if it is read."""
    aggregator.add(event)
    kind = event.type
    if kind in _DELTAS:
        return event, ContentEvent.lazy(aggregator.snapshot())
    if kind == "end":
        return (event.model_copy(update={"message": aggregator.message()}),)
    return (event,)


def _aggregated_events(events: Iterator[Event], aggregator: StreamAggregator) -> Iterator[Event]:
    try:
        for event in events:
            yield from _with_snapshots(aggregator, event)
    finally:
        aggregator.cancel()
        close = getattr(events, "close", None)
        if close is not None:
            close()


async def _aggregated_aevents(events: AsyncIterator[Event], aggregator: StreamAggregator) -> AsyncIterator[Event]:
    try:
        async for event in events:
            for item in _with_snapshots(aggregator, event):
                yield item
    finally:
        aggregator.cancel()
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
