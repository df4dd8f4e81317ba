"""rillet_list_models: GET /api/tags against a loopback server, a closed port, bad answers."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

import rillet

import rillet_ollama
from ollama_loopback import ollama_server
from rillet_ollama.models import list_models

TAGS = {
    "models": [
        {"name": "llama3.1:latest", "model": "llama3.1:latest", "size": 4661224676, "digest": "42182419e950"},
        {"name": "qwen3:8b", "model": "qwen3:8b", "size": 5225387923, "digest": "500a1f067a9f"},
    ]
}


def server(status: int = 200, body: bytes = json.dumps(TAGS).encode()) -> Any:
    """A server answering ``/api/tags``; yields its URL and the ``(path, body)`` requests."""
    return ollama_server(status, body, "application/json")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_lists_model_names_from_api_tags() -> None:
    with server() as (url, seen):
        names = rillet_ollama.rillet_list_models(provider=rillet_ollama.PROVIDER, base_url=url)
    assert names == ["llama3.1:latest", "qwen3:8b"]
    assert seen == [("/api/tags", None)]


def test_scheme_less_ollama_host_without_explicit_url(monkeypatch: pytest.MonkeyPatch) -> None:
    with server() as (url, seen):
        monkeypatch.setenv("OLLAMA_HOST", url.removeprefix("http://"))
        model = rillet.StreamingChatModel(rillet_ollama.PROVIDER, "x")
        assert rillet_ollama.rillet_list_models(provider=rillet_ollama.PROVIDER, base_url=model.base_url) == [
            "llama3.1:latest", "qwen3:8b",
        ]
    assert seen == [("/api/tags", None)]


def test_closed_port_raises_connect_error_saying_what_to_do() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(rillet.ConnectError) as caught:
        rillet_ollama.rillet_list_models(provider=rillet_ollama.PROVIDER, base_url=url)
    message = caught.value.message
    assert f"no Ollama server is running at {url}" in message
    assert "ollama serve" in message and "OLLAMA_HOST" in message
    assert caught.value.code == "connection" and caught.value.provider == "ollama"


def test_error_status_is_typed() -> None:
    with server(500, b'{"error":"something broke"}') as (url, _):
        with pytest.raises(rillet.ServerError) as caught:
            list_models(url)
    assert caught.value.status_code == 500 and "something broke" in caught.value.message


def test_not_an_ollama_answer_is_a_protocol_error() -> None:
    with server(200, b"<html>hello</html>") as (url, _):
        with pytest.raises(rillet.RemoteProtocolError) as caught:
            list_models(url)
    assert "is " in caught.value.message and "an Ollama server" in caught.value.message


def test_other_providers_are_not_listed() -> None:
    assert rillet_ollama.rillet_list_models(provider=rillet.ProviderInfo("openai"), base_url="http://x") is None
