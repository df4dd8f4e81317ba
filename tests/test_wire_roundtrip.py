"""Decode every recording → encode to each wire format → decode that with rillet's own
decoder: the same text, reasoning, tool calls, finish reason, usage and signatures."""

from __future__ import annotations

from typing import Any

import pytest

from rillet import ChatResult, StreamAggregator
from wire_support import FORMATS, decode_recording, decode_target, encode_all, openai_refusal, recorded_interactions

#: Finish reasons a format has no value for, and the one it writes instead (documented in
#: each encoder's module).
LOSSY_FINISH = {
    "openai-chat": {"refusal": "content_filter", "other": "stop"},
    "anthropic": {"content_filter": "refusal", "other": "stop"},
    "openai-responses": {"refusal": "stop", "other": "stop"},
}
#: The usage counts each format has a place for.
USAGE_FIELDS = {
    "openai-chat": ("input_tokens", "output_tokens", "reasoning_tokens", "cache_read_tokens", "cache_write_tokens"),
    "anthropic": ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"),
    "openai-responses": ("input_tokens", "output_tokens", "reasoning_tokens", "cache_read_tokens"),
}
#: Where a format keeps reasoning signatures and redacted reasoning.
KEEPS_SIGNATURES = {"openai-chat": True, "anthropic": True, "openai-responses": False}

INTERACTIONS = recorded_interactions()
#: Formats with a place for the alternatives of an ``n > 1`` answer (the others carry choice 0).
KEEPS_CHOICES = {"openai-chat": True, "anthropic": False, "openai-responses": False}


def _cases() -> list[Any]:
    cases = []
    for name, interaction in INTERACTIONS:
        for target in FORMATS:
            cases.append(pytest.param(interaction, target, id=f"{name}->{target}"))
    return cases


def test_every_plugin_has_recordings_in_the_round_trip() -> None:
    hosts = {interaction.request.uri.split("/")[2] for _, interaction in INTERACTIONS}
    assert len(INTERACTIONS) > 60, len(INTERACTIONS)
    assert {"api.openai.com", "api.anthropic.com", "generativelanguage.googleapis.com"} <= hosts, hosts
    assert any(":11434" in host for host in hosts), hosts


def _signatures(result: ChatResult) -> tuple[str, list[str]]:
    parts = [part for part in result.message.content if part.type == "reasoning"]
    signatures = "".join(part.signature or "" for part in parts)
    redacted = [part.data or "" for part in parts if part.redacted]
    return signatures, redacted


def _calls(result: ChatResult) -> list[tuple[str, str, Any]]:
    return [
        (call.call_id, call.name, call.arguments if call.arguments is not None else call.raw_arguments)
        for call in result.message.tool_calls
    ]


@pytest.mark.parametrize(("interaction", "target"), _cases())
def test_round_trip(interaction: Any, target: str) -> None:
    events = decode_recording(interaction)
    source = StreamAggregator.fold(events)
    body = encode_all(target, events)
    decoded = decode_target(target, body)
    again = StreamAggregator.fold(decoded)

    assert again.message.text == source.message.text
    assert again.message.reasoning == source.message.reasoning
    assert _calls(again) == _calls(source)
    if KEEPS_CHOICES[target]:
        assert [(answer.text, len(answer.tool_calls)) for answer in again.choices] == [
            (answer.text, len(answer.tool_calls)) for answer in source.choices
        ]
    else:
        assert len(again.choices) == 1
    if source.error is not None:
        assert again.error is not None and again.finish_reason is None, body[-300:]
    else:
        assert again.error is None, again.error
        expected = LOSSY_FINISH[target].get(source.finish_reason or "", source.finish_reason)
        if target != "anthropic" and openai_refusal(source.message):
            expected = "refusal"  # OpenAI's own refusal goes back as refusal text (`stop`, or a refusal part)
        assert again.finish_reason == expected
        for field in USAGE_FIELDS[target]:
            before = getattr(source.usage, field, None)
            after = getattr(again.usage, field, None)
            assert after == before or (before is None and after in (None, 0)), (field, source.usage, again.usage)
    if KEEPS_SIGNATURES[target]:
        assert _signatures(again) == _signatures(source)
