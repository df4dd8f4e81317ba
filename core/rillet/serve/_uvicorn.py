"""uvicorn's HTTP protocol as ``rillet serve`` runs it, on a :class:`~rillet._coalescing.CoalescingTransport`.

uvicorn writes a response's head the moment the app sends ``http.response.start``, and
its body with the next message. The gateway sends both together, as soon as the first
token is decoded: on the coalescing transport they leave in one ``send``, and the client
wakes once for its head and first token instead of twice.

Importing this module imports uvicorn (the ``serve`` extra). The protocol is httptools'
when it is installed and h11's otherwise, as uvicorn's own ``auto`` choice.
"""

from __future__ import annotations

import asyncio

from .._coalescing import CoalescingTransport

try:
    import httptools  # noqa: F401  (uvicorn's "auto" picks it when present)
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _UvicornProtocol
except ImportError:  # pragma: no cover - the serve extra installs httptools (uvicorn[standard])
    from uvicorn.protocols.http.h11_impl import H11Protocol as _UvicornProtocol  # type: ignore[assignment]

__all__ = ["HTTPProtocol"]


class HTTPProtocol(_UvicornProtocol):
    """uvicorn's HTTP protocol on a coalescing transport (pass it to uvicorn as ``http=``)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the connection on the coalescing transport."""
        super().connection_made(CoalescingTransport(transport))  # type: ignore[arg-type]
