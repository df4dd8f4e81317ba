"""One task's wait for a wake-up, on a bare asyncio future, for at most a timeout.

The async sockets (:mod:`rillet._asyncio_stream`) and the gateway's event queue wait this
way on their hot paths: a future and, when bounded, one timer — no cancel scope and no
event-loop round of their own.
"""

from __future__ import annotations

import asyncio

__all__ = ["Wakeup"]


class Wakeup:
    """Wakes the task waiting in :meth:`wait`; a wake-up with no task waiting is dropped
    (the waiter checks its condition before it waits, and both run in one thread)."""

    __slots__ = ("_waiter",)

    def __init__(self) -> None:
        self._waiter: asyncio.Future[bool] | None = None

    def wake(self) -> None:
        """End the wait under way, if any."""
        _settle(self._waiter, True)

    async def wait(self, timeout: float | None = None) -> bool:
        """Wait for :meth:`wake`, at most ``timeout`` seconds; ``False`` when the time ran out first."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiter = waiter
        timer = None if timeout is None else loop.call_later(max(timeout, 0.0), _settle, waiter, False)
        try:
            return await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()


def _settle(waiter: asyncio.Future[bool] | None, woken: bool) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(woken)
