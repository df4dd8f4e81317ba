"""The drivers of the streaming flow: they perform its operations with httpx.

``drive_sync`` runs :func:`rillet._transport.stream_flow` with an ``httpx.Client``,
``drive_async`` with an ``httpx.AsyncClient``; the flow holds all the logic, a driver only
sends, reads, sleeps and closes, and hands the flow's events to the caller. Waits are
bounded by the deadline-aware connections of the shared clients (:mod:`rillet._http_transport`,
:mod:`rillet._deadlines`).
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import Any, AsyncGenerator, AsyncIterator, Generator, Iterator

import httpx

from ._deadlines import GRACE, AsyncDeadlineStream, DeadlineStream, deadline
from ._http_transport import Connection
from ._errors import RilletError
from ._events import Event
from ._transport import Close, Read, ReadAll, Send, Sleep

__all__ = ["DRAIN_BYTES", "DRAIN_SECONDS", "drive_async", "drive_sync"]

_Bounded = Connection | DeadlineStream | AsyncDeadlineStream
"""A connection whose reads end at its ``end`` (the shared clients')."""

_HTTPX_LOG = logging.getLogger("httpx")

DRAIN_SECONDS = 0.1
"""How long a driver waits for the rest of a body after its terminal event."""

DRAIN_BYTES = 65536
"""How much of a body a driver reads after its terminal event before giving up on it."""


def drive_sync(flow: Generator[Any, Any, None], client: httpx.Client, *, shared_client: bool = False) -> Iterator[Event]:
    """Run ``flow`` with a sync client, yielding its events (``shared_client``: see :func:`drive_async`)."""
    bodies: dict[httpx.Response, tuple[Iterator[bytes], _Bounded | None]] = {}  # open responses: body iterator, connection
    try:
        operation = next(flow)
        while True:
            if type(operation) is list:
                yield from operation
                operation = next(flow)
                continue
            if type(operation) is Read and operation.events:
                yield from operation.events
            try:
                result = _perform_sync(operation, client, bodies, shared_client)
            except (httpx.HTTPError, RilletError, TimeoutError) as exc:
                operation = flow.throw(exc)
            else:
                operation = flow.send(result)
    except StopIteration:
        return
    finally:
        flow.close()
        for response in bodies:
            response.close()


def _perform_sync(
    operation: Any, client: httpx.Client, bodies: dict[httpx.Response, tuple[Iterator[bytes], _Bounded | None]], shared_client: bool
) -> Any:
    # The sync client's sockets wait no longer than an operation's deadline: set on the
    # connection for a read (the hot path), in the context variable otherwise.
    kind = type(operation)
    if kind is Read:
        body, connection = bodies[operation.response]
        if connection is not None:
            timeout = operation.timeout
            end = connection.end = None if timeout is None else time.monotonic() + timeout
            try:
                return next(body, b"")
            except httpx.TimeoutException:
                _raise_if_past(end)
                raise
            finally:
                connection.end = None
    if kind is Read or kind is Send or kind is ReadAll:
        with _within(operation.timeout):
            if kind is Read:
                return next(bodies[operation.response][0], b"")
            if kind is ReadAll:
                return operation.response.read()
            if shared_client:
                with _naming_the_request(operation.request):
                    response = client._transport_for_url(operation.request.url).handle_request(operation.request)
                _received(operation.request, response)
            else:
                response = client.send(operation.request, stream=True)
            connection = response.extensions.get("network_stream")
            bodies[response] = (response.iter_bytes(), connection if isinstance(connection, (Connection, DeadlineStream)) else None)
            return response
    if kind is Close:
        entry = bodies.get(operation.response)
        if operation.drain and entry is not None and entry[1] is not None:
            _drain_sync(entry[0], entry[1])
        operation.response.close()
        bodies.pop(operation.response, None)
        return None
    if kind is Sleep:
        time.sleep(operation.seconds)
        return None
    raise TypeError(f"unknown stream operation {operation!r}")


def _drain_sync(body: Iterator[bytes], connection: _Bounded) -> None:
    """Read the rest of a finished stream's body, within ``DRAIN_SECONDS`` and ``DRAIN_BYTES``."""
    connection.end = time.monotonic() + DRAIN_SECONDS
    try:
        received = 0
        for chunk in body:
            received += len(chunk)
            if received > DRAIN_BYTES:
                return
    except httpx.HTTPError:  # late, cut or slow: the connection is not reused, that is all
        return
    finally:
        connection.end = None


async def _drain_async(body: AsyncIterator[bytes], connection: _Bounded) -> None:
    """``_drain_sync`` for an async body."""
    connection.end = time.monotonic() + DRAIN_SECONDS
    try:
        received = 0
        async for chunk in body:
            received += len(chunk)
            if received > DRAIN_BYTES:
                return
    except httpx.HTTPError:
        return
    finally:
        connection.end = None


@contextmanager
def _naming_the_request(request: httpx.Request) -> Iterator[None]:
    """What httpx's client does with an error the shared client's transport raised: tie it to
    its request (so its message names the URL)."""
    try:
        yield
    except httpx.RequestError as exc:
        exc.request = request
        raise


def _received(request: httpx.Request, response: httpx.Response) -> None:
    """What httpx's client does with a response the shared client's transport gave: tie it
    to its request, and log it as httpx logs it (the ``httpx`` logger, its URL redacted)."""
    response.request = request
    if _HTTPX_LOG.isEnabledFor(logging.INFO):
        _HTTPX_LOG.info(
            'HTTP Request: %s %s "%s %d %s"', request.method, request.url, response.http_version, response.status_code, response.reason_phrase
        )


@contextmanager
def _within(timeout: float | None) -> Iterator[None]:
    """Bound the socket waits of the block by ``timeout`` (in :data:`deadline`, for sockets
    of :mod:`rillet._deadlines`); a wait that ends with it is this operation's ``TimeoutError``.
    Both drivers send this way."""
    end = None if timeout is None else time.monotonic() + timeout
    token = deadline.set(end)
    try:
        yield
    except httpx.TimeoutException:
        _raise_if_past(end)
        raise
    finally:
        deadline.reset(token)


def _raise_if_past(end: float | None) -> None:
    """Raise ``TimeoutError`` if the deadline ``end`` has passed (the wait was the operation's)."""
    if end is not None and time.monotonic() >= end:
        raise TimeoutError from None


async def drive_async(
    flow: Generator[Any, Any, None], client: httpx.AsyncClient, *, shared_client: bool = False
) -> AsyncGenerator[Event, None]:
    """Run ``flow`` with an async client, yielding its events.

    ``shared_client``: the client is rillet's shared one (:mod:`rillet._clients`). Its
    connections honour :data:`~rillet._deadlines.deadline`, so sending is bounded by it as
    in the sync driver (another client's transport gets a timeout scope around it instead),
    and nothing of httpx's client layer is set on it — no auth, redirects, cookies or event
    hooks — so a request goes straight to the transport for its URL (what vcrpy, pytest-httpx
    and respx patch): that layer cost about 0.2 ms of the first token of an idle gateway.
    """
    bodies: dict[httpx.Response, tuple[AsyncIterator[bytes], _Bounded | None]] = {}  # open responses: body iterator, connection
    try:
        operation = next(flow)
        while True:
            if type(operation) is list:
                for event in operation:
                    yield event
                operation = next(flow)
                continue
            if type(operation) is Read and operation.events:
                for event in operation.events:
                    yield event
            try:
                result = await _perform_async(operation, client, bodies, shared_client)
            except (httpx.HTTPError, RilletError, TimeoutError) as exc:
                operation = flow.throw(exc)
            else:
                operation = flow.send(result)
    except StopIteration:
        return
    finally:
        flow.close()
        for response in bodies:
            await response.aclose()


async def _perform_async(
    operation: Any,
    client: httpx.AsyncClient,
    bodies: dict[httpx.Response, tuple[AsyncIterator[bytes], _Bounded | None]],
    shared_client: bool,
) -> Any:
    # Like the sync driver: a read's deadline is set on the connection, a send's in the
    # context variable (no timeout scope of rillet's own on either hot path); with another
    # client's transport, other waits get a timeout scope.
    import anyio

    kind = type(operation)
    if kind is Read:
        body, connection = bodies[operation.response]
        timeout = operation.timeout
        if connection is not None:
            end = connection.end = None if timeout is None else time.monotonic() + timeout
            try:
                return await anext(body, b"")
            except httpx.TimeoutException:
                _raise_if_past(end)
                raise
            finally:
                connection.end = None
        if timeout is None:
            return await anext(body, b"")
        with anyio.fail_after(timeout if timeout > GRACE else GRACE):
            return await anext(body, b"")
    if kind is Send or kind is ReadAll:
        timeout = operation.timeout
        if timeout is None:
            return await _send_or_read_all(operation, client, bodies, shared_client)
        if shared_client:
            with _within(timeout):
                return await _send_or_read_all(operation, client, bodies, shared_client)
        with anyio.fail_after(timeout if timeout > GRACE else GRACE):
            return await _send_or_read_all(operation, client, bodies, shared_client)
    if kind is Close:
        entry = bodies.get(operation.response)
        if operation.drain and entry is not None and entry[1] is not None:
            await _drain_async(entry[0], entry[1])
        await operation.response.aclose()
        bodies.pop(operation.response, None)
        return None
    if kind is Sleep:
        await anyio.sleep(operation.seconds)
        return None
    raise TypeError(f"unknown stream operation {operation!r}")


async def _send_or_read_all(
    operation: Send | ReadAll,
    client: httpx.AsyncClient,
    bodies: dict[httpx.Response, tuple[AsyncIterator[bytes], _Bounded | None]],
    shared_client: bool,
) -> Any:
    if isinstance(operation, ReadAll):
        return await operation.response.aread()
    if shared_client:
        with _naming_the_request(operation.request):
            response = await client._transport_for_url(operation.request.url).handle_async_request(operation.request)
        _received(operation.request, response)
    else:
        response = await client.send(operation.request, stream=True)
    connection = response.extensions.get("network_stream")
    bodies[response] = (response.aiter_bytes(), connection if isinstance(connection, (Connection, AsyncDeadlineStream)) else None)
    return response
