"""The shared clients' connections: HTTP/1.1 (:mod:`rillet._http11`) on pooled sockets
whose waits end at the stream operation's deadline.

A request to a provider goes through one small layer here instead of httpcore's pool,
connection and h11 state machine: the request is written in one piece, the head is parsed
once, and each network read of the body is decoded and handed on whole. With the drivers
handing requests straight to the transport (:mod:`rillet._drivers`), that took about
0.8 ms off the way to the first token of an idle gateway (``bench/gateway.py``, side by side).

It sits where httpx's transport keeps httpcore's pool (:func:`sync_transport`,
:func:`async_transport`), so the transport is still httpx's own: what patches it — vcrpy's
cassettes, pytest-httpx — sees every request, and errors are httpx's. What patches
httpcore's pool instead (respx's default mocker) is seen too: while httpcore's
``handle_request`` is not httpcore's own, requests go to httpcore's pool. The proxies of
the environment get httpx's proxy transports (:func:`proxy_mounts`).

Sync and async share the logic — the HTTP/1.1 parsing, the pool of idle connections, the
answer built; the two pools only connect, write and read, each with its own sockets
(httpcore's sync sockets; asyncio's transports, :mod:`rillet._asyncio_stream`, or anyio's
under trio). A request whose body is not in memory (a generator, a file) goes to
``fallback``, httpcore's pool on the same deadline-bounded sockets.

Waits are bounded like the sockets of :mod:`rillet._deadlines`: by the request's own
timeouts and by :data:`~rillet._deadlines.deadline` (sending) or the connection's
:attr:`Connection.end` (reading the body), whichever comes first.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
import typing
from collections import deque
from typing import Any, AsyncIterator, Iterator

import httpcore
import httpx

from ._asyncio_stream import AsyncioBackend
from ._deadlines import AsyncDeadlineBackend, DeadlineBackend, LazySSLContext, time_left
from ._http11 import ResponseReader, request_bytes

__all__ = ["AsyncHTTP11Pool", "Connection", "HTTP11Pool", "IdleConnections", "async_transport", "proxy_mounts", "sync_transport"]

_READ_BYTES = 65536

Origin = tuple[bytes, bytes, int]


class Connection:
    """One HTTP/1.1 connection: its network stream and where it goes.

    ``response.extensions["network_stream"]`` is this object; a driver sets :attr:`end`
    to bound the body reads of a streamed response.
    """

    __slots__ = ("stream", "origin", "end", "idle_since")

    def __init__(self, stream: Any, origin: Origin) -> None:
        self.stream = stream
        self.origin = origin
        self.end: float | None = None
        """When the read under way must end (``time.monotonic()``); set by the drivers."""
        self.idle_since = 0.0

    def get_extra_info(self, info: str) -> Any:
        """The network stream's ``get_extra_info`` (``socket``, ``ssl_object``, ``server_addr`` …)."""
        return self.stream.get_extra_info(info)


class IdleConnections:
    """The idle connections of a pool, newest last per origin; thread-safe.

    Args:
        limits: ``max_keepalive_connections`` (idle connections kept in all) and
            ``keepalive_expiry`` (seconds an idle connection is kept) are honoured.
    """

    def __init__(self, limits: httpx.Limits) -> None:
        self._most = limits.max_keepalive_connections
        self._expiry = limits.keepalive_expiry
        self._idle: dict[Origin, deque[Connection]] = {}
        self._count = 0
        self._lock = threading.Lock()

    def take(self, origin: Origin) -> tuple[Connection | None, list[Connection]]:
        """An idle connection to ``origin`` still usable (or ``None``), and the ones found
        unusable on the way (expired, or closed or written to by the server), to close."""
        dead: list[Connection] = []
        now = time.monotonic()
        with self._lock:
            idle = self._idle.get(origin)
            while idle:
                connection = idle.pop()
                self._count -= 1
                expired = self._expiry is not None and now - connection.idle_since > self._expiry
                if expired or connection.stream.get_extra_info("is_readable"):
                    dead.append(connection)
                    continue
                return connection, dead
        return None, dead

    def give_back(self, connection: Connection) -> list[Connection]:
        """Keep ``connection`` for the next request to its origin; the connections pushed
        out by the limit (the longest idle), to close."""
        connection.end = None
        connection.idle_since = time.monotonic()
        pushed_out: list[Connection] = []
        with self._lock:
            self._idle.setdefault(connection.origin, deque()).append(connection)
            self._count += 1
            while self._most is not None and self._count > self._most:
                oldest = min((idle[0] for idle in self._idle.values() if idle), key=lambda c: c.idle_since)
                self._idle[oldest.origin].popleft()
                self._count -= 1
                pushed_out.append(oldest)
        return pushed_out

    def clear(self) -> list[Connection]:
        """Forget every idle connection; they are returned, to close."""
        with self._lock:
            everything = [connection for idle in self._idle.values() for connection in idle]
            self._idle.clear()
            self._count = 0
        return everything


