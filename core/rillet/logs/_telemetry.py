"""OpenTelemetry spans with the GenAI semantic-convention attributes (``rillet[otel]``).

Active when an application has set an OpenTelemetry tracer provider (``opentelemetry``
imported and a provider other than the default proxy). The span is created after the
stream, with the stream's own start and end times, under the span that was current when
the stream was opened. Prompt and answer text go into the span only when
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` is true.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from ._observer import FinishedStream
from ._outcome import stream_outcome

__all__ = ["StreamSpan", "tracer_if_configured"]

CAPTURE_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


class StreamSpan:
    """Records one stream as a span once it has finished."""

    def __init__(self, tracer: Any, parent: Any) -> None:
        self.tracer = tracer
        self.parent = parent

    def record(self, finished: FinishedStream) -> None:
        """Create and end the span of ``finished``."""
        from opentelemetry.trace import SpanKind, Status, StatusCode

        model = finished.model
        end_ns = time.time_ns()
        start_ns = end_ns - int((finished.ended_clock - finished.started_clock) * 1e9)
        span = self.tracer.start_span(
            f"chat {model.name}", context=self.parent, kind=SpanKind.CLIENT, start_time=start_ns
        )
        outcome, code = stream_outcome(finished.terminal, finished.raised)
        for name, value in _attributes(finished, outcome).items():
            if value is not None:
                span.set_attribute(name, value)
        if outcome in ("error", "truncated"):
            span.set_attribute("error.type", code or outcome)
            span.set_status(Status(StatusCode.ERROR, getattr(finished.terminal, "message", None) or outcome))
        span.end(end_time=end_ns)


def _attributes(finished: FinishedStream, outcome: str) -> dict[str, Any]:
    model, terminal, start = finished.model, finished.terminal, finished.start
    usage = terminal.usage if terminal is not None and terminal.type == "end" and terminal.usage is not None else finished.usage
    first = None if finished.first_event_clock is None else finished.first_event_clock - finished.started_clock
    request = finished.request
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": model.provider,
        "gen_ai.request.model": model.name,
        "gen_ai.response.model": getattr(start, "model", None) or None,
        "gen_ai.response.id": getattr(start, "response_id", None),
        "gen_ai.response.finish_reasons": [terminal.finish_reason] if terminal is not None and terminal.type == "end" else None,
        "gen_ai.usage.input_tokens": getattr(usage, "input_tokens", None),
        "gen_ai.usage.output_tokens": getattr(usage, "output_tokens", None),
        "gen_ai.response.time_to_first_chunk": first,
        "gen_ai.request.max_tokens": getattr(request, "max_tokens", None),
        "gen_ai.request.temperature": getattr(request, "temperature", None),
        "rillet.outcome": outcome,
    }
    if os.environ.get(CAPTURE_CONTENT, "").strip().lower() in {"1", "true", "yes"}:
        message = finished.message
        attributes["gen_ai.input.messages"] = json.dumps([item.model_dump(mode="json") for item in request.messages])
        attributes["gen_ai.output.messages"] = json.dumps([message.model_dump(mode="json")]) if message is not None else None
    return attributes


def tracer_if_configured() -> StreamSpan | None:
    """A span recorder when OpenTelemetry is imported and has a tracer provider set."""
    if "opentelemetry.trace" not in sys.modules:
        return None
    from opentelemetry import context, trace

    provider = trace.get_tracer_provider()
    if isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
        return None
    from .. import __version__

    return StreamSpan(provider.get_tracer("rillet", __version__), context.get_current())
