"""One client request answered by the first model of its route that starts.

The upstream stream is read by a producer task into a small bounded queue
(``_BUFFERED_EVENTS``: backpressure reaches the provider's socket). The producer does not
yield to the event loop between the events one network read decoded, so the gateway finds
them together and writes them in one write, the moment they were decoded — fewer writes
for the same bytes, never a wait for more. Until the first event after ``start``
nothing is decided: a retryable failure or a first-token timeout then moves on to the next
model, and a failure of the last one is answered with its HTTP status. After that, the
client gets everything as it comes, and a failure is the format's in-band error. A client
that hangs up cancels the producer, which closes the upstream response.

It runs on asyncio's own futures and tasks: anyio's task groups, events and cancel scopes
cost more per request than the rest of the relay.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, AsyncIterator

from .._aggregate import StreamAggregator
from .._errors import RilletError, StreamTimeoutError
from .._events import ErrorEvent
from .._wakeup import Wakeup
from ..wire import keep_alive
from ..wire._common import UPSTREAM_CUT
from ._models import open_model

if TYPE_CHECKING:
    from .._events import Event
    from ..wire import ClientRequest
    from ._config import GatewayConfig
    from ._formats import WireFormat

__all__ = ["RelayResponse", "error_response"]

logger = logging.getLogger("rillet.serve")

_BUFFERED_EVENTS = 1024  # decoded events that may wait for a slow client
_FINISH_SECONDS = 0.25  # the longest wait for the producer after the answer (it drains ≤ 0.1 s)

SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]


def error_response(fmt: WireFormat, error: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body of the format's error answer (``Retry-After`` kept)."""
    status, body = fmt.error_body(error)
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        headers.append((b"retry-after", str(max(int(retry_after + 0.999), 0)).encode()))
    return status, headers, data


class _EventQueue:
    """A bounded queue of upstream events that hands the reader everything queued at once.

    ``put`` suspends only when the queue is full, so a producer iterating events that are
    already decoded does not let the reader run between them. Built on bare asyncio
    futures: this is the gateway's per-event path, and anyio's events and cancel scopes
    cost more than the rest of it.
    """

    __slots__ = ("items", "limit", "closed", "_ready", "_space")

    def __init__(self, limit: int) -> None:
        self.items: deque[Event] = deque()
        self.limit = limit
        self.closed = False
        self._ready = Wakeup()  # the reader, when the queue is empty
        self._space = Wakeup()  # the producer, when the queue is full

    async def put(self, event: Event) -> None:
        """Queue ``event``; wait for room when the queue is full."""
        self.items.append(event)
        self._ready.wake()
        if len(self.items) >= self.limit:
            await self._space.wait()

    def close(self) -> None:
        """No more events will come."""
        self.closed = True
        self._ready.wake()

    async def take(self, timeout: float | None = None) -> list[Event] | None:
        """Every queued event, waiting for one at most ``timeout`` seconds (``None`` when
        none came in time); ``[]`` once closed and empty."""
        if not self.items and not self.closed:
            await self._ready.wait(timeout)
            if not self.items and not self.closed:
                return None
        batch = list(self.items)
        self.items.clear()
        self._space.wake()
        return batch


class _HungUp(Exception):
    """The client hung up before its answer was complete: stop, write nothing more."""


_BEFORE_THE_ANSWER = frozenset({"start", "usage"})
"""Events that do not start an answer: Anthropic's ``message_start`` brings ``start`` and the
prompt's ``usage`` before any token, and an overload may still follow them."""


class _Upstream:
    """A started model: its producer task and queue of events, the events that came before
    its first answer event (``start``, ``usage``), and events taken but not used."""

    def __init__(self, queue: _EventQueue, producer: asyncio.Task[None]) -> None:
        self.queue = queue
        self.producer = producer
        self.preamble: list[Event] = []
        self.rest: list[Event] = []