class _Answer:
    """What httpx's transport makes its ``httpx.Response`` of (httpcore's response, in short)."""

    __slots__ = ("status", "headers", "stream", "extensions")

    def __init__(self, reader: ResponseReader, connection: Connection, stream: Any) -> None:
        head = reader.head
        assert head is not None
        self.status = head.status
        self.headers = head.headers
        self.stream = stream
        self.extensions = {"http_version": head.version, "reason_phrase": head.reason, "network_stream": connection}


def _in_memory(request: httpcore.Request) -> bytes | None:
    """The body of ``request`` when it is in memory (what this layer sends), else ``None``."""
    stream = request.stream
    return b"".join(stream) if isinstance(stream, httpx.ByteStream) else None


class _Replaced:
    """Whether a method of httpcore's pools is not httpcore's own (a test's mock replaced
    it): its code is not in ``source`` (remembered per method object)."""

    def __init__(self, pool_class: type, name: str, source: str) -> None:
        self._class = pool_class
        self._name = name
        self._source = source
        self._seen: object = None
        self._replaced = False

    def __call__(self) -> bool:
        method = getattr(self._class, self._name)
        if method is not self._seen:
            code = getattr(method, "__code__", None)
            filename = code.co_filename.replace("\\", "/") if code is not None else ""
            self._replaced = not filename.endswith(self._source)
            self._seen = method
        return self._replaced


_sync_pool_replaced = _Replaced(httpcore.ConnectionPool, "handle_request", "httpcore/_sync/connection_pool.py")
_async_pool_replaced = _Replaced(httpcore.AsyncConnectionPool, "handle_async_request", "httpcore/_async/connection_pool.py")


def _origin(url: httpcore.URL) -> Origin:
    scheme = url.scheme
    return scheme, url.host, url.port or (443 if scheme == b"https" else 80)


def _timeouts(request: httpcore.Request) -> dict[str, float | None]:
    timeouts: dict[str, float | None] = request.extensions.get("timeout") or {}
    return timeouts


class _Pool:
    """What both pools share: the idle connections, the TLS context (made on first use)."""

    def __init__(self, limits: httpx.Limits, ssl_context: LazySSLContext) -> None:
        self.idle = IdleConnections(limits)
        self.tls = ssl_context

    @staticmethod
    def server_name(request: httpcore.Request) -> str:
        """The name the TLS handshake asks for (``sni_hostname`` when the request sets one)."""
        name = request.extensions.get("sni_hostname") or request.url.host
        return name.decode("ascii") if isinstance(name, bytes) else str(name)


