"""Writes held for an asyncio transport and sent together: what one event-loop round writes
leaves in one ``send``.

A response's head and its first bytes, or a request's head and its body, are written one
after the other without a wait between them. Sent apart, they wake the peer twice (on a
virtual machine each wake-up of an idle process can cost a tenth of a millisecond or more);
held until the end of the loop round, they leave together. Writes past
:data:`COALESCE_BYTES` leave at once, so a large body is never held.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["COALESCE_BYTES", "CoalescingTransport"]

COALESCE_BYTES = 64 * 1024
"""Held bytes past which a write goes to the socket at once."""


class CoalescingTransport:
    """A transport whose writes of one event-loop round go to ``transport`` as one write;
    everything else is ``transport``'s own. Make it in the running loop."""

    __slots__ = ("_transport", "_held", "_held_bytes", "_loop")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held: list[bytes] = []
        self._held_bytes = 0
        self._loop = asyncio.get_running_loop()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Hold ``data`` until the end of this loop round (send it now with what is held, when large)."""
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(bytes(data))
        self._held_bytes += len(data)
        if self._held_bytes >= COALESCE_BYTES:
            self.flush()

    def writelines(self, lines: Any) -> None:
        """Hold each of ``lines``."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Send what is held, in one write (dropped if the connection is closing: whoever
        reads it next learns why)."""
        held = self._held
        if not held:
            return
        data = held[0] if len(held) == 1 else b"".join(held)
        held.clear()
        self._held_bytes = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        """Send what is held, then close."""
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
