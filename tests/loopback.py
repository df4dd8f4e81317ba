"""A scripted HTTP/1.1 server on 127.0.0.1 for transport tests.

Each connection serves one request with the next queued ``Reply``: a status, headers and
a script of body chunks and pauses. It records requests, counts open connections and
notices when the client closes the connection while the server is still streaming.
"""

from __future__ import annotations

import asyncio
import socket
import socketserver
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from rillet.testing._server import read_request, wait_for_close


class _Server(socketserver.ThreadingTCPServer):
    request_queue_size = 1024  # hundreds of clients may connect at once


@dataclass
class Reply:
    """What the server answers: ``body`` items are bytes to send or seconds to pause."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/x-ndjson"})
    body: list[bytes | float] = field(default_factory=list)
    complete: bool = True  # False: drop the connection without finishing the chunked body
    hold: float = 0.0  # after the script, keep the connection open this long (waiting for a client close)
    head_pause: float = 0.0  # wait this long before sending the status line and headers
    head_drip: float = 0.0  # send the status line and headers one byte at a time, this many seconds apart
    keep_alive: bool = False  # keep the connection open for the next request (no ``connection: close``)


class LoopbackServer:
    """Serve queued replies; use as a context manager."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.open_connections = 0
        self.connections = 0  # accepted so far
        self.client_closed = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server._serve(self.request)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> LoopbackServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        # Bounded: a stop that hangs fails the test that used the server, by name, instead
        # of hanging the whole run (seen once, not reproduced).
        stopping = threading.Thread(target=self._server.shutdown, daemon=True)
        stopping.start()
        stopping.join(10)
        self._server.server_close()
        if stopping.is_alive():
            raise RuntimeError(f"the loopback server at {self.url} did not stop within 10 s")

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def _serve(self, sock: socket.socket) -> None:
        with self._lock:
            self.open_connections += 1
            self.connections += 1
        try:
            while self._answer_one(sock):
                pass
        finally:
            with self._lock:
                self.open_connections -= 1
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _answer_one(self, sock: socket.socket) -> bool:
        """Answer one request; True if the connection stays open for another."""
        request = read_request(sock)
        if request is None:
            return False
        self.requests.append(request)
        reply = self.replies.popleft() if self.replies else Reply(status=500, body=[b'{"error":"no reply queued"}'])
        status_line = f"HTTP/1.1 {reply.status} X\r\n"
        header_lines = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
        connection = "" if reply.keep_alive else "connection: close\r\n"
        head = (status_line + header_lines + "transfer-encoding: chunked\r\n" + connection + "\r\n").encode()
        if reply.head_pause and self._client_closed_within(sock, reply.head_pause):
            return False
        if not self._send_head(sock, head, reply.head_drip):
            return False
        for item in reply.body:
            if isinstance(item, float):
                if self._client_closed_within(sock, item):
                    return False
                continue
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(item), item))
            except OSError:
                self.client_closed.set()
                return False
        if reply.hold and self._client_closed_within(sock, reply.hold):
            return False
        if not reply.complete:
            return False
        sock.sendall(b"0\r\n\r\n")
        return reply.keep_alive

    def _send_head(self, sock: socket.socket, head: bytes, drip: float) -> bool:
        """Send the head, byte by byte ``drip`` seconds apart if set; False if the client left."""
        pieces = [head[i : i + 1] for i in range(len(head))] if drip else [head]
        for number, piece in enumerate(pieces):
            if number and self._client_closed_within(sock, drip):
                return False
            try:
                sock.sendall(piece)
            except OSError:
                self.client_closed.set()
                return False
        return True

    def _client_closed_within(self, sock: socket.socket, seconds: float) -> bool:
        """Pause up to ``seconds``; return True (and record it) if the client closed."""
        if wait_for_close(sock, seconds):
            self.client_closed.set()
            return True
        return False


def collect(stream: Any, mode: str) -> list[Any]:
    """Every event of ``stream``, iterated with ``for`` (``mode="sync"``) or ``async for``."""
    if mode == "sync":
        return list(stream)

    async def gather() -> list[Any]:
        return [event async for event in stream]

    return asyncio.run(gather())