class HTTP11Pool(_Pool):
    """The shared sync client's connection pool (httpcore's ``ConnectionPool`` interface)."""

    def __init__(self, limits: httpx.Limits, ssl_context: LazySSLContext) -> None:
        super().__init__(limits, ssl_context)
        self.fallback = httpcore.ConnectionPool(network_backend=DeadlineBackend(), **_pool_settings(limits, ssl_context))
        self._sockets = httpcore.SyncBackend()

    def handle_request(self, request: httpcore.Request) -> Any:
        """Send ``request``; the answer's body is read as it is iterated."""
        body = _in_memory(request)
        if body is None or _sync_pool_replaced():
            return self.fallback.handle_request(request)
        timeouts = _timeouts(request)
        data = request_bytes(request.method, request.url.target, request.headers, body)
        connection = self._connection(request, timeouts.get("connect"))
        reader = ResponseReader(request.method)
        try:
            try:
                connection.stream.write(data, time_left(timeouts.get("write")))
            except httpcore.WriteError:  # the server may answer before taking the whole body (a 413, say)
                reader.spoil()
            while reader.head is None:
                self.read(connection, reader, time_left(timeouts.get("read")))
        except BaseException:
            connection.stream.close()
            raise
        return _Answer(reader, connection, _Body(self, connection, reader, timeouts.get("read")))

    def _connection(self, request: httpcore.Request, connect_timeout: float | None) -> Connection:
        origin = _origin(request.url)
        connection, dead = self.idle.take(origin)
        for stale in dead:
            stale.stream.close()
        if connection is not None:
            return connection
        stream = self._sockets.connect_tcp(origin[1].decode("ascii"), origin[2], time_left(connect_timeout))
        if origin[0] == b"https":
            try:
                stream = stream.start_tls(self.tls.get(), self.server_name(request), time_left(connect_timeout))
            except BaseException:
                stream.close()
                raise
        return Connection(stream, origin)

    @staticmethod
    def read(connection: Connection, reader: ResponseReader, timeout: float | None) -> None:
        """Read once from ``connection`` into ``reader``."""
        data = connection.stream.read(_READ_BYTES, timeout)
        reader.feed(data) if data else reader.feed_eof()

    def release(self, connection: Connection, reader: ResponseReader) -> None:
        """The response on ``connection`` was read or closed: keep or close the connection."""
        if reader.reusable:
            for pushed_out in self.idle.give_back(connection):
                pushed_out.stream.close()
        else:
            connection.stream.close()

    def close(self) -> None:
        """Close the idle connections (and the fallback's)."""
        for connection in self.idle.clear():
            connection.stream.close()
        self.fallback.close()

    def __enter__(self) -> HTTP11Pool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _OpenBody:
    """A response's body on its connection (until the body ends or is closed)."""

    def __init__(self, pool: Any, connection: Connection, reader: ResponseReader, read_timeout: float | None) -> None:
        self._pool = pool
        self._connection: Connection | None = connection
        self._reader = reader
        self._read_timeout = read_timeout

    def next_read(self) -> tuple[Connection, float | None] | None:
        """The connection to read more of the body from and the wait, or ``None`` when the body is over."""
        connection = self._connection
        if self._reader.complete or connection is None:
            return None
        return connection, time_left(self._read_timeout, connection.end)


class _Body(_OpenBody):
    """A sync response's body, read off its connection as it is iterated."""

    def __iter__(self) -> Iterator[bytes]:
        while True:
            data = self._reader.body()
            if data:
                yield data
            read = self.next_read()
            if read is None:
                self.close()
                return
            self._pool.read(read[0], self._reader, read[1])

    def close(self) -> None:
        """Put the connection back in the pool when the body was read to its end, else close it."""
        connection, self._connection = self._connection, None
        if connection is not None:
            self._pool.release(connection, self._reader)


