"""The plugin surface: provider description, hooks, entry point, light import."""

from __future__ import annotations

import subprocess
import sys
import types
from importlib.metadata import entry_points

import pytest
import rillet.provider
from rillet import ChatRequest, Message
from rillet.provider import StreamingChatModel
from rillet.provider import ProviderInfo

import rillet_anthropic
from rillet_anthropic.decoder import AnthropicDecoder


def test_provider_description() -> None:
    (info,) = rillet_anthropic.rillet_providers()
    assert info.name == "anthropic" and info.key_env_var == "ANTHROPIC_API_KEY"
    assert info.default_base_url == "https://api.anthropic.com" and info.base_url_env_var == "ANTHROPIC_BASE_URL"
    assert all(info.capabilities.as_dict().values())
    assert {"claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"} <= set(info.models)


def test_entry_point_is_registered() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="rillet")}
    assert found.get("anthropic") == "rillet_anthropic"


def test_import_is_light() -> None:
    code = ("import sys, rillet_anthropic; rillet_anthropic.rillet_providers(); "
            "heavy = [m for m in ('httpx', 'pydantic', 'rillet_anthropic.decoder', 'rillet_anthropic.request') if m in sys.modules]; "
            "print(heavy)")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert output == "[]"


def test_stream_tokens_ignores_other_providers() -> None:
    other = StreamingChatModel(ProviderInfo(name="openai"), "gpt", key="k")
    assert rillet_anthropic.stream_tokens(model=other, request=ChatRequest(messages=[Message.user("x")])) is None


def test_stream_tokens_hands_the_core_a_request_and_fresh_decoders(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = {}

    class FakeTokenStream:
        def __init__(self, model, request, make_decoder):
            captured.update(model=model, request=request, make_decoder=make_decoder)

    monkeypatch.setattr(rillet.provider, "TokenStream", FakeTokenStream)
    model = StreamingChatModel(rillet_anthropic.PROVIDER, "claude-haiku-4-5", key="sk-ant-x")
    stream = rillet_anthropic.stream_tokens(model=model, request=ChatRequest(messages=[Message.user("hi")]))
    assert isinstance(stream, FakeTokenStream) and captured["model"] is model
    assert str(captured["request"].url) == "https://api.anthropic.com/v1/messages"
    first, second = captured["make_decoder"](), captured["make_decoder"]()
    assert isinstance(first, AnthropicDecoder) and first is not second and first.model == "claude-haiku-4-5"


@pytest.mark.parametrize(("method", "url", "body", "owned"), [
    ("POST", "https://api.anthropic.com/v1/messages", {"model": "claude-x", "stream": True}, True),
    ("POST", "https://api.anthropic.com/v1/messages?beta=true", None, True),
    ("post", "http://localhost:4000/anthropic/v1/messages/", {}, True),
    ("POST", "https://api.anthropic.com/v1/messages", {"stream": False}, True),
    ("POST", "https://api.anthropic.com/v1/messages/count_tokens", {}, False),
    ("POST", "https://api.openai.com/v1/chat/completions", {}, False),
    ("GET", "https://api.anthropic.com/v1/messages", None, False),
])
def test_replay_decoder_recognises_the_messages_endpoint(method, url, body, owned) -> None:
    decoder = rillet_anthropic.rillet_replay_decoder(method=method, url=url, request_body=body)
    assert (decoder is not None) is owned
    if owned:
        assert isinstance(decoder, AnthropicDecoder)
