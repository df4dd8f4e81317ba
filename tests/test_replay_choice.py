"""Which decoder replays a capture: by the recorded host as well as the path, ``--provider``
to force one, and raw captured bodies (SSE, NDJSON, a JSON array)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from cli_support import run

import rillet
import rillet_ollama
from rillet import _discovery
from rillet.cassettes import load_cassette

OWN = Path(__file__).resolve().parents[1] / "cassettes"


class LinesPlugin:
    """A third party's NDJSON format (the fake provider's) served at lines.example.com on
    the same ``/api/chat`` path as Ollama, asked after the others (``trylast``), as an
    old-style plugin may be."""

    @rillet.hookimpl
    def rillet_providers(self) -> list[rillet.ProviderInfo]:
        return [rillet.ProviderInfo("linesco", default_base_url="https://lines.example.com")]

    @rillet.hookimpl(trylast=True)
    def rillet_replay_decoder(self, method: str, url: str) -> Any:
        import fake_provider

        return fake_provider.FakeDecoder() if url.endswith("/api/chat") else None


@pytest.fixture
def lines_plugin() -> Iterator[None]:
    _discovery.register_plugin(LinesPlugin(), name="lines-test")
    yield
    _discovery.unregister_plugin("lines-test")


def _cassette(tmp_path: Path, uri: str, body: bytes, name: str = "capture.yaml") -> Path:
    interaction = {
        "request": {"method": "POST", "uri": uri, "body": "{}", "headers": {}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": body.decode()}},
    }
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"interactions": [interaction], "version": 1}))
    return path


def _providers_of(result: Any) -> set[str]:
    return {json.loads(line)["provider"] for line in result.stdout.splitlines() if '"start"' in line}


def test_ollama_claims_api_chat_only_on_an_ollama_server() -> None:
    def claims(url: str) -> bool:
        return rillet_ollama.rillet_replay_decoder(method="POST", url=url, request_body=None) is not None

    assert claims("http://localhost:11434/api/chat") and claims("http://gpu-box:11434/api/generate")
    assert claims("https://ollama.com/api/chat")
    assert not claims("https://lines.example.com/api/chat")
    assert rillet_ollama.rillet_replay_decoder(
        method="POST", url="http://10.0.0.9:9000/api/chat", request_body=None, provider="ollama"
    ) is not None


def test_a_third_party_api_chat_recording_replays_as_its_own_provider(lines_plugin: None, tmp_path: Path) -> None:
    body = b'{"t": "Hi"}\n{"done": "stop"}\n'
    path = _cassette(tmp_path, "https://lines.example.com/api/chat", body)
    result = run("replay", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert _providers_of(result) == {"fake"}  # the third party's decoder, not Ollama's
    ollama = run("replay", str(OWN / "ollama" / "ollama_scenario_text.yaml"), "--json")
    assert _providers_of(ollama) == {"ollama"}  # Ollama's own recordings stay Ollama's


def test_the_recorded_host_names_the_preset(tmp_path: Path) -> None:
    body = load_cassette(OWN / "openai" / "openai_chat_scenario_text.yaml")[0].response.body
    path = _cassette(tmp_path, "https://api.deepseek.com/chat/completions", body)
    result = run("replay", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("=== interaction 0: POST https://api.deepseek.com/chat/completions -> 200 (deepseek)")
    elsewhere = _cassette(tmp_path, "https://llm.example.com/v1/chat/completions", body, "other.yaml")
    assert _providers_of(run("replay", str(elsewhere), "--json")) == {"openai"}  # any other host: the generic format


def test_provider_option_forces_the_decoder() -> None:
    result = run("replay", str(OWN / "openai" / "openai_chat_scenario_text.yaml"), "--provider", "groq", "--json")
    assert result.exit_code == 0, result.output
    assert _providers_of(result) == {"groq"}
    wrong = run("replay", str(OWN / "openai" / "openai_chat_scenario_text.yaml"), "--provider", "anthropic")
    assert wrong.exit_code != 0
    assert "the plugin of provider 'anthropic' has no decoder for POST /v1/chat/completions" in wrong.stderr
    unknown = run("replay", str(OWN / "openai" / "openai_chat_scenario_text.yaml"), "-p", "nosuch")
    assert unknown.exit_code == 2 and "unknown provider 'nosuch'" in unknown.stderr


@pytest.mark.parametrize(
    ("cassette", "provider", "text"),
    [
        ("openai/openai_chat_scenario_text.yaml", "openai", "Hello there, friend!"),  # SSE, as curl -N prints it
        ("openai/responses_scenario_text.yaml", "openai-responses", "Hello there, friend!"),
        ("anthropic/anthropic_scenario_text.yaml", "anthropic", "Hello there, friend!"),
        ("ollama/ollama_scenario_text.yaml", "ollama", "Hello there, friend!"),  # NDJSON
        ("gemini/gemini_scenario_text.yaml", "gemini", "Hello there, friend!"),
    ],
)
def test_raw_captured_bodies_replay_with_provider(tmp_path: Path, cassette: str, provider: str, text: str) -> None:
    raw = tmp_path / "body.txt"
    raw.write_bytes(load_cassette(OWN / cassette)[0].response.body)
    result = run("replay", str(raw), "--provider", provider, "--json", "--chunk-size", "7")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert "".join(event["text"] for event in events if event["type"] == "token") == text
    assert events[0]["provider"] == provider and events[-1]["type"] == "end"


def test_a_raw_json_array_replays_as_gemini(tmp_path: Path) -> None:
    chunks = [
        {"candidates": [{"content": {"parts": [{"text": "Red"}], "role": "model"}, "index": 0}]},
        {"candidates": [{"content": {"parts": [{"text": "."}], "role": "model"}, "index": 0, "finishReason": "STOP"}]},
    ]
    raw = tmp_path / "array.json"
    raw.write_text(json.dumps(chunks, indent=1))
    result = run("replay", str(raw), "--provider", "gemini", "--json")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert "".join(event["text"] for event in events if event["type"] == "token") == "Red."
    assert events[-1]["type"] == "end" and events[-1]["finish_reason"] == "stop"


def test_a_raw_body_without_provider_says_to_name_one(tmp_path: Path) -> None:
    raw = tmp_path / "body.txt"
    raw.write_bytes(b'data: {"choices": []}\n\ndata: [DONE]\n\n')
    result = run("replay", str(raw))
    assert result.exit_code == 2
    assert f"name its provider: rillet replay {raw} --provider NAME" in result.stderr
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\n")
    result = run("replay", str(empty), "--provider", "openai")
    assert result.exit_code == 2 and "is empty" in result.stderr
