"""``TokenStream`` and ``AggregatedStream``: what ``stream_tokens`` and
``stream_with_aggregation`` return. Both iterate with ``for`` and with ``async for``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Iterator

from ._aggregate import ChatResult, StreamAggregator
from ._errors import LocalProtocolError

if TYPE_CHECKING:
    import httpx

    from ._decoding import Decoder
    from ._events import Event
    from ._messages import Message
    from ._model import StreamingChatModel

__all__ = ["AggregatedStream", "TokenStream"]

_CLOSED = object()  # the iterator slot of a stream that was consumed or closed


class TokenStream:
    """A lazy stream of events from one provider response.

    Nothing is sent until iteration starts. Iterate once, with ``for`` or ``async for``.
    Leaving the loop early and calling ``close()``/``aclose()`` (or using ``with`` /
    ``async with``) closes the HTTP response at once; :attr:`partial` still holds what
    arrived, and :attr:`cancelled` says the stream was stopped early. A failure is
    delivered as a final ``error`` event (never a silent stop); :meth:`result` raises it.

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
        self._iterator: Any = None  # the driver; _CLOSED once consumed or closed
        self._live: Any = None  # what __iter__/__aiter__ handed out, to resume in result()
        self._own_client: Any = None
        self.cancelled = False

    def __repr__(self) -> str:
        from ._redaction import redact_url

        return f"<TokenStream {self.model.id} {self.request.method} {redact_url(self.request.url)}>"

    # state --------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        """Whether the terminal event has been produced."""
        return self._state.sequencer.finished

    @property
    def partial(self) -> Message:
        """The message aggregated so far (complete once the stream has finished)."""
        return self._state.sequencer.aggregator.message()

    def _result(self) -> ChatResult:
        return self._state.sequencer.aggregator.result()

    def _flow(self) -> Any:
        from ._transport import stream_flow

        if self._iterator is not None:
            raise LocalProtocolError(
                "a stream can be iterated only once (this one was already iterated or closed); "
                "call stream_tokens() again for a new one"
            )
        return stream_flow(self.request, self._make_decoder, self.model.options, self._state)

    # sync ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Event]:
        from ._transport import drive_sync

        flow = self._flow()
        client = self._sync_client()
        self._iterator = drive_sync(flow, client)
        self._live = live = self._guard(self._iterator)
        return live

    def _guard(self, iterator: Iterator[Event]) -> Iterator[Event]:
        try:
            yield from iterator
        finally:
            self._finish_sync()

    def _sync_client(self) -> Any:
        if self._transport is None:
            from ._clients import sync_client

            return sync_client()
        import httpx

        self._own_client = httpx.Client(transport=self._transport, timeout=None)
        return self._own_client

    def _finish_sync(self) -> None:
        if not self.finished:
            self.cancelled = True
        iterator, self._iterator = self._iterator, _CLOSED
        if hasattr(iterator, "close"):
            iterator.close()
        if self._own_client is not None:
            self._own_client.close()
            self._own_client = None

    def close(self) -> None:
        """Stop the stream and close the HTTP response now."""
        if self._iterator is None:
            self._iterator = _CLOSED  # never started: nothing to close, and it cannot start later
            return
        self._finish_sync()

    def __enter__(self) -> TokenStream:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def result(self) -> ChatResult:
        """Consume what is left and return the outcome; raise the typed error if it failed.

        On a stream closed early it returns what arrived (``finish_reason`` is ``None``).
        """
        remaining = iter(self) if self._iterator is None else self._resumable()
        for _ in remaining:
            pass
        return self._result().raise_for_error()

    def _resumable(self) -> Any:
        return self._live if self._iterator is not _CLOSED and not self.finished else ()

    # async --------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[Event]:
        from ._transport import drive_async

        flow = self._flow()
        client = self._async_client()
        self._iterator = drive_async(flow, client)
        self._live = live = self._aguard(self._iterator)
        return live

    async def _aguard(self, iterator: AsyncIterator[Event]) -> AsyncIterator[Event]:
        try:
            async for event in iterator:
                yield event
        finally:
            await self._finish_async()

    def _async_client(self) -> Any:
        if self._transport is None:
            from ._clients import async_client

            return async_client()
        import httpx

        self._own_client = httpx.AsyncClient(transport=self._transport, timeout=None)
        return self._own_client

    async def _finish_async(self) -> None:
        if not self.finished:
            self.cancelled = True
        iterator, self._iterator = self._iterator, _CLOSED
        if hasattr(iterator, "aclose"):
            await iterator.aclose()
        if self._own_client is not None:
            await self._own_client.aclose()
            self._own_client = None

    async def aclose(self) -> None:
        """Stop the stream and close the HTTP response now."""
        if self._iterator is None:
            self._iterator = _CLOSED
            return
        await self._finish_async()

    async def __aenter__(self) -> TokenStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aresult(self) -> ChatResult:
        """Async :meth:`result`."""
        remaining = self.__aiter__() if self._iterator is None else self._resumable()
        if remaining != ():
            async for _ in remaining:
                pass
        return self._result().raise_for_error()


_DELTAS = frozenset({"token", "reasoning", "tool_call_start", "tool_call_delta", "tool_call"})


class AggregatedStream:
    """A stream that also aggregates: after each delta a ``content`` event carries the
    message so far, and the ``end`` event carries the final message.

    Wraps any event stream (a :class:`TokenStream`, or a middleware's wrapper of one).
    Each ``content`` snapshot rebuilds the message, so its cost grows with the answer;
    use ``stream_tokens`` plus :class:`StreamAggregator` when you only need the end result.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.aggregator = StreamAggregator()

    def __repr__(self) -> str:
        return f"<AggregatedStream of {self.inner!r}>"

    def _with_snapshots(self, event: Event) -> list[Event]:
        self.aggregator.add(event)
        kind = event.type
        if kind in _DELTAS:
            from ._events import ContentEvent

            return [event, ContentEvent(message=self.aggregator.message())]
        if kind == "end":
            return [event.model_copy(update={"message": self.aggregator.message()})]
        return [event]

    @property
    def partial(self) -> Message:
        """The message aggregated so far."""
        return self.aggregator.message()

    @property
    def cancelled(self) -> bool:
        """Whether the stream was stopped before its terminal event."""
        return bool(getattr(self.inner, "cancelled", False))

    def __iter__(self) -> Iterator[Event]:
        for event in self.inner:
            yield from self._with_snapshots(event)

    async def __aiter__(self) -> AsyncIterator[Event]:
        async for event in self.inner:
            for item in self._with_snapshots(event):
                yield item

    def result(self) -> ChatResult:
        """Consume the stream and return the outcome; raise the typed error if it failed."""
        if not self.aggregator.ended:
            for event in self.inner:
                self.aggregator.add(event)
        return self.aggregator.result().raise_for_error()

    async def aresult(self) -> ChatResult:
        """Async :meth:`result`."""
        if not self.aggregator.ended:
            async for event in self.inner:
                self.aggregator.add(event)
        return self.aggregator.result().raise_for_error()

    def close(self) -> None:
        """Stop the stream and close the HTTP response now."""
        self.inner.close()

    async def aclose(self) -> None:
        """Stop the stream and close the HTTP response now."""
        await self.inner.aclose()

    def __enter__(self) -> AggregatedStream:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    async def __aenter__(self) -> AggregatedStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()