class AsyncHTTP11Pool(_Pool):
    """The shared async client's connection pool (httpcore's ``AsyncConnectionPool`` interface)."""

    def __init__(self, limits: httpx.Limits, ssl_context: LazySSLContext) -> None:
        super().__init__(limits, ssl_context)
        self.fallback = httpcore.AsyncConnectionPool(network_backend=AsyncDeadlineBackend(), **_pool_settings(limits, ssl_context))
        self._asyncio = AsyncioBackend()
        self._anyio = httpcore.AnyIOBackend()

    async def handle_async_request(self, request: httpcore.Request) -> Any:
        """Send ``request``; the answer's body is read as it is iterated."""
        body = _in_memory(request)
        if body is None or _async_pool_replaced():
            return await self.fallback.handle_async_request(request)
        timeouts = _timeouts(request)
        data = request_bytes(request.method, request.url.target, request.headers, body)
        connection = await self._connection(request, timeouts.get("connect"))
        reader = ResponseReader(request.method)
        try:
            try:
                await connection.stream.write(data, time_left(timeouts.get("write")))
            except httpcore.WriteError:  # (read the answer, as the sync pool does)
                reader.spoil()
            while reader.head is None:
                await self.read(connection, reader, time_left(timeouts.get("read")))
        except BaseException:
            await connection.stream.aclose()
            raise
        return _Answer(reader, connection, _AsyncBody(self, connection, reader, timeouts.get("read")))

    async def _connection(self, request: httpcore.Request, connect_timeout: float | None) -> Connection:
        origin = _origin(request.url)
        connection, dead = self.idle.take(origin)
        for stale in dead:
            await stale.stream.aclose()
        if connection is not None:
            return connection
        sockets = self._asyncio if _in_asyncio() else self._anyio
        stream = await sockets.connect_tcp(origin[1].decode("ascii"), origin[2], time_left(connect_timeout))
        if origin[0] == b"https":
            try:
                stream = await stream.start_tls(self.tls.get(), self.server_name(request), time_left(connect_timeout))
            except BaseException:
                await stream.aclose()
                raise
        return Connection(stream, origin)

    @staticmethod
    async def read(connection: Connection, reader: ResponseReader, timeout: float | None) -> None:
        """Read once from ``connection`` into ``reader``."""
        data = await connection.stream.read(_READ_BYTES, timeout)
        reader.feed(data) if data else reader.feed_eof()

    async def release(self, connection: Connection, reader: ResponseReader) -> None:
        """The response on ``connection`` was read or closed: keep or close the connection."""
        if reader.reusable:
            for pushed_out in self.idle.give_back(connection):
                await pushed_out.stream.aclose()
        else:
            await connection.stream.aclose()

    async def aclose(self) -> None:
        """Close the idle connections (and the fallback's)."""
        for connection in self.idle.clear():
            await connection.stream.aclose()
        await self.fallback.aclose()

    async def __aenter__(self) -> AsyncHTTP11Pool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class _AsyncBody(_OpenBody):
    """An async response's body, read off its connection as it is iterated."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            data = self._reader.body()
            if data:
                yield data
            read = self.next_read()
            if read is None:
                await self.aclose()
                return
            await self._pool.read(read[0], self._reader, read[1])

    async def aclose(self) -> None:
        """Put the connection back in the pool when the body was read to its end, else close it."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._pool.release(connection, self._reader)


def _in_asyncio() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def sync_transport(limits: httpx.Limits, ssl_context: LazySSLContext) -> httpx.HTTPTransport:
    """httpx's own transport on an :class:`HTTP11Pool`.

    httpx has no argument for a connection pool, so the transport's is replaced (``_pool``
    is the one private name used).
    """
    transport = httpx.HTTPTransport(limits=limits, verify=_UNUSED_CONTEXT)
    transport._pool = HTTP11Pool(limits, ssl_context)  # type: ignore[assignment]
    return transport


def async_transport(limits: httpx.Limits, ssl_context: LazySSLContext) -> httpx.AsyncHTTPTransport:
    """httpx's own async transport on an :class:`AsyncHTTP11Pool` (built like :func:`sync_transport`)."""
    transport = httpx.AsyncHTTPTransport(limits=limits, verify=_UNUSED_CONTEXT)
    transport._pool = AsyncHTTP11Pool(limits, ssl_context)  # type: ignore[assignment]
    return transport


def proxy_mounts(limits: httpx.Limits, *, asynchronous: bool) -> dict[str, Any]:
    """The ``mounts`` of a shared client for the proxies of the environment
    (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``), read as httpx reads them
    for its own clients — which it does not do for a client given its own transport, as the
    shared clients are. Each proxy gets httpx's proxy transport, its sockets bounded by the
    deadlines (:mod:`rillet._deadlines`); a ``NO_PROXY`` host gets the client's own transport."""
    from httpx._utils import get_environment_proxies

    mounts: dict[str, Any] = {}
    for pattern, url in get_environment_proxies().items():
        if url is None:
            mounts[pattern] = None
            continue
        transport: Any = (httpx.AsyncHTTPTransport if asynchronous else httpx.HTTPTransport)(proxy=url, limits=limits)
        transport._pool._network_backend = AsyncDeadlineBackend() if asynchronous else DeadlineBackend()
        mounts[pattern] = transport
    return mounts


_UNUSED_CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
"""Given to httpx's own pool, which is replaced at once (so httpx loads no CA bundle for it)."""


def _pool_settings(limits: httpx.Limits, ssl_context: LazySSLContext) -> dict[str, typing.Any]:
    """The arguments of the fallback httpcore pool for ``limits``, TLS made on first use."""
    return {
        "ssl_context": typing.cast(ssl.SSLContext, ssl_context),
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
    }
