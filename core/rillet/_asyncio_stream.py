"""httpcore network streams straight on asyncio's transports, for streams read under asyncio.

httpcore's anyio backend pays an event-loop round (a checkpoint) on every read and write
and a cancel scope around each, which is a large part of what a streaming gateway spends
between a client's request and its first token. Here a read takes what the transport has
already delivered without waiting, a write hands its bytes to the transport, and only a
real wait suspends — bounded by a timer that raises httpcore's own timeout error, so a
timeout is the same wait as in the sync backend. Under trio the anyio backend is used.

Reading is flow-controlled: past :data:`HIGH_WATER` bytes unread the transport stops
reading from the socket, so a slow reader's backpressure reaches the sender.

Writes made one after another without a wait between them (httpcore writes a request's
head, then its body) leave in one ``send`` (:mod:`rillet._coalescing`): they are held until
the next read, the end of the event-loop round or ``COALESCE_BYTES``, whichever comes
first. The server then wakes once for the whole request, not for its head and again for its body.
"""

from __future__ import annotations

import asyncio
import ssl
import typing
from collections import deque

import httpcore

from ._coalescing import CoalescingTransport
from ._wakeup import Wakeup

__all__ = ["HIGH_WATER", "AsyncioBackend", "AsyncioStream"]

HIGH_WATER = 256 * 1024
"""Unread bytes past which the transport stops reading from the socket until they are read."""

_HAPPY_EYEBALLS_DELAY = 0.25  # as anyio's connect_tcp: try the next address after 250 ms


class _Protocol(asyncio.Protocol):
    """What the transport delivers, kept until it is read; wakes the one waiting reader or writer."""

    def __init__(self) -> None:
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.eof = False
        self.error: BaseException | None = None
        self.transport: asyncio.Transport | None = None
        self.wakeup = Wakeup()
        self.can_write = True
        self.reading_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = typing.cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        self.wakeup.wake()

    def eof_received(self) -> bool | None:
        self.eof = True
        self.wakeup.wake()
        return None  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        if exc is not None and self.error is None:
            self.error = exc
        self.can_write = True
        self.wakeup.wake()

    def pause_writing(self) -> None:
        self.can_write = False

    def resume_writing(self) -> None:
        self.can_write = True
        self.wakeup.wake()

    async def wait(self, timeout: float | None, timeout_error: type[Exception], what: str) -> None:
        """Wait until the transport reports something, at most ``timeout`` seconds."""
        if not await self.wakeup.wait(timeout):
            raise timeout_error(f"timed out {what}")


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection on an asyncio transport, as httpcore reads and writes it."""

    __slots__ = ("_transport", "_protocol", "_out")

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol
        self._out = CoalescingTransport(transport)  # what is written, held until the next read

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """What has arrived (up to ``max_bytes``), waiting for it when nothing has; ``b""`` at the end."""
        self._out.flush()
        protocol = self._protocol
        while not protocol.chunks and not protocol.eof:  # (a wake-up for the writer brings nothing)
            await protocol.wait(timeout, httpcore.ReadTimeout, "waiting for the server")
        chunks = protocol.chunks
        if chunks:
            data = chunks.popleft()
            if len(data) > max_bytes:
                chunks.appendleft(data[max_bytes:])
                data = data[:max_bytes]
            protocol.buffered -= len(data)
            if protocol.reading_paused and protocol.buffered <= HIGH_WATER // 4:
                protocol.reading_paused = False
                self._transport.resume_reading()
            return data
        if protocol.error is not None:
            raise httpcore.ReadError(str(protocol.error) or type(protocol.error).__name__)
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Hold ``buffer`` for the transport (see the module docstring); wait only while the
        transport's send buffer is full."""
        if not buffer:
            return
        protocol = self._protocol
        if self._transport.is_closing():
            raise httpcore.WriteError(str(protocol.error) if protocol.error else "the connection is closed")
        self._out.write(buffer)
        if protocol.can_write:
            return
        self._out.flush()
        while not protocol.can_write and not protocol.eof:
            await protocol.wait(timeout, httpcore.WriteTimeout, "sending to the server")
        if protocol.error is not None:
            raise httpcore.WriteError(str(protocol.error) or type(protocol.error).__name__)

    async def aclose(self) -> None:
        """Close the connection (without waiting for the peer); held writes go first."""
        self._out.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        """Upgrade to TLS; a failed handshake closes the connection."""
        self._out.flush()
        loop = asyncio.get_running_loop()
        try:
            transport = await _bounded(
                loop.start_tls(self._transport, self._protocol, ssl_context, server_hostname=server_hostname),
                timeout,
            )
        except BaseException as exc:
            self._transport.close()
            if isinstance(exc, asyncio.TimeoutError):
                raise httpcore.ConnectTimeout("timed out in the TLS handshake") from None
            if isinstance(exc, (OSError, ssl.SSLError, ConnectionError)):
                raise httpcore.ConnectError(str(exc)) from exc
            raise
        if transport is None:  # pragma: no cover - only when the connection closed mid-handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._protocol.transport = transport
        return AsyncioStream(transport, self._protocol)

    def get_extra_info(self, info: str) -> typing.Any:
        """What httpcore asks: ``ssl_object``, ``client_addr``, ``server_addr``, ``socket``, ``is_readable``."""
        transport = self._transport
        if info == "is_readable":  # an idle connection with news: data, an end or an error
            protocol = self._protocol
            return bool(protocol.chunks) or protocol.eof or transport.is_closing()
        name = {"client_addr": "sockname", "server_addr": "peername"}.get(info, info)
        if name in ("ssl_object", "sockname", "peername", "socket"):
            return transport.get_extra_info(name)
        return None


async def _bounded(awaitable: typing.Awaitable[typing.Any], timeout: float | None) -> typing.Any:
    return await (awaitable if timeout is None else asyncio.wait_for(awaitable, timeout))


async def _connected(opening: typing.Awaitable[tuple[asyncio.BaseTransport, _Protocol]], timeout: float | None,
                     socket_options: typing.Iterable[typing.Any] | None) -> AsyncioStream:
    try:
        transport, protocol = await _bounded(opening, timeout)
    except asyncio.TimeoutError:
        raise httpcore.ConnectTimeout("timed out connecting") from None
    except OSError as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    sock = transport.get_extra_info("socket")
    for option in socket_options or ():
        sock.setsockopt(*option)
    return AsyncioStream(typing.cast(asyncio.Transport, transport), protocol)


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend on the running asyncio loop's transports."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> AsyncioStream:
        """A TCP connection (``TCP_NODELAY``, as asyncio sets it), bounded by ``timeout``."""
        loop = asyncio.get_running_loop()
        settings: dict[str, typing.Any] = {"local_addr": None if local_address is None else (local_address, 0)}
        if isinstance(loop, asyncio.BaseEventLoop):  # uvloop tries the addresses one after another
            settings["happy_eyeballs_delay"] = _HAPPY_EYEBALLS_DELAY
        opening = loop.create_connection(_Protocol, host, port, **settings)
        return await _connected(opening, timeout, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None
    ) -> AsyncioStream:
        """A Unix socket connection, bounded by ``timeout``."""
        loop = asyncio.get_running_loop()
        return await _connected(loop.create_unix_connection(_Protocol, path), timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's connection retries)."""
        await asyncio.sleep(seconds)
