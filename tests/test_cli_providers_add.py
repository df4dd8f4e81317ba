"""``rillet providers add`` / ``remove``: OpenAI-compatible servers of the user's own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import run

import rillet
from rillet import _discovery


@pytest.fixture(autouse=True)
def isolated_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("RILLET_HOME", str(home))
    _discovery.reset_plugins()
    yield home
    _discovery.reset_plugins()


def test_add_lists_streams_and_removes_a_provider(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("providers", "add", "work", "--base-url", "https://llm.example.com/v1/", "--key-env-var", "WORK_KEY",
                 "--model", "m1", "--model", "m2")
    assert result.exit_code == 0, result.output
    assert "Added provider work: https://llm.example.com/v1, key from $WORK_KEY" in result.stdout
    saved = json.loads((isolated_home / "providers.json").read_text())
    assert saved == {"providers": [{"name": "work", "base_url": "https://llm.example.com/v1", "key_env_var": "WORK_KEY",
                                    "models": ["m1", "m2"], "api": "openai-chat"}]}
    listed = run("providers")
    row = next(line for line in listed.stdout.splitlines() if line.startswith("work "))
    assert "rillet-openai" in row and "missing (WORK_KEY)" in row
    assert "work/m2" in run("models", "--provider", "work").stdout
    monkeypatch.setenv("WORK_KEY", "sk-work-SECRET")
    request = rillet.get_model("work/m1").stream_tokens("hi").request
    assert str(request.url) == "https://llm.example.com/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-work-SECRET"

    again = run("providers", "add", "work", "--base-url", "http://gpu-box:8000/v1")  # replaces it
    assert again.exit_code == 0 and ", no key" in again.stdout
    assert rillet.providers()["work"].default_base_url == "http://gpu-box:8000/v1"
    assert run("providers", "remove", "work").exit_code == 0
    assert "work" not in rillet.providers()
    gone = run("providers", "remove", "work")
    assert gone.exit_code == 2 and "no provider 'work' was added" in gone.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["openai", "--base-url", "http://x"], "'openai' is already a provider"),
        (["deepseek", "--base-url", "http://x"], "'deepseek' is already a provider"),
        (["Bad Name", "--base-url", "http://x"], "a provider name is lower case letters"),
        (["ok", "--base-url", "http://:99999"], "invalid base URL 'http://:99999'"),
        (["ok"], "Missing option '--base-url'"),
    ],
)
def test_add_refuses_what_cannot_work(isolated_home: Path, args: list[str], message: str) -> None:
    result = run("providers", "add", *args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert not (isolated_home / "providers.json").exists()


def test_providers_alone_still_lists_and_takes_json() -> None:
    data = json.loads(run("providers", "--json").stdout)
    names = {item["name"] for item in data["providers"]}
    assert {"deepseek", "groq", "mistral", "openrouter", "together", "xai", "vllm", "lmstudio", "llamacpp"} <= names


def test_a_preset_without_its_plugin_says_to_install_rillet_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RILLET_PLUGINS", "anthropic")
    _discovery.reset_plugins()
    with pytest.raises(rillet.UnknownProviderError, match=r"unknown provider 'groq'.*install it with `.*plugins/openai"):
        rillet.get_model("groq/llama-3.3-70b-versatile")


def test_a_provider_without_models_shows_any_unless_its_plugin_lists_them_live() -> None:
    assert run("providers", "add", "bare", "--base-url", "http://gpu-box:8000/v1").exit_code == 0
    rows = {line.split()[0]: line.split() for line in run("providers").stdout.splitlines()[1:] if line.strip()}
    assert rows["bare"][5] == "any"  # PROVIDER PLUGIN VERSION "not needed" MODELS …
    assert rows["ollama"][5] == "live"
