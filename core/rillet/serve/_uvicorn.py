"""How ``rillet serve`` runs the gateway in uvicorn: each worker's app, and the HTTP protocol.

**The worker's app** (:func:`serving_app`) is the gateway of ``RILLET_SERVE_CONFIG`` in a
process made ready to serve. What the first request would load is loaded at start-up (see
:func:`_warm_up`: without it a worker's first answer took about 200 ms more than the next
ones). Then the garbage collector is set for serving: the heap built at start-up (modules,
plugins, validators) is frozen, so the full collections no longer walk it, and the young
generation is collected every :data:`GC_THRESHOLD` allocations instead of 700: a request
leaves its objects behind in well under that, so far fewer collections find anything to do.
Measured with ``bench/gateway.py``'s first-token stream (idle 50 ms between requests):
0.57 ms of collections per request before, 0.15 ms after.

**The HTTP protocol** is uvicorn's, on a :class:`~rillet._coalescing.CoalescingTransport`.

uvicorn writes a response's head the moment the app sends ``http.response.start``, and
its body with the next message. The gateway sends both together, as soon as the first
token is decoded: on the coalescing transport they leave in one ``send``, and the client
wakes once for its head and first token instead of twice.

Importing this module imports uvicorn (the ``serve`` extra). The protocol is httptools'
when it is installed and h11's otherwise, as uvicorn's own ``auto`` choice.
"""

from __future__ import annotations

import asyncio
import gc

from .._coalescing import CoalescingTransport
from . import app_from_environment

try:
    import httptools  # noqa: F401  (uvicorn's "auto" picks it when present)
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _UvicornProtocol
except ImportError:  # pragma: no cover - the serve extra installs httptools (uvicorn[standard])
    from uvicorn.protocols.http.h11_impl import H11Protocol as _UvicornProtocol  # type: ignore[assignment]

__all__ = ["GC_THRESHOLD", "HTTPProtocol", "serving_app"]

GC_THRESHOLD = 10_000
"""Allocations between two collections of the young generation in a serving process."""


def serving_app() -> object:
    """The app of one ``rillet serve`` worker (uvicorn's factory), its process made ready
    to serve (see the module docstring)."""
    app = app_from_environment()
    _warm_up()
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    return app


_SAMPLE_REQUESTS = {
    "openai-chat": {"model": "m", "messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]},
    "anthropic-messages": {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}], "tools": [{"name": "f", "input_schema": {"type": "object"}}]},
    "openai-responses": {"model": "m", "input": "hi", "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}]},
}


def _warm_up() -> None:
    """Load what a worker's first request would load, before it comes: the installed
    plugins, httpx and the shared clients' transport, and the validators of the request
    models (built on first use), by reading a sample request of each format."""
    from .. import _clients, _drivers  # noqa: F401  (httpx, the transport and the drivers)
    from .._discovery import providers
    from ._formats import FORMATS

    providers()
    for fmt in FORMATS:
        fmt.read(_SAMPLE_REQUESTS[fmt.name])


class HTTPProtocol(_UvicornProtocol):
    """uvicorn's HTTP protocol on a coalescing transport (pass it to uvicorn as ``http=``)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the connection on the coalescing transport."""
        super().connection_made(CoalescingTransport(transport))  # type: ignore[arg-type]
