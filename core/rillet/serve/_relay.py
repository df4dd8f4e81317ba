"""One client request answered by the first model of its route that starts.

The upstream stream is read by a producer task into a small bounded channel
(``_BUFFERED_EVENTS``: backpressure reaches the provider's socket), and the gateway writes
each event's frames the moment it arrives — together with any events already decoded
behind it, so a client slower than the upstream costs fewer writes, never a wait. Until the first event after ``start``
nothing is decided: a retryable failure or a first-token timeout then moves on to the next
model, and a failure of the last one is answered with its HTTP status. After that, the
client gets everything as it comes, and a failure is the format's in-band error. A client
that hangs up cancels the producer, which closes the upstream response.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, AsyncIterator

import anyio

from .._aggregate import StreamAggregator
from .._errors import RilletError, StreamTimeoutError
from .._events import ErrorEvent
from ..wire import keep_alive
from ._models import open_model

if TYPE_CHECKING:
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

    from ..wire import ClientRequest
    from ._config import GatewayConfig
    from ._formats import WireFormat

__all__ = ["RelayResponse", "error_response"]

_BUFFERED_EVENTS = 64  # decoded events that may wait for a slow client

SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]


def error_response(fmt: WireFormat, error: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body of the format's error answer (``Retry-After`` kept)."""
    status, body = fmt.error_body(error)
    headers = [(b"content-type", b"application/json")]
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        headers.append((b"retry-after", str(max(int(retry_after + 0.999), 0)).encode()))
    return status, headers, json.dumps(body).encode()


class _Upstream:
    """A started model: the channel its events arrive on, and what arrived first."""

    def __init__(self, receiver: MemoryObjectReceiveStream[Any]) -> None:
        self.receiver = receiver
        self.start: Any = None


