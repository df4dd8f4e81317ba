"""The plugin's hooks, OLLAMA_HOST handling and a light import."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest
import rillet.provider

import rillet

import rillet_ollama
from rillet_ollama.base_url import effective_base_url, normalize_host
from rillet_ollama.decoder import OllamaDecoder


def test_provider_description() -> None:
    [info] = rillet_ollama.rillet_providers()
    assert (info.name, info.key_env_var, info.default_base_url, info.base_url_env_var, info.models) == (
        "ollama", None, "http://localhost:11434", "OLLAMA_HOST", (),
    )
    assert info.capabilities.as_dict() == {
        "tools": True, "parallel_tools": True, "reasoning": True, "usage_in_stream": True, "vision": False,
    }  # vision only for the models that take images, by family
    assert info.capabilities_for("llava:7b").as_dict() == {**info.capabilities.as_dict(), "vision": True}
    assert not info.needs_key


def test_discovered_through_entry_points() -> None:
    info = rillet.providers()["ollama"]
    assert info.plugin == "rillet-ollama"


def test_import_is_light() -> None:
    code = "import sys, rillet_ollama; print(sorted(m for m in ('httpx', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.replace("'", '"')) == []


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("myhost", "http://myhost:11434"),
        ("myhost:8080", "http://myhost:8080"),
        ("0.0.0.0:11434", "http://127.0.0.1:11434"),
        ("0.0.0.0", "http://127.0.0.1:11434"),
        (":9999", "http://127.0.0.1:9999"),
        ("http://myhost", "http://myhost"),
        ("https://ollama.example/", "https://ollama.example"),
        ("[::1]:11434", "http://[::1]:11434"),
        ("[::]", "http://[::1]:11434"),
        ("myhost/prefix/", "http://myhost:11434/prefix"),
    ],
)
def test_normalize_host(raw: str, url: str) -> None:
    assert normalize_host(raw) == url


def test_effective_base_url_fixes_only_what_came_from_ollama_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "myhost")
    model = rillet.StreamingChatModel(rillet_ollama.PROVIDER, "x")
    assert model.base_url == "http://myhost"  # the core's resolution: port 80
    assert effective_base_url(model.base_url) == "http://myhost:11434"
    explicit = rillet.StreamingChatModel(rillet_ollama.PROVIDER, "x", base_url="http://other:1234")
    assert effective_base_url(explicit.base_url) == "http://other:1234"
    monkeypatch.setenv("OLLAMA_HOST", "http://0.0.0.0:11434")
    assert effective_base_url(rillet.StreamingChatModel(rillet_ollama.PROVIDER, "x").base_url) == "http://127.0.0.1:11434"
    monkeypatch.delenv("OLLAMA_HOST")
    assert effective_base_url(rillet.StreamingChatModel(rillet_ollama.PROVIDER, "x").base_url) == "http://localhost:11434"


def test_stream_tokens_builds_the_request_and_decoder_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = {}

    class FakeTokenStream:
        def __init__(self, model, request, make_decoder) -> None:
            captured.update(model=model, request=request, make_decoder=make_decoder)

    monkeypatch.setattr(rillet.provider, "TokenStream", FakeTokenStream)
    monkeypatch.setenv("OLLAMA_HOST", "gpu-box")
    model = rillet.StreamingChatModel(rillet_ollama.PROVIDER, "qwen3:8b")
    stream = rillet_ollama.stream_tokens(model=model, request=model.request("hi", max_tokens=5))
    assert isinstance(stream, FakeTokenStream) and captured["model"] is model
    request = captured["request"]
    assert str(request.url) == "http://gpu-box:11434/api/chat"
    assert json.loads(request.content)["options"] == {"num_predict": 5}
    first, second = captured["make_decoder"](), captured["make_decoder"]()
    assert isinstance(first, OllamaDecoder) and first is not second
    assert first.feed(b'{"message": {"content": "x"}, "done": false}\n')[0].model == "qwen3:8b"


def test_stream_tokens_ignores_other_providers() -> None:
    model = rillet.StreamingChatModel(rillet.ProviderInfo("openai"), "gpt-4o")
    assert rillet_ollama.stream_tokens(model=model, request=model.request("hi")) is None


def test_replay_decoder_claims_ollama_paths_only() -> None:
    hook = rillet_ollama
    decoder = hook.rillet_replay_decoder(method="POST", url="http://localhost:11434/api/generate", request_body=None)
    assert isinstance(decoder, OllamaDecoder)
    assert hook.rillet_replay_decoder(method="HEAD", url="https://huggingface.co/x/tokenizer.json", request_body=None) is None
