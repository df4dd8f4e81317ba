"""HTTPS through rillet's shared clients: the CA bundle is loaded on the first TLS
connection, not before (a stream to an ``http://`` server never pays for it), and then
exactly as httpx would load it (``SSL_CERT_FILE`` honoured, certificates verified)."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest
import trustme

from rillet.testing._server import read_request

ANSWER = b"".join(
    b"data: " + json.dumps(chunk).encode() + b"\n\n"
    for chunk in (
        {"id": "c1", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "se"}, "finish_reason": None}]},
        {"id": "c1", "choices": [{"index": 0, "delta": {"content": "cure"}, "finish_reason": "stop"}]},
    )
) + b"data: [DONE]\n\n"

# A fresh process streams once in each mode and prints what it got, and whether a CA
# bundle was loaded (counted by wrapping the one method httpx loads it with).
CLIENT = """
import asyncio, json, ssl, sys
import rillet
loads = []
real = ssl.SSLContext.load_verify_locations
def counted(self, *args, **kwargs):
    loads.append(1)
    return real(self, *args, **kwargs)
ssl.SSLContext.load_verify_locations = counted
model = rillet.get_model("openai/m", base_url=sys.argv[1], key="sk-test")
async def gather():
    async with model.astream_tokens("hi") as stream:
        return [event async for event in stream]
runs = [list(model.stream_tokens("hi")), asyncio.run(gather())]
texts = ["".join(e.text for e in events if e.type == "token") for events in runs]
errors = [next((e.message for e in events if e.type == "error"), None) for events in runs]
print(json.dumps({"texts": texts, "errors": errors, "ca_loads": len(loads)}))
"""


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _serve(listener: socket.socket, wrap: ssl.SSLContext | None) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=_answer, args=(conn, wrap), daemon=True).start()


def _answer(conn: socket.socket, wrap: ssl.SSLContext | None) -> None:
    try:
        sock = wrap.wrap_socket(conn, server_side=True) if wrap else conn
        while read_request(sock) is not None:
            head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: %d\r\n\r\n" % len(ANSWER)
            sock.sendall(head + ANSWER)
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def _server(wrap: ssl.SSLContext | None) -> Iterator[str]:
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=_serve, args=(listener, wrap), daemon=True).start()
    scheme = "https" if wrap else "http"
    try:
        yield f"{scheme}://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        listener.close()


@pytest.fixture
def https_url(ca: trustme.CA) -> Iterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    yield from _server(context)


@pytest.fixture
def http_url() -> Iterator[str]:
    yield from _server(None)


def _stream_in_a_fresh_process(url: str, tmp_path: Path, ca_file: Path | None) -> dict:  # type: ignore[type-arg]
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    env.update(RILLET_HOME=str(tmp_path / "home"), RILLET_LOG="0")
    if ca_file is not None:
        env["SSL_CERT_FILE"] = str(ca_file)
    done = subprocess.run([sys.executable, "-c", CLIENT, url], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_https_streams_verify_against_the_ca_named_by_ssl_cert_file(https_url: str, ca: trustme.CA, tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    outcome = _stream_in_a_fresh_process(https_url, tmp_path, ca_file)
    assert outcome["texts"] == ["secure", "secure"] and outcome["errors"] == [None, None]
    assert outcome["ca_loads"] == 1  # once for the process: the sync and async clients share the context


def test_a_certificate_no_trusted_ca_signed_is_refused(https_url: str, tmp_path: Path) -> None:
    outcome = _stream_in_a_fresh_process(https_url, tmp_path, None)
    assert outcome["texts"] == ["", ""]
    assert all("CERTIFICATE_VERIFY_FAILED" in (message or "") for message in outcome["errors"]), outcome["errors"]


def test_plain_http_streams_load_no_ca_bundle(http_url: str, tmp_path: Path) -> None:
    outcome = _stream_in_a_fresh_process(http_url, tmp_path, None)
    assert outcome["texts"] == ["secure", "secure"]
    assert outcome["ca_loads"] == 0
