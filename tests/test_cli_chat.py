"""``rillet chat`` against the loopback server (fake provider) and the offline demo."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cli_support import run
from loopback import LoopbackServer, Reply

import rillet


def lines(*items: dict[str, Any]) -> list[bytes | float]:
    return [json.dumps(item).encode() + b"\n" for item in items]


HELLO = lines({"id": "r1", "t": "Hel"}, {"t": "lo "}, {"r": "thinking..."}, {"t": "world"}, {"done": "stop"})


def chat(server: LoopbackServer, *args: str, **kwargs: Any) -> Any:
    return run("chat", "-m", "fake/fake-1", "--base-url", server.url, *args, **kwargs)


def sent_body(server: LoopbackServer, number: int = -1) -> dict[str, Any]:
    return json.loads(server.requests[number][2])


def test_streams_text_to_stdout_reasoning_to_stderr(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=HELLO))
    result = chat(server, "hi there")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello world\n"
    assert "thinking..." in result.stderr
    assert "\x1b[" not in result.output  # no styling when not a terminal
    body = sent_body(server)
    assert body["model"] == "fake-1"
    assert "hi there" in json.dumps(body["messages"])
    assert server.requests[-1][1]["authorization"] == "Bearer sk-fake-SECRET-123"


def test_no_reasoning_hides_it(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=HELLO))
    result = chat(server, "--no-reasoning", "hi")
    assert result.exit_code == 0
    assert result.stdout == "Hello world\n"
    assert "thinking" not in result.stderr


def test_json_events(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=HELLO))
    result = chat(server, "--json", "hi")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["type"] for e in events] == ["start", "token", "token", "reasoning", "token", "end"]
    assert "".join(e["text"] for e in events if e["type"] == "token") == "Hello world"
    assert events[0]["response_id"] == "r1"
    assert "usage" not in events[-1]  # exclude_none
    assert events[-1]["finish_reason"] == "stop"
    assert rillet.event_from_json(result.stdout.splitlines()[-1]).type == "end"


def test_no_stream_prints_the_whole_answer(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=HELLO))
    result = chat(server, "--no-stream", "hi")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello world\n"
    assert "thinking..." in result.stderr


def test_system_prompt_and_options_reach_the_body(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=HELLO))
    result = chat(
        server, "-s", "Be brief.", "-o", "top_k", "5", "-o", "mode", "fast", "-o", "extra_json", '{"a": [1, true]}', "hi"
    )
    assert result.exit_code == 0, result.output
    body = sent_body(server)
    assert body["messages"][0]["role"] == "system"
    assert "Be brief." in json.dumps(body["messages"][0])
    assert body["messages"][1]["role"] == "user"
    assert body["top_k"] == 5  # JSON-parsed
    assert body["mode"] == "fast"  # not JSON: the string
    assert body["extra_json"] == {"a": [1, True]}


def test_request_field_options_are_validated(fake_plugin: None, server: LoopbackServer) -> None:
    result = chat(server, "-o", "temperature", "hot", "hi")
    assert result.exit_code == 2
    assert "temperature" in result.stderr
    assert "Traceback" not in result.output
    assert server.requests == []


def test_prompt_from_stdin(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=HELLO), Reply(body=HELLO))
    result = chat(server, input="question from stdin\n")
    assert result.exit_code == 0, result.output
    assert sent_body(server)["messages"][0]["content"][0]["text"] == "question from stdin\n"
    result = chat(server, "-", input="dash means stdin")
    assert result.exit_code == 0, result.output
    assert sent_body(server)["messages"][0]["content"][0]["text"] == "dash means stdin"


def test_piped_stdin_is_appended_to_the_prompt(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=HELLO))
    result = chat(server, "Summarise:", input="a long document")
    assert result.exit_code == 0, result.output
    assert sent_body(server)["messages"][0]["content"][0]["text"] == "Summarise:\n\na long document"


def test_empty_prompt_is_a_usage_error(fake_plugin: None, server: LoopbackServer) -> None:
    result = chat(server, input="")
    assert result.exit_code == 2
    assert "prompt" in result.stderr


def test_model_from_env(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=HELLO))
    result = run("chat", "--base-url", server.url, "hi", env={"RILLET_MODEL": "fake/fake-1"})
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello world\n"


def test_no_model_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RILLET_MODEL", raising=False)
    result = run("chat", "hi")
    assert result.exit_code == 2
    assert "RILLET_MODEL" in result.stderr


def test_stream_error_is_one_line_exit_1_partial_text_kept(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=lines({"t": "partial "}, {"t": "answer"}, {"error": "the model melted", "code": "overloaded"})))
    result = chat(server, "hi")
    assert result.exit_code == 1
    assert result.stdout == "partial answer\n"
    assert result.stderr.strip().splitlines() == ["Error: the model melted"]
    assert "Traceback" not in result.output


def test_truncated_stream_keeps_partial_text(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=lines({"t": "cut "}, {"t": "short"})))
    result = chat(server, "--json", "hi")
    assert result.exit_code == 1
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[-1]["type"] == "error" and events[-1]["code"] == "truncated"
    assert events[-1]["partial"]["content"][0]["text"] == "cut short"
    assert result.stderr.startswith("Error: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_http_error_exit_1(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(status=401, headers={"content-type": "application/json"}, body=[b'{"error": "bad key"}']))
    result = chat(server, "hi")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "sk-fake-SECRET-123" not in result.output


def test_debug_shows_the_traceback(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=lines({"t": "x"}, {"error": "boom", "code": "server"})))
    result = chat(server, "--debug", "hi")
    assert isinstance(result.exception, rillet.ServerError)
    result = run("chat", "-m", "nosuch/model", "hi", env={"RILLET_DEBUG": "1"})
    assert isinstance(result.exception, rillet.UnknownProviderError)


def test_missing_key_names_env_var_and_keys_set(fake_plugin: None, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAKE_API_KEY")
    result = chat(server, "hi")
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: no API key for fake: set FAKE_API_KEY, run `rillet keys set fake`, or pass --key"
    assert server.requests == []
    server.queue(Reply(body=HELLO))
    result = chat(server, "--key", "sk-given-7", "hi")
    assert result.exit_code == 0, result.output
    assert server.requests[-1][1]["authorization"] == "Bearer sk-given-7"


def test_unknown_provider(fake_plugin: None) -> None:
    result = run("chat", "-m", "nosuch/model-1", "hi")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.startswith("Error: unknown provider 'nosuch'")
    assert "fake" in line and "replay" in line  # lists the installed providers
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_provider_suggests_the_plugin_to_install() -> None:
    result = run("chat", "-m", "gemini-nope/x", "hi")
    assert result.exit_code == 2
    assert "rillet providers" in result.stderr


def test_usage_line(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=HELLO))
    result = chat(server, "-u", "hi")
    assert result.exit_code == 0
    usage = result.stderr.strip().splitlines()[-1]
    assert usage.startswith("Usage: usage not reported · first token ")


# the offline demo (needs the rillet-openai plugin: the demo recording is OpenAI SSE) -------

DEMO_TEXT = (
    "The sky looks blue because sunlight is scattered by the molecules of the air, and short blue "
    "wavelengths scatter far more than long red ones — so blue light reaches your eyes from every "
    "direction of the sky."
)


def test_demo_streams_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("RILLET_HOME", str(tmp_path))
    result = run("chat", "-m", "replay/demo", "-o", "tokens_per_second", "0", "-u", "Why is the sky blue?")
    assert result.exit_code == 0, result.output
    assert result.stdout == DEMO_TEXT + "\n"
    assert "Rayleigh scattering" in result.stderr
    assert "Usage: 14 input · 44 output (6 reasoning) tokens" in result.stderr
    assert "tokens/s" in result.stderr


def test_demo_json_and_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    started = time.monotonic()
    result = run("chat", "-m", "replay/demo", "-o", "tokens_per_second", "200", "--json", "--no-reasoning", "hi")
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert "".join(e["text"] for e in events if e["type"] == "token") == DEMO_TEXT
    assert elapsed >= 0.15  # the demo's 48 frames at 200/s take ~0.24 s: paced, not instant


def test_a_wait_before_retrying_is_said_on_stderr(fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(
        Reply(status=429, headers={"content-type": "application/json", "retry-after": "1"}, body=[b'{"error": "slow down"}']),
        Reply(body=HELLO),
    )
    result = chat(server, "hi")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello world\n"
    notices = [line for line in result.stderr.splitlines() if line.startswith("Retrying")]
    assert len(notices) == 1
    assert notices[0].startswith("Retrying in 1.0s: rate_limit (HTTP 429):")
    assert len(server.requests) == 2


def test_the_retry_callback_is_called_the_same_way_sync_and_async(fast_plugin_model: Any, server: LoopbackServer) -> None:
    import anyio

    calls: list[tuple[str, float]] = []
    options = rillet.StreamOptions(backoff_initial=0.0, backoff_max=0.0, on_retry=lambda error, seconds: calls.append((error.code, seconds)))
    for _ in range(2):
        server.queue(Reply(status=503, headers={"content-type": "application/json"}, body=[b"{}"]), Reply(body=HELLO))
    model = rillet.get_model("fake/fake-1", base_url=server.url, options=options)
    assert "".join(e.text for e in model.stream_tokens("hi") if e.type == "token") == "Hello world"

    async def collect() -> str:
        return "".join([e.text async for e in model.astream_tokens("hi") if e.type == "token"])

    assert anyio.run(collect) == "Hello world"
    assert [code for code, _ in calls] == ["overloaded", "overloaded"]
    assert all(seconds == 0.0 for _, seconds in calls)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"a: [b\n", "it is not valid YAML"),
        (b"just: a mapping\n", "it has no 'interactions' list"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "it is not a text file"),
        (b"interactions: []\nversion: 1\n", "its 'interactions' list is empty"),
        (b"interactions:\n- foo: 1\n", "interaction 0 is not a request/response pair"),
    ],
    ids=["not-yaml", "not-a-cassette", "binary", "no-interactions", "bad-interaction"],
)
@pytest.mark.parametrize("command", ["replay", "chat"])
def test_a_bad_cassette_is_a_one_line_usage_error(tmp_path: Any, content: bytes, problem: str, command: str) -> None:
    path = tmp_path / "recording.yaml"
    path.write_bytes(content)
    arguments = ["replay", str(path)] if command == "replay" else ["chat", "-m", f"replay/{path}", "hi"]
    result = run(*arguments)
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "unexpected" not in line
    assert line.startswith(f"Error: {path} is not a vcrpy cassette: {problem}")


@pytest.mark.parametrize("value", ["abc", "-5", "true"])
def test_a_bad_replay_pace_is_a_one_line_usage_error(value: str) -> None:
    result = run("chat", "-m", "replay/demo", "-o", "tokens_per_second", value, "hi")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "unexpected" not in line
    assert "tokens_per_second must be a number 0 or more" in line and repr(json.loads(value) if value != "abc" else value) in line


def test_a_model_id_without_provider_names_the_option() -> None:
    result = run("chat", "-m", "/x", "hi")
    assert result.exit_code == 2
    assert "unexpected" not in result.stderr and "unknown provider ''" not in result.stderr
    assert "Invalid value for '-m' / '--model': model id '/x' has no provider before the '/'" in result.stderr
