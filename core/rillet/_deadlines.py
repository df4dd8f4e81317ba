"""Deadlines for the shared clients' sockets.

httpcore gives every socket operation of a request the request's fixed timeouts, read
once per body iteration, so a stream cannot change its read limit between chunks (first
token, then gap, shrinking under a total limit). Instead the driver sets the moment the
current operation must end, and the client's network backend gives every connect, read
and write the time left to it, or the request's own timeout when that is sooner. A wait
that ends with the deadline raises httpx's timeout error; the driver, seeing the deadline
passed, reports it as the operation's limit.

The deadline of sending a request is in :data:`deadline` (a context variable: the
connection is not known yet; the drivers set it); the deadline of reading a body chunk is
set on the response's connection itself (``end``), which costs less per chunk. The shared
clients' own connections (:mod:`rillet._http_transport`) apply :func:`time_left` to each
wait; the backends here do it for the httpcore pool those clients fall back on. Under
asyncio the async sockets are :mod:`rillet._asyncio_stream`'s (a read waits on one timer,
with no event-loop round or cancel scope of its own); under trio, httpcore's anyio backend's.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
import typing
from contextvars import ContextVar

import httpcore
import httpx

from ._asyncio_stream import AsyncioBackend

__all__ = [
    "GRACE",
    "AsyncDeadlineBackend",
    "LazySSLContext",
    "AsyncDeadlineStream",
    "DeadlineBackend",
    "DeadlineStream",
    "deadline",
    "time_left",
]

deadline: ContextVar[float | None] = ContextVar("rillet_deadline", default=None)
"""When the current stream operation must end (``time.monotonic()``), or ``None``."""

GRACE = 0.01
"""The shortest wait: an operation whose limit has already passed still takes the bytes
that already arrived (they are delivered, then the limit is judged)."""


def time_left(timeout: float | None, end: float | None = None) -> float | None:
    """The wait for one socket operation: ``timeout`` or the time left to ``end``
    (by default :data:`deadline`), whichever is shorter."""
    if end is None:
        end = deadline.get()
        if end is None:
            return timeout
    left = end - time.monotonic()
    if left < GRACE:
        left = GRACE
    return left if timeout is None or left < timeout else timeout


class DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose waits end at :attr:`end`, else at :data:`deadline`, at the latest."""

    __slots__ = ("_stream", "end")

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream
        self.end: float | None = None
        """When the read under way must end (``time.monotonic()``); set by the sync driver."""

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read up to ``max_bytes``."""
        return self._stream.read(max_bytes, time_left(timeout, self.end))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write all of ``buffer``."""
        self._stream.write(buffer, time_left(timeout))

    def close(self) -> None:
        """Close the socket."""
        self._stream.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None) -> httpcore.NetworkStream:
        """Upgrade to TLS (the handshake is bounded like any other wait)."""
        context = _real_context(ssl_context)
        return DeadlineStream(self._stream.start_tls(context, server_hostname, time_left(timeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        """What httpcore asks of the socket (``socket``, ``is_readable`` …)."""
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend with its waits bounded by :data:`deadline`."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Open a TCP connection."""
        stream = self._backend.connect_tcp(host, port, time_left(timeout), local_address, socket_options)
        return DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None
    ) -> httpcore.NetworkStream:
        """Open a Unix socket connection."""
        return DeadlineStream(self._backend.connect_unix_socket(path, time_left(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's connection retries)."""
        self._backend.sleep(seconds)


class AsyncDeadlineStream(httpcore.AsyncNetworkStream):
    """An async socket stream whose waits end at :attr:`end`, else at :data:`deadline`, at the latest."""

    __slots__ = ("_stream", "end")

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self.end: float | None = None
        """When the read under way must end (``time.monotonic()``); set by the async driver."""

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read up to ``max_bytes``."""
        return await self._stream.read(max_bytes, time_left(timeout, self.end))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write all of ``buffer``."""
        await self._stream.write(buffer, time_left(timeout))

    async def aclose(self) -> None:
        """Close the socket."""
        await self._stream.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        """Upgrade to TLS (the handshake is bounded like any other wait)."""
        context = _real_context(ssl_context)
        return AsyncDeadlineStream(await self._stream.start_tls(context, server_hostname, time_left(timeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        """What httpcore asks of the socket (``socket``, ``is_readable`` …)."""
        return self._stream.get_extra_info(info)


class AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
    """Async sockets with their waits bounded by :data:`deadline`: asyncio's transports
    (:mod:`rillet._asyncio_stream`) under asyncio, httpcore's anyio backend under trio."""

    def __init__(self) -> None:
        self._asyncio = AsyncioBackend()
        self._anyio = httpcore.AnyIOBackend()

    def _sockets(self) -> httpcore.AsyncNetworkBackend:
        """The backend of the running event loop: asyncio's own, else anyio's (trio)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._anyio
        return self._asyncio

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a TCP connection."""
        stream = await self._sockets().connect_tcp(host, port, time_left(timeout), local_address, socket_options)
        return AsyncDeadlineStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        """Open a Unix socket connection."""
        return AsyncDeadlineStream(await self._sockets().connect_unix_socket(path, time_left(timeout), socket_options))

    async def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's connection retries)."""
        await self._sockets().sleep(seconds)


class LazySSLContext:
    """Stands in for a pool's SSL context until a connection needs TLS.

    Loading the CA bundle costs about 20 ms of a fresh process, and a stream to an
    ``http://`` server (a local model, a gateway, a test) never needs it. httpcore only
    sets the ALPN protocols on the pool's context before handing it to the network
    stream's ``start_tls``, where :func:`_real_context` swaps in the real one, made by
    ``httpx.create_ssl_context()`` (so ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` hold as in httpx).
    """

    def __init__(self) -> None:
        self._context: ssl.SSLContext | None = None
        self._lock = threading.Lock()

    def get(self) -> ssl.SSLContext:
        """The real context, made on first use, offering HTTP/1.1 (all the shared clients speak)."""
        if self._context is None:
            with self._lock:
                if self._context is None:
                    context = httpx.create_ssl_context()
                    context.set_alpn_protocols(["http/1.1"])
                    self._context = context
        return self._context

    def set_alpn_protocols(self, protocols: list[str]) -> None:
        """What httpcore calls before each TLS connection."""
        self.get().set_alpn_protocols(protocols)


def _real_context(context: ssl.SSLContext | LazySSLContext) -> ssl.SSLContext:
    return context.get() if isinstance(context, LazySSLContext) else context
