"""A loopback OpenAI Chat Completions server that streams a canned answer as fast as it can.

``POST …/v1/chat/completions`` answers with an SSE stream shaped like the real API with
``stream_options.include_usage``: a role chunk, one chunk per token (``id``, ``object``,
``created``, ``model``, ``system_fingerprint``, ``choices[0].delta.content``,
``logprobs: null``, ``finish_reason: null``, ``usage: null``), the finish chunk, the
empty-choices usage chunk and ``data: [DONE]``.

The body is built once per shape and sent with large ``sendall`` writes, so the clients
being measured, not the server, set the pace. Like the real API, the body is sent with
``Transfer-Encoding: chunked``, one HTTP chunk per SSE event (``--framing``
changes that). The answer has the request's ``max_tokens`` (or ``max_completion_tokens``)
tokens, else ``--tokens``. Settings can also be overridden per request by ``key=value``
path segments before ``/v1``, so one server serves every scenario::

    http://127.0.0.1:PORT/v1                       --tokens, --framing, no pause
    http://127.0.0.1:PORT/tokens=100,pause=50/v1   100 tokens, 50 ms pause after the first

``pause`` (milliseconds) holds the stream after the first content token, to measure time
to first token: a client that buffers would see its first token only after the pause.

Standard library only; one thread per connection, HTTP/1.1 keep-alive. Run::

    python bench/server.py --port 0    # prints "listening on http://127.0.0.1:PORT"
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from functools import lru_cache

__all__ = ["build_events", "build_body", "serve"]

# Typical GPT tokens; cycling them gives realistic, varied (and sometimes escaped) deltas.
_WORDS = [
    " The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".",
    " Stream", "ing", " is", " fun", ",", " isn", "'t", " it", "?", "\n\n",
    " R", "ayleigh", " scattering", " makes", " the", " sky", " look", " \"blue\"", " \u2014", " café",
]
_ID = "chatcmpl-BENCHa1b2c3d4e5f6g7h8i9j0kLmNoP"
_CREATED = 1731368639
_MODEL = "gpt-4o-mini-2024-07-18"
_FINGERPRINT = "fp_0ba0d124f1"


def _chunk(delta: dict, finish_reason: str | None = None, usage: dict | None = None, *, choices: bool = True) -> bytes:
    body = {
        "id": _ID,
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": _MODEL,
        "system_fingerprint": _FINGERPRINT,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}] if choices else [],
        "usage": usage,
    }
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


@lru_cache(maxsize=16)
def build_events(tokens: int) -> tuple[bytes, ...]:
    """The SSE events (each ``data: …\\n\\n``) of an answer of ``tokens`` content tokens."""
    events = [_chunk({"role": "assistant", "content": "", "refusal": None})]
    events += [_chunk({"content": _WORDS[i % len(_WORDS)]}) for i in range(tokens)]
    events.append(_chunk({}, "stop"))
    usage = {
        "prompt_tokens": 12,
        "completion_tokens": tokens,
        "total_tokens": tokens + 12,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    }
    events.append(_chunk({}, usage=usage, choices=False))
    events.append(b"data: [DONE]\n\n")
    return tuple(events)


def expected_text(tokens: int) -> str:
    """The answer text the stream of ``tokens`` tokens carries (to check clients)."""
    return "".join(_WORDS[i % len(_WORDS)] for i in range(tokens))


def _frame(events: tuple[bytes, ...] | list[bytes], framing: str) -> bytes:
    if framing == "chunked":  # one HTTP chunk per SSE event, as real servers flush them
        return b"".join(b"%x\r\n%s\r\n" % (len(event), event) for event in events)
    if framing == "chunked-large":  # the whole body in one HTTP chunk
        data = b"".join(events)
        return b"%x\r\n%s\r\n" % (len(data), data)
    return b"".join(events)  # content-length


@lru_cache(maxsize=16)
def build_body(tokens: int, framing: str) -> tuple[bytes, bytes]:
    """``(head, rest)``: the framed bytes up to and including the first content token,
    and everything after (``rest`` ends with the chunked terminator when chunked)."""
    events = build_events(tokens)
    split = min(2, len(events))
    head = _frame(events[:split], framing)
    rest = _frame(events[split:], framing)
    if framing != "content-length":
        rest += b"0\r\n\r\n"
    return head, rest


def _headers(framing: str, length: int) -> bytes:
    lines = [
        b"HTTP/1.1 200 OK",
        b"Content-Type: text/event-stream; charset=utf-8",
        b"Cache-Control: no-cache",
        b"openai-processing-ms: 1",
        b"x-request-id: req_bench",
        b"Connection: keep-alive",
    ]
    if framing == "content-length":
        lines.append(b"Content-Length: %d" % length)
    else:
        lines.append(b"Transfer-Encoding: chunked")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _settings(path: str, defaults: dict) -> dict:
    settings = dict(defaults)
    for segment in path.split("?")[0].split("/"):
        for item in segment.split(","):
            key, equals, value = item.partition("=")
            if equals and key in settings:
                settings[key] = type(defaults[key])(value)
    return settings


def _requested_tokens(body: bytes, default: int) -> int:
    """``max_tokens`` (or ``max_completion_tokens``) of the request, else ``default``."""
    try:
        payload = json.loads(body)
    except ValueError:
        return default
    if not isinstance(payload, dict):
        return default
    value = payload.get("max_completion_tokens") or payload.get("max_tokens")
    return value if isinstance(value, int) and value > 0 else default


_WRITE = 1 << 20  # bytes per sendall


def _send(conn: socket.socket, data: bytes) -> None:
    view = memoryview(data)
    for start in range(0, len(view), _WRITE):
        conn.sendall(view[start : start + _WRITE])


def _handle(conn: socket.socket, defaults: dict) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = b""
    with conn:
        while True:
            while b"\r\n\r\n" not in buffer:
                data = conn.recv(65536)
                if not data:
                    return
                buffer += data
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, path, _version = request_line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
            length = int(headers.get("content-length", "0"))
            while len(buffer) < length:
                data = conn.recv(65536)
                if not data:
                    return
                buffer += data
            body, buffer = buffer[:length], buffer[length:]
            if method != "POST" or not path.split("?")[0].endswith("/chat/completions"):
                body = b'{"error":{"message":"not found","type":"invalid_request_error","code":"not_found"}}'
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                continue
            settings = _settings(path, defaults)
            settings["tokens"] = _requested_tokens(body, settings["tokens"])
            first, rest = build_body(settings["tokens"], settings["framing"])
            conn.sendall(_headers(settings["framing"], len(first) + len(rest)) + first)
            if settings["pause"]:
                time.sleep(settings["pause"] / 1000)
            _send(conn, rest)
            if headers.get("connection", "").lower() == "close":
                return


def serve(host: str = "127.0.0.1", port: int = 0, *, tokens: int = 20000, framing: str = "chunked", ready=None) -> None:
    """Serve forever; ``ready(port)`` is called once listening."""
    defaults = {"tokens": tokens, "framing": framing, "pause": 0}
    for size in {tokens, 1}:
        build_body(size, framing)  # build the default bodies before the first request
    listener = socket.create_server((host, port), backlog=1024)
    if ready is not None:
        ready(listener.getsockname()[1])
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=_safe_handle, args=(conn, defaults), daemon=True).start()


def _safe_handle(conn: socket.socket, defaults: dict) -> None:
    try:
        _handle(conn, defaults)
    except (ConnectionError, OSError, ValueError):
        pass  # a client that goes away mid-stream (a cancelled stream) is not an error here


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Loopback OpenAI Chat Completions SSE server for benchmarks.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: 0, any free port)")
    parser.add_argument("--tokens", type=int, default=20000, help="content tokens per response (default: 20000)")
    parser.add_argument(
        "--framing",
        choices=["chunked", "chunked-large", "content-length"],
        default="chunked",
        help="body framing: one HTTP chunk per SSE event (default, like the real API), one big chunk, or Content-Length",
    )
    args = parser.parse_args(argv)

    def ready(port: int) -> None:
        print(f"listening on http://{args.host}:{port}", flush=True)

    try:
        serve(args.host, args.port, tokens=args.tokens, framing=args.framing, ready=ready)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
