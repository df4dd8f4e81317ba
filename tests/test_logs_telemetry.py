"""OpenTelemetry: one span per stream with the GenAI semantic-convention attributes and the
outcome, recorded with the SDK's in-memory exporter; no prompt or answer text unless asked."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from log_support import DONE, TOKENS
from loopback import LoopbackServer, Reply

import rillet

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

pytestmark = pytest.mark.usefixtures("fake_plugin")

@pytest.fixture
def exporter(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """An SDK tracer provider that keeps spans in memory, in force for the test."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    monkeypatch.setenv("RILLET_LOG", "0")  # spans do not need the log store
    yield memory


def test_a_complete_stream_is_one_span_with_the_genai_attributes(exporter: InMemorySpanExporter) -> None:
    for _ in rillet.get_model("replay/demo").stream_tokens("Why is the sky blue?", tokens_per_second=100_000):
        pass
    (span,) = exporter.get_finished_spans()
    attributes: dict[str, Any] = dict(span.attributes or {})
    assert span.name == "chat demo" and span.kind == trace.SpanKind.CLIENT
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "replay"
    assert attributes["gen_ai.request.model"] == "demo"
    assert attributes["gen_ai.response.model"] == "rillet-demo-1"
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (14, 44)
    assert 0 <= attributes["gen_ai.response.time_to_first_chunk"] < (span.end_time - span.start_time) / 1e9
    assert attributes["rillet.outcome"] == "complete"
    assert not any("messages" in name for name in attributes)  # no text unless asked
    assert "sky" not in json.dumps(attributes)


def test_a_failed_stream_sets_the_error_status_and_type(exporter: InMemorySpanExporter, server: LoopbackServer, fast_options: Any) -> None:
    server.queue(Reply(body=[TOKENS[0], b'{"error": "busy", "code": "overloaded"}\n']))
    list(rillet.get_model("fake/fake-1", base_url=server.url, options=fast_options).stream_tokens("hi"))
    (span,) = exporter.get_finished_spans()
    assert span.status.status_code == trace.StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "overloaded" and (span.attributes or {})["rillet.outcome"] == "error"


def test_a_cancelled_stream_span_says_cancelled(exporter: InMemorySpanExporter, server: LoopbackServer, fast_options: Any) -> None:
    server.queue(Reply(body=[TOKENS[0], 5.0, DONE]))
    with rillet.get_model("fake/fake-1", base_url=server.url, options=fast_options).stream_tokens("hi") as stream:
        next(iter(stream))
    (span,) = exporter.get_finished_spans()
    assert (span.attributes or {})["rillet.outcome"] == "cancelled"
    assert span.status.status_code != trace.StatusCode.ERROR


def test_message_content_only_when_asked(exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    rillet.get_model("replay/demo").stream_tokens("Why is the sky blue?", tokens_per_second=100_000).result()
    (span,) = exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert "Why is the sky blue?" in str(attributes["gen_ai.input.messages"])
    assert "scattered" in str(attributes["gen_ai.output.messages"])


def test_the_span_is_a_child_of_the_span_current_when_the_stream_opened(exporter: InMemorySpanExporter) -> None:
    tracer = trace.get_tracer_provider().get_tracer("app")
    with tracer.start_as_current_span("request") as parent:
        stream = rillet.get_model("replay/demo").stream_tokens("hi", tokens_per_second=100_000)
    stream.result()
    chat_span = [span for span in exporter.get_finished_spans() if span.name == "chat demo"][0]
    assert chat_span.parent is not None and chat_span.parent.span_id == parent.get_span_context().span_id