class RelayResponse:
    """An ASGI response that relays a client request to the models ``model_ids``.

    Args:
        fmt: the client's wire format.
        client: the client's request as read from that format.
        model_ids: the models to try, in order.
        config: the gateway's settings (keep-alive, first-token timeout, replay fence).
    """

    def __init__(self, fmt: WireFormat, client: ClientRequest, model_ids: list[str], config: GatewayConfig) -> None:
        self.fmt = fmt
        self.client = client
        self.model_ids = model_ids
        self.config = config
        self._committed = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(_cancel_on_disconnect, receive, group.cancel_scope)
            try:
                await self._answer(send)
            finally:
                group.cancel_scope.cancel()

    # the answer ---------------------------------------------------------------------

    async def _answer(self, send: Any) -> None:
        last_error: Any = None
        for position, model_id in enumerate(self.model_ids):
            may_fall_back = position < len(self.model_ids) - 1
            try:
                model = open_model(model_id, self.config)
                stream = model.astream_tokens(self.client.request.messages, request=self.client.request)
            except RilletError as error:
                last_error = error
                if error.retryable and may_fall_back:
                    continue
                break
            async with _events_of(stream) as upstream:
                first = await self._first_event(upstream, send)
                if first is None:
                    last_error = StreamTimeoutError(
                        f"{model_id} sent nothing within the gateway's first-token timeout "
                        f"({self.config.first_token_timeout:g}s)",
                        phase="first_token",
                    )
                    if may_fall_back:
                        continue
                    break
                if first.type == "error" and first.retryable and may_fall_back:
                    last_error = first
                    continue
                if first.type == "error" and not self._committed:
                    last_error = first
                    break
                if self.client.stream:
                    await self._relay(upstream, first, send)
                else:
                    await self._answer_whole(upstream, first, send)
                return
        await self._fail(last_error, send)

    async def _first_event(self, upstream: _Upstream, send: Any) -> Any:
        """The first event after ``start``, or ``None`` after the first-token timeout.

        While it is slow, a streaming answer is started and kept alive with SSE comments.
        """
        limit = self.config.first_token_timeout
        deadline = None if limit is None else anyio.current_time() + limit
        while True:
            wait = self.config.keep_alive if self.client.stream else float("inf")
            if deadline is not None:
                wait = min(wait, deadline - anyio.current_time())
            event: Any = None
            with anyio.move_on_after(max(wait, 0.0)):
                event = await upstream.receiver.receive()
            if event is None:
                if deadline is not None and anyio.current_time() >= deadline:
                    return None
                await self._commit(send)
                await _write(send, keep_alive())
                continue
            if event.type == "start":
                upstream.start = event
                continue
            return event

    async def _relay(self, upstream: _Upstream, first: Any, send: Any) -> None:
        encoder = self.fmt.encoder(self.client.model, self.client)
        await self._commit(send)
        opening = encoder.encode(upstream.start) if upstream.start is not None else b""
        await _write(send, opening + encoder.encode(first))
        receiver = upstream.receiver
        while not encoder.finished:
            try:
                frames = encoder.encode(await receiver.receive())
            except anyio.EndOfStream:
                break
            # Events already decoded while the client was being written to go out in the
            # same write: nothing waits for more, but a slow client costs fewer syscalls.
            while not encoder.finished:
                try:
                    frames += encoder.encode(receiver.receive_nowait())
                except (anyio.WouldBlock, anyio.EndOfStream):
                    break
            if frames:
                await _write(send, frames)
        tail = b"" if encoder.finished else encoder.encode(_cut())
        await send({"type": "http.response.body", "body": tail, "more_body": False})

    async def _answer_whole(self, upstream: _Upstream, first: Any, send: Any) -> None:
        aggregator = StreamAggregator()
        if upstream.start is not None:
            aggregator.add(upstream.start)
        aggregator.add(first)
        if not aggregator.ended:
            async for event in upstream.receiver:
                aggregator.add(event)
        if not aggregator.ended:
            aggregator.add(_cut())
        result = aggregator.result()
        if result.error is not None:
            await self._fail(result.error, send)
            return
        body = json.dumps(self.fmt.whole(result, self.client.model)).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    async def _fail(self, error: Any, send: Any) -> None:
        if error is None:  # pragma: no cover - a route always has a model
            error = ErrorEvent(code="server", message="no model could be tried")
        if self._committed:  # keep-alives went out: the status is sent, the error is in-band
            encoder = self.fmt.encoder(self.client.model, self.client)
            if isinstance(error, RilletError):
                error = ErrorEvent.from_exception(error)
            await send({"type": "http.response.body", "body": encoder.encode(error), "more_body": False})
            return
        status, headers, body = error_response(self.fmt, error)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _commit(self, send: Any) -> None:
        if not self._committed:
            self._committed = True
            await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})


def _cut() -> ErrorEvent:
    return ErrorEvent(
        code="truncated",
        message="the upstream stream stopped before its end: the answer is incomplete — retry the request",
        retryable=True,
    )


async def _write(send: Any, data: bytes) -> None:
    await send({"type": "http.response.body", "body": data, "more_body": True})


async def _cancel_on_disconnect(receive: Any, scope: anyio.CancelScope) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            scope.cancel()
            return


@asynccontextmanager
async def _events_of(stream: Any) -> AsyncIterator[_Upstream]:
    """Read ``stream`` in a producer task; leaving the block stops it and closes the stream."""
    sender, receiver = anyio.create_memory_object_stream[Any](_BUFFERED_EVENTS)
    async with anyio.create_task_group() as group:
        group.start_soon(_produce, stream, sender)
        try:
            with receiver:
                yield _Upstream(receiver)
        finally:
            group.cancel_scope.cancel()


async def _produce(stream: Any, sender: MemoryObjectSendStream[Any]) -> None:
    with sender:
        try:
            async with stream:
                async for event in stream:
                    await sender.send(event)
        except RilletError as error:
            await sender.send(ErrorEvent.from_exception(error))
        except anyio.BrokenResourceError:  # the relay stopped listening
            pass
