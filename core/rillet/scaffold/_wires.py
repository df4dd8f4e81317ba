"""The wire families ``rillet plugin new --wire`` can start a plugin from."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_WIRE", "WIRES", "WireFamily"]


@dataclass(frozen=True)
class WireFamily:
    """One way a provider streams its answer, and the words its finish reasons use.

    ``name`` is the ``--wire`` value and the folder of ``wires/`` holding the family's
    request builder, decoder, request tests and hand-written cassettes; ``raw_stop`` and
    ``raw_tool_calls`` are the provider's words for a finished answer and for a turn that
    ends in tool calls (the expected files, shared by every family, show them).
    """

    name: str
    summary: str
    raw_stop: str
    raw_tool_calls: str
    documentation: str


WIRES = {
    family.name: family
    for family in (
        WireFamily(
            "openai-compatible",
            "OpenAI-style chat-completion chunks over server-sent events (`data:` lines, `data: [DONE]`)",
            "stop",
            "tool_calls",
            "https://platform.openai.com/docs/api-reference/chat-streaming",
        ),
        WireFamily(
            "sse-events",
            "named server-sent events with typed content blocks, in the style of Anthropic Messages",
            "end_turn",
            "tool_use",
            "https://docs.anthropic.com/en/docs/build-with-claude/streaming",
        ),
        WireFamily(
            "ndjson",
            "newline-delimited JSON objects, in the style of Ollama's /api/chat",
            "stop",
            "stop",
            "https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion",
        ),
        WireFamily(
            "json-array",
            "one JSON array streamed element by element, in the style of Gemini without alt=sse",
            "STOP",
            "STOP",
            "https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent",
        ),
    )
}

#: The family a plugin starts from when ``--wire`` is not given.
DEFAULT_WIRE = "openai-compatible"
