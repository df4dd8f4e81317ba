"""A one-response HTTP/1.1 server on 127.0.0.1 that plays a recorded response over a real socket.

The body goes out chunked, one write per frame, so the client's transport, decoder and
cancellation run exactly as against a provider. With ``hold_after=k`` the server sends
the first ``k`` frames, then waits for the client to close the connection and records
that it did (:attr:`client_closed`).
"""

from __future__ import annotations

import socket
import socketserver
import threading
from typing import Sequence

__all__ = ["RecordedResponseServer", "read_request", "wait_for_close"]

_SKIPPED_HEADERS = {"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive"}


class RecordedResponseServer:
    """Serve ``status``/``headers``/``frames`` to every connection; use as a context manager."""

    def __init__(
        self,
        status: int,
        headers: dict[str, list[str]],
        frames: Sequence[bytes],
        *,
        hold_after: int | None = None,
        hold_seconds: float = 10.0,
    ) -> None:
        self.status = status
        self.headers = [(k, v) for k, values in headers.items() if k.lower() not in _SKIPPED_HEADERS for v in values]
        self.frames = list(frames)
        self.hold_after = hold_after
        self.hold_seconds = hold_seconds
        self.client_closed = threading.Event()
        self.requests: list[tuple[str, bytes]] = []
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server._serve(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler, bind_and_activate=True)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> RecordedResponseServer:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="rillet-conformance-server", daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, sock: socket.socket) -> None:
        try:
            request = read_request(sock)
            if request is None:
                return
            self.requests.append((request[0], request[2]))
            head = [f"HTTP/1.1 {self.status} Recorded\r\n"]
            head += [f"{name}: {value}\r\n" for name, value in self.headers]
            head.append("transfer-encoding: chunked\r\nconnection: close\r\n\r\n")
            sock.sendall("".join(head).encode("latin-1"))
            for number, frame in enumerate(self.frames):
                if self.hold_after is not None and number == self.hold_after:
                    if wait_for_close(sock, self.hold_seconds):
                        self.client_closed.set()
                        return
                sock.sendall(b"%x\r\n%s\r\n" % (len(frame), frame))
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            self.client_closed.set()
        finally:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def read_request(sock: socket.socket) -> tuple[str, dict[str, str], bytes] | None:
    """Read one HTTP/1.1 request: ``(request_line, lower-cased headers, body)``.

    ``None`` when the client closed before sending a whole head; a body cut short by the
    client is returned as it arrived.
    """
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            return None
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return lines[0], headers, _chunked_body(sock, body)
    length = int(headers.get("content-length", "0") or 0)
    while len(body) < length:
        more = sock.recv(65536)
        if not more:
            break
        body += more
    return lines[0], headers, body


def _chunked_body(sock: socket.socket, data: bytes) -> bytes:
    """The data of a chunked request body, ``data`` being what arrived of it with the head
    (a body cut short is returned as it arrived). Decoded by the shared clients' HTTP/1.1
    reader: a chunked body is framed the same way in either direction."""
    from .._http11 import ResponseReader

    reader = ResponseReader()
    reader.feed(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + data)
    body = reader.body()
    while not reader.complete:
        more = sock.recv(65536)
        if not more:
            break
        reader.feed(more)
        body += reader.body()
    return body


def wait_for_close(sock: socket.socket, seconds: float) -> bool:
    """Wait up to ``seconds`` for the client to close the connection; True if it did."""
    sock.settimeout(seconds)
    try:
        data = sock.recv(1)
    except (socket.timeout, TimeoutError):
        return False
    except OSError:
        data = b""
    finally:
        sock.settimeout(None)
    return data == b""
