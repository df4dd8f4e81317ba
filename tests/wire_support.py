"""Helpers of the wire tests: every recorded interaction, decoded, and the decoders of
each target format (found through the replay decoder selection, as ``rillet replay`` does)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import rillet
from rillet._discovery import plugin_manager
from rillet._replay import replay_decoder, split_frames
from rillet.cassettes import Interaction, load_cassette
from rillet.wire import AnthropicMessagesEncoder, OpenAIChatEncoder, OpenAIResponsesEncoder

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RILLET_SHARED_CASSETTES", REPO.parent / "shared" / "cassettes"))
CASSETTES = sorted((REPO / "cassettes").glob("**/*.yaml")) + sorted(SHARED.glob("**/*.yaml"))

#: Each target format: how to make its encoder, and the recorded request its decoder answers.
FORMATS: dict[str, tuple[Any, str, dict[str, Any]]] = {
    "openai-chat": (
        lambda: OpenAIChatEncoder(include_usage=True),
        "https://api.openai.com/v1/chat/completions",
        {"stream": True, "stream_options": {"include_usage": True}},
    ),
    "anthropic": (AnthropicMessagesEncoder, "https://api.anthropic.com/v1/messages", {"stream": True}),
    "openai-responses": (OpenAIResponsesEncoder, "https://api.openai.com/v1/responses", {"stream": True}),
}


def recorded_interactions() -> list[tuple[str, Interaction]]:
    """``(name, interaction)`` for every interaction a plugin decodes, in every cassette."""
    found = []
    for path in CASSETTES:
        for interaction in load_cassette(path):
            if replay_decoder(interaction) is not None:
                found.append((f"{path.parent.name}/{path.stem}#{interaction.number}", interaction))
    return found


def decode_recording(interaction: Interaction) -> list[Any]:
    """The events of a recorded response, decoded by the plugin that owns its URL."""
    response = interaction.response
    headers = {name: values[0] for name, values in response.headers.items()}
    return rillet.decode_response(
        replay_decoder(interaction), response.status, headers, split_frames(response.body)
    )


def target_decoder(target: str) -> Any:
    """A fresh decoder of the ``target`` format, from the plugin that serves it."""
    _, url, body = FORMATS[target]
    decoder = plugin_manager().hook.rillet_replay_decoder(method="POST", url=url, request_body=body, provider=None)
    assert decoder is not None, f"no installed plugin decodes {url}"
    return decoder


def encode_all(target: str, events: list[Any]) -> bytes:
    """The whole body the ``target`` encoder writes for ``events``."""
    encoder = FORMATS[target][0]()
    return b"".join(encoder.stream(events))


def decode_target(target: str, body: bytes) -> list[Any]:
    """Decode a body written in the ``target`` format with rillet's own decoder."""
    return rillet.decode_chunks(target_decoder(target), split_frames(body))
