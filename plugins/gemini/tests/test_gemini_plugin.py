"""The plugin's hooks: provider description, replay decoder choice, a stream end to end."""

from __future__ import annotations

import httpx
import pytest
from gemini_test_support import SHARED

import rillet_gemini
from rillet import ChatRequest, Message, StreamingChatModel
from rillet.provider import TokenStream
from rillet.cassettes import load_cassette
from rillet_gemini.decoder import GeminiDecoder

KEY = "AIza-test-SECRET-key"


def test_provider_description() -> None:
    (info,) = rillet_gemini.rillet_providers()
    assert info.name == "gemini" and info.key_env_var == "GEMINI_API_KEY"
    assert info.default_base_url == "https://generativelanguage.googleapis.com/v1beta"
    assert info.base_url_env_var == "GEMINI_BASE_URL"
    assert info.capabilities.as_dict() == {"tools": True, "parallel_tools": True, "reasoning": True, "usage_in_stream": True, "vision": True}
    assert "gemini-2.5-flash" in info.models and "gemini-2.5-pro" in info.models


@pytest.mark.parametrize(("url", "framing"), [
    ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "sse"),
    ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent", "json_array"),
    ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=json", "json_array"),
    ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent", "json"),
    ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?%24alt=sse%3Benum-encoding%3Dint", "sse"),
    ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?$alt=json;enum-encoding=int", "json_array"),
    ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent?%24alt=json%3Benum-encoding%3Dint", "json"),
    ("https://proxy.example/v1beta/models/gemini-2.5-flash:streamGenerateContent?key=REDACTED&alt=sse", "sse"),
])
def test_replay_decoder_by_url(url: str, framing: str) -> None:
    decoder = rillet_gemini.rillet_replay_decoder(method="POST", url=url, request_body=None)
    assert isinstance(decoder, GeminiDecoder) and decoder.framing == framing


def test_replay_decoder_refuses_other_urls() -> None:
    for method, url in [("POST", "https://api.openai.com/v1/chat/completions"), ("GET", "https://x/models/m:streamGenerateContent")]:
        assert rillet_gemini.rillet_replay_decoder(method=method, url=url, request_body=None) is None


def test_registered_through_entry_points() -> None:
    from rillet import providers

    assert providers()["gemini"].name == "gemini"


@SHARED.required
def test_stream_end_to_end_through_the_core_transport(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RILLET_HOME", str(tmp_path))
    interaction = load_cassette(SHARED / "gemini" / "pydanticai_gemini_text_sse_crlf.yaml")[0]
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=interaction.response.body)

    model = StreamingChatModel(rillet_gemini.PROVIDER, "gemini-2.0-flash-exp", key=KEY)
    planned = rillet_gemini.stream_tokens(model=model, request=ChatRequest(messages=[Message.user("capital?")]))
    stream = TokenStream(model, planned.request, lambda: GeminiDecoder(model=model.name), transport=httpx.MockTransport(answer))
    result = stream.result()
    assert result.text == "The capital of France is Paris.\n" and result.finish_reason == "stop"
    assert seen[0].headers["x-goog-api-key"] == KEY and "key=" not in str(seen[0].url)
    assert seen[0].url.params["alt"] == "sse"


@SHARED.required
def test_bad_key_end_to_end_is_authentication(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RILLET_HOME", str(tmp_path))
    interaction = load_cassette(SHARED / "errors" / "mirascope_gemini_400_invalid_key_event_stream_ct.yaml")[0]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, headers={"content-type": "text/event-stream"}, content=interaction.response.body)

    model = StreamingChatModel(rillet_gemini.PROVIDER, "gemini-2.5-flash", key=KEY)
    planned = rillet_gemini.stream_tokens(model=model, request=ChatRequest(messages=[Message.user("x")]))
    events = list(TokenStream(model, planned.request, lambda: GeminiDecoder(), transport=httpx.MockTransport(answer)))
    assert [e.type for e in events] == ["start", "error"]
    assert events[-1].code == "authentication" and KEY not in events[-1].message
