"""rillet's logger: a plugin whose hook wrappers wrap every provider's stream.

``stream_with_aggregation``'s default implementation opens its stream through
``stream_tokens``; a context variable keeps that inner stream from being logged twice.
A stream is wrapped only when it will be logged or traced, so with both off the plugin
costs one function call per stream and nothing per event.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Generator

from ..hookspecs import hookimpl
from ._observer import FinishedStream, ObservedStream, StreamObserver
from ._settings import log_location, logging_enabled

__all__ = ["observe", "stream_tokens", "stream_with_aggregation"]

_aggregating: ContextVar[bool] = ContextVar("rillet_logs_aggregating", default=False)


@hookimpl(wrapper=True)
def stream_tokens(model: Any, request: Any) -> Generator[None, Any, Any]:
    """Log the token stream (unless it feeds an aggregated stream, which is logged instead)."""
    stream = yield
    if stream is None or _aggregating.get():
        return stream
    return observe(stream, model, request)


@hookimpl(wrapper=True)
def stream_with_aggregation(model: Any, request: Any) -> Generator[None, Any, Any]:
    """Log the aggregated stream."""
    token = _aggregating.set(True)
    try:
        stream = yield
    finally:
        _aggregating.reset(token)
    return None if stream is None else observe(stream, model, request)


def observe(stream: Any, model: Any, request: Any) -> Any:
    """``stream`` wrapped so that it is logged (and traced when OpenTelemetry is set up),
    or ``stream`` itself when neither is wanted."""
    from ._telemetry import tracer_if_configured

    context = getattr(request, "context", None) or {}
    location = log_location() if logging_enabled(context.get("log")) else None
    span = tracer_if_configured()
    if location is None and span is None:
        return stream

    def sink(finished: FinishedStream, inner: Any) -> None:
        if span is not None:
            span.record(finished)
        if location is not None:
            from ._writer import writer

            writer().submit(location, finished, inner)

    return ObservedStream(stream, StreamObserver(model, request, sink))
