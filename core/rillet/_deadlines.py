"""Deadlines for the sync client's sockets.

httpcore gives every socket operation of a request the request's fixed timeouts, read
once per body iteration, so a sync stream cannot change its read limit between chunks
(first token, then gap, shrinking under a total limit). Instead the sync driver sets the
moment the current operation must end, and the sync client's network backend gives every
connect, read and write the time left to it, or the request's own timeout when that is
sooner. A wait that ends with the deadline raises httpx's timeout error; the driver,
seeing the deadline passed, reports it as the operation's limit.

The deadline of sending a request is in :data:`deadline` (a context variable: the
connection is not known yet); the deadline of reading a body chunk is set on the
response's connection itself (:attr:`DeadlineStream.end`), which costs less per chunk.
"""

from __future__ import annotations

import ssl
import time
import typing
from contextvars import ContextVar

import httpcore
import httpx

__all__ = ["GRACE", "DeadlineBackend", "DeadlineStream", "deadline", "sync_transport", "time_left"]

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
        return DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, time_left(timeout)))

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


def sync_transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """An ``httpx.HTTPTransport`` whose connections use :class:`DeadlineBackend`.

    httpx has no argument for a network backend, so the transport's connection pool is
    replaced by an equal one built on it (``_pool`` is the one private name used).
    """
    ssl_context = httpx.create_ssl_context()
    transport = httpx.HTTPTransport(verify=ssl_context, limits=limits)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=DeadlineBackend(),
    )
    return transport
