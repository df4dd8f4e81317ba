"""Presets of OpenAI-compatible providers, and servers added with ``rillet providers add``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rillet
import rillet_openai
from rillet.provider import StreamingChatModel
from rillet_openai.presets import PRESETS

KEYS = {
    "deepseek": ("https://api.deepseek.com", "DEEPSEEK_API_KEY"),
    "groq": ("https://api.groq.com/openai/v1", "GROQ_API_KEY"),
    "mistral": ("https://api.mistral.ai/v1", "MISTRAL_API_KEY"),
    "openrouter": ("https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    "together": ("https://api.together.ai/v1", "TOGETHER_API_KEY"),
    "xai": ("https://api.x.ai/v1", "XAI_API_KEY"),
    "vllm": ("http://localhost:8000/v1", None),
    "lmstudio": ("http://localhost:1234/v1", None),
    "llamacpp": ("http://localhost:8080/v1", None),
}


@pytest.fixture(autouse=True)
def isolated_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RILLET_HOME", str(tmp_path / "home"))
    for _, variable in KEYS.values():
        if variable:
            monkeypatch.delenv(variable, raising=False)


def test_every_preset_is_a_provider_with_its_documented_base_url_and_key_variable() -> None:
    installed = rillet.providers()
    assert {info.name: (info.default_base_url, info.key_env_var) for info in PRESETS} == KEYS
    for name in KEYS:
        assert installed[name].plugin == "rillet-openai"
        assert installed[name].models  # a few example models each, listed by `rillet models`


@pytest.mark.parametrize("name", ["deepseek", "groq", "mistral", "openrouter", "together", "xai"])
def test_a_hosted_preset_streams_to_its_base_url_with_its_own_key(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    base_url, variable = KEYS[name]
    assert variable is not None
    model = rillet.get_model(f"{name}/some-model")
    with pytest.raises(rillet.MissingKeyError, match=f"set {variable}"):
        model.stream_tokens("hi")
    monkeypatch.setenv(variable, "sk-preset-SECRET")
    request = model.stream_tokens("hi").request
    assert str(request.url) == f"{base_url}/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-preset-SECRET"
    body = json.loads(request.content)
    assert body["model"] == "some-model" and body["stream"] is True
    assert ("stream_options" in body) is (name != "mistral")  # Mistral rejects fields it does not know


@pytest.mark.parametrize("name", ["vllm", "lmstudio", "llamacpp"])
def test_a_local_preset_needs_no_key(name: str) -> None:
    request = rillet.get_model(f"{name}/qwen2.5").stream_tokens("hi").request
    assert str(request.url) == f"{KEYS[name][0]}/chat/completions"
    assert "authorization" not in request.headers


def test_preset_capabilities_are_per_model() -> None:
    assert not rillet.get_model("deepseek/deepseek-chat").capabilities.vision
    assert rillet.get_model("groq/meta-llama/llama-4-scout-17b-16e-instruct").capabilities.vision
    assert not rillet.get_model("groq/llama-3.3-70b-versatile").capabilities.vision
    image = rillet.ImagePart.from_bytes(b"\x89PNG\r\n\x1a\n0000")
    with pytest.raises(rillet.ConfigurationError, match="deepseek/deepseek-chat cannot take images"):
        rillet.get_model("deepseek/deepseek-chat", key="k").stream_tokens(rillet.Message("user", [image]))


def test_a_server_added_by_the_user_is_served_through_chat_completions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    entry = {"name": "work", "base_url": "https://llm.example.com/v1", "key_env_var": "WORK_KEY", "models": ["m1"]}
    (home / "providers.json").write_text(json.dumps({"providers": [entry]}))  # as `rillet providers add` writes it
    [info] = [info for info in rillet_openai.rillet_providers() if info.name == "work"]
    assert (info.default_base_url, info.key_env_var, info.models) == ("https://llm.example.com/v1", "WORK_KEY", ("m1",))
    model = StreamingChatModel(info, "m1", key="sk-work")
    request = rillet_openai.stream_tokens(model=model, request=model.request("hi")).request
    assert str(request.url) == "https://llm.example.com/v1/chat/completions"


def test_a_broken_providers_file_warns_and_keeps_the_built_in_providers(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "providers.json").write_text("[1, 2")
    with pytest.warns(UserWarning, match="providers.json is not valid JSON"):
        served = {info.name for info in rillet_openai.rillet_providers()}
    assert {"openai", "deepseek"} <= served