class RelayResponse:
    """An ASGI response that relays a client request to the models ``model_ids``.

    It runs on asyncio (uvicorn, hypercorn's asyncio worker), like ``rillet serve``.

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
        self._answered = False  # the last body message is sent: a disconnect now is no hang-up
        self._hung_up = False
        self._upstream: _Upstream | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        watcher = asyncio.get_running_loop().create_task(self._watch_for_hang_up(receive))
        try:
            await self._answer(send)
        except _HungUp:
            pass
        finally:
            watcher.cancel()

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
            async with self._events_of(stream) as upstream:
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

    async def _take(self, upstream: _Upstream, timeout: float | None = None) -> list[Event] | None:
        """The upstream's next events (see :meth:`_EventQueue.take`), unless the client hung up."""
        batch = await upstream.queue.take(timeout)
        if self._hung_up:
            raise _HungUp
        return batch

    async def _first_event(self, upstream: _Upstream, send: Any) -> Any:
        """The first event of the answer (after ``start`` and any ``usage``), or ``None``
        after the first-token timeout.

        While it is slow, a streaming answer is started and kept alive with SSE comments;
        an answer sent whole gets none (its status and body are not decided yet).
        """
        loop = asyncio.get_running_loop()
        limit = self.config.first_token_timeout
        deadline = None if limit is None else loop.time() + limit
        interval = self.config.keep_alive if self.client.stream else None
        while True:
            batch: list[Event] | None = upstream.rest or None
            upstream.rest = []
            if batch is None:
                wait, until_deadline = interval, False
                if deadline is not None:
                    left = deadline - loop.time()
                    if wait is None or left <= wait:
                        wait, until_deadline = left, True
                batch = await self._take(upstream, wait)
                if batch is None:
                    if until_deadline:  # the deadline's wait ended (a timer may fire a hair early)
                        return None
                    await self._commit(send)
                    await _write(send, keep_alive())
                    continue
            if not batch:  # the upstream ended with nothing at all
                return UPSTREAM_CUT
            for position, event in enumerate(batch):
                if event.type in _BEFORE_THE_ANSWER:
                    upstream.preamble.append(event)
                    continue
                upstream.rest = batch[position + 1 :]
                return event

    async def _relay(self, upstream: _Upstream, first: Any, send: Any) -> None:
        encoder = self.fmt.encoder(self.client.model, self.client)
        await self._commit(send)
        encode = encoder.encode
        # The prompt's usage before the answer goes first: a format whose start frame has a
        # place for it (Anthropic's message_start) carries it there, as the provider did.
        preamble = sorted(upstream.preamble, key=lambda event: event.type != "usage")
        frames = [encode(event) for event in preamble]
        batch: list[Event] | None = [first, *upstream.rest]
        while batch:
            for event in batch:
                frames.append(encode(event))
                if encoder.finished:
                    break
            data = b"".join(frames)  # one write per batch (never +=: a batch may be thousands of events)
            if data:
                await _write(send, data)
            if encoder.finished:
                break
            batch = await self._take(upstream)
            frames = []
        tail = b"" if encoder.finished else encoder.encode(UPSTREAM_CUT)
        await send({"type": "http.response.body", "body": tail, "more_body": False})
        self._answered = True
        await _let_finish(upstream)

    async def _answer_whole(self, upstream: _Upstream, first: Any, send: Any) -> None:
        aggregator = StreamAggregator()
        for event in upstream.preamble:
            aggregator.add(event)
        batch: list[Event] | None = [first, *upstream.rest]
        while batch and not aggregator.ended:
            for event in batch:
                aggregator.add(event)
            if not aggregator.ended:
                batch = await self._take(upstream)
        if not aggregator.ended:
            aggregator.add(UPSTREAM_CUT)
        result = aggregator.result()
        if result.error is not None:
            await self._fail(result.error, send)
            return
        body = json.dumps(self.fmt.whole(result, self.client)).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        self._answered = True
        await _let_finish(upstream)

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

    async def _watch_for_hang_up(self, receive: Any) -> None:
        """Stop the upstream when the client hangs up before its answer is complete: its
        producer is cancelled (which closes the upstream response) and the answer ends."""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                if not self._answered:
                    self._hung_up = True
                    if self._upstream is not None:
                        self._upstream.producer.cancel()
                return

    async def _commit(self, send: Any) -> None:
        if not self._committed:
            self._committed = True
            await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})

    @asynccontextmanager
    async def _events_of(self, stream: Any) -> AsyncIterator[_Upstream]:
        """Read ``stream`` in a producer task; leaving the block stops it and closes the stream."""
        if self._hung_up:
            raise _HungUp
        queue = _EventQueue(_BUFFERED_EVENTS)
        producer = asyncio.get_running_loop().create_task(_produce(stream, queue))
        upstream = self._upstream = _Upstream(queue, producer)
        try:
            yield upstream
        finally:
            self._upstream = None
            if not producer.done():
                producer.cancel()
                await asyncio.wait((producer,))  # the upstream response is closed before going on


async def _write(send: Any, data: bytes) -> None:
    await send({"type": "http.response.body", "body": data, "more_body": True})


async def _let_finish(upstream: _Upstream) -> None:
    """Wait (briefly) for the producer to end on its own once the answer is sent: after
    the terminal event it reads the rest of the upstream body, which puts the upstream
    connection back in the pool instead of closing it."""
    loop = asyncio.get_running_loop()
    end = loop.time() + _FINISH_SECONDS
    while True:
        batch = await upstream.queue.take(end - loop.time())
        if not batch:
            return


async def _produce(stream: Any, queue: _EventQueue) -> None:
    try:
        async with stream:
            async for event in stream:
                await queue.put(event)
    except RilletError as error:
        queue.items.append(ErrorEvent.from_exception(error))
    except Exception as error:  # a bug (a plugin's or rillet's): logged, and the client told
        logger.exception("the upstream stream failed")
        message = f"the gateway failed while reading the upstream ({type(error).__name__}); its log has the traceback"
        queue.items.append(ErrorEvent(code="error", message=message))
    finally:
        queue.close()
