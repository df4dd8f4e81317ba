"""Watching a stream go by: ``ObservedStream`` wraps whatever a plugin returned and hands
every event to a ``StreamObserver``, which notes the few facts a log row needs.

The observer does constant work per event (a type test, a timestamp once); everything
else — building the row, redacting, writing — happens once, after the stream ended or was
stopped, in the writer thread. The sync and async paths share the observer and differ only
in ``for`` versus ``async for``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, Iterator

__all__ = ["FinishedStream", "ObservedStream", "StreamObserver"]

logger = logging.getLogger("rillet.logs")
_NOTED = frozenset({"start", "usage", "end", "error"})


@dataclass
class FinishedStream:
    """What a stream left behind, handed to the sinks (log writer, telemetry) once.

    ``stream`` is the stream that was watched; :attr:`message` (what arrived) is built from
    it when first read, so the stream's own thread does not pay for it.
    """

    model: Any
    request: Any
    stream: Any
    started_at: float
    started_clock: float
    ended_clock: float
    first_event_clock: float | None
    start: Any
    usage: Any
    terminal: Any
    raised: BaseException | None
    _message: Any = field(default=None, repr=False)

    @property
    def message(self) -> Any:
        """The message that arrived (partial unless the stream completed), or ``None``."""
        if self._message is None:
            self._message = getattr(self.stream, "partial", None)
        return self._message


class StreamObserver:
    """Collects what a stream shows, then calls ``sink(FinishedStream)`` once."""

    __slots__ = ("model", "request", "sink", "started_at", "started_clock", "first_event_clock", "start", "usage", "terminal", "raised", "done")

    def __init__(self, model: Any, request: Any, sink: Callable[[FinishedStream, Any], None]) -> None:
        self.model = model
        self.request = request
        self.sink = sink
        self.started_at = 0.0
        self.started_clock = 0.0
        self.first_event_clock: float | None = None
        self.start: Any = None
        self.usage: Any = None
        self.terminal: Any = None
        self.raised: BaseException | None = None
        self.done = False

    def begin(self) -> None:
        """The stream is about to send its request."""
        self.started_at = time.time()
        self.started_clock = time.perf_counter()

    def see(self, event: Any) -> None:
        """Note ``event``. :class:`ObservedStream` calls it for ``start``, ``usage``, ``end``
        and ``error`` events and for the first other one (the first token's time); the
        deltas after that only pass by."""
        kind = event.type
        if kind in _NOTED:
            if kind == "start":
                self.start = event
                return
            if kind == "usage":
                self.usage = event.usage
                return
            self.terminal = event
        if self.first_event_clock is None:
            self.first_event_clock = time.perf_counter()

    def finish(self, stream: Any) -> None:
        """The stream ended or was stopped: hand what was seen to the sink, once."""
        if self.done or not self.started_clock:
            return
        self.done = True
        finished = FinishedStream(
            model=self.model,
            request=self.request,
            stream=stream,
            started_at=self.started_at,
            started_clock=self.started_clock,
            ended_clock=time.perf_counter(),
            first_event_clock=self.first_event_clock,
            start=self.start,
            usage=self.usage,
            terminal=self.terminal,
            raised=self.raised,
        )
        try:
            self.sink(finished, stream)
        except Exception as exc:  # a failing logger must never break the stream it watches
            logger.warning("a stream observer's sink failed: %s: %s", type(exc).__name__, exc)


class ObservedStream:
    """A stream (a :class:`rillet.TokenStream`, an :class:`rillet.AggregatedStream` or
    another middleware's wrapper) whose events an observer sees on their way to the caller.

    It behaves like the stream it wraps: ``for`` / ``async for``, ``close()`` /
    ``aclose()``, ``with`` / ``async with``, ``result()`` / ``aresult()``; other
    attributes (``partial``, ``cancelled``, ``model`` …) are the wrapped stream's.
    """

    def __init__(self, inner: Any, observer: StreamObserver) -> None:
        self.inner = inner
        self.observer = observer
        self._live: Any = None

    def __repr__(self) -> str:
        return f"<ObservedStream of {self.inner!r}>"

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (a copy being built): no delegation loop
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __iter__(self) -> Iterator[Any]:
        live = self._live = _watch(iter(self.inner), self.observer, self.inner)
        return live

    def __aiter__(self) -> AsyncIterator[Any]:
        live = self._live = _awatch(self.inner.__aiter__(), self.observer, self.inner)
        return live

    def close(self) -> None:
        """Stop the stream and close the HTTP response now (the stream is logged as it is)."""
        if self._live is None:
            self._live = ()  # closed before it began: nothing was sent, nothing is logged
        elif hasattr(self._live, "close"):
            self._live.close()
        self.inner.close()

    async def aclose(self) -> None:
        """Stop the stream and close the HTTP response now (the stream is logged as it is)."""
        if self._live is None:
            self._live = ()
        elif hasattr(self._live, "aclose"):
            await self._live.aclose()
        await self.inner.aclose()

    def __enter__(self) -> ObservedStream:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    async def __aenter__(self) -> ObservedStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    def result(self) -> Any:
        """Consume what is left (the observer sees it) and return the wrapped stream's result."""
        live = iter(self) if self._live is None else self._live
        if hasattr(live, "__next__"):  # not an async iteration left half way
            for _ in live:
                pass
        return self.inner.result()

    async def aresult(self) -> Any:
        """Async :meth:`result`."""
        live = self.__aiter__() if self._live is None else self._live
        if hasattr(live, "__anext__"):
            async for _ in live:
                pass
        return await self.inner.aresult()


# The generators hold no reference to their ObservedStream: a loop left with ``break`` over a
# stream nobody else holds frees the generator at once, and its ``finally`` closes the HTTP
# response and logs the stream, without waiting for the garbage collector.


def _watch(events: Iterator[Any], observer: StreamObserver, inner: Any) -> Iterator[Any]:
    see, noted, waiting = observer.see, _NOTED, True
    observer.begin()
    try:
        for event in events:
            if waiting or event.type in noted:  # most events only pass through
                see(event)
                waiting = observer.first_event_clock is None
            yield event
    except BaseException as exc:
        observer.raised = exc
        raise
    finally:
        try:
            getattr(events, "close", _nothing)()
            getattr(inner, "close", _nothing)()
        finally:
            observer.finish(inner)


async def _awatch(events: AsyncIterator[Any], observer: StreamObserver, inner: Any) -> AsyncIterator[Any]:
    see, noted, waiting = observer.see, _NOTED, True
    observer.begin()
    try:
        async for event in events:
            if waiting or event.type in noted:
                see(event)
                waiting = observer.first_event_clock is None
            yield event
    except BaseException as exc:
        observer.raised = exc
        raise
    finally:
        try:
            await getattr(events, "aclose", _anothing)()
            await getattr(inner, "aclose", _anothing)()
        finally:
            observer.finish(inner)


def _nothing() -> None:
    return None


async def _anothing() -> None:
    return None
