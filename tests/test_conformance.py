"""``rillet conformance``: the gateway conforms in each format it serves, and a deliberately
broken loopback server has each of its faults named."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from cli_support import run
from gateway_support import CASSETTES, running_gateway
from loopback import LoopbackServer, Reply

import rillet
from rillet.conformance import FORMATS, check_server
from rillet.serve import GatewayConfig

#: A recording whose answer is a tool call, for the tool-call play through the gateway.
TOOLS_MODEL = "replay/openai/openai_chat_scenario_tool_call.yaml#0"
SSE = {"content-type": "text/event-stream"}


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    with running_gateway(GatewayConfig(replay_dir=str(CASSETTES))) as url:
        yield url


@pytest.mark.parametrize("server_format", list(FORMATS))
def test_the_gateway_conforms_in_every_format_it_serves(gateway: str, server_format: str) -> None:
    report = check_server(gateway, server_format, "replay/demo", tools_model=TOOLS_MODEL)
    assert report.ok, "\n".join(report.lines())
    plays = {play.name: play for play in report.plays}
    assert list(plays) == ["text", "tool-call", "bad-request"]
    assert "tool-call-deltas" in plays["tool-call"].checks and plays["tool-call"].notes == []  # a call was checked
    assert {"terminal-marker", "decoded"} <= set(plays["text"].checks)
    assert {"error-status", "error-shape", "decoded"} <= set(plays["bad-request"].checks)


def test_the_command_says_the_gateway_conforms(gateway: str) -> None:
    result = run("conformance", gateway + "/v1", "--format", "openai-chat", "-m", "replay/demo", "--tools-model", TOOLS_MODEL)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "conforms"
    assert "role-first · stable-id · finish-reason · usage-chunk" in result.stdout


def _chunk(chunk_id: str, delta: dict[str, Any] | None = None, finish: str | None = None) -> bytes:
    body = {"id": chunk_id, "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}]}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def _call(index: int, call_id: str | None, arguments: str, name: str | None = None) -> dict[str, Any]:
    call: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if call_id:
        call["id"] = call_id
    if name:
        call["function"]["name"] = name
    return {"tool_calls": [call]}


#: The broken server's answers to the text, tool-call and bad-request plays.
BROKEN_TEXT = Reply(headers=SSE, body=[
    _chunk("chunk-a", {"content": "Hel"}),                 # no role first
    _chunk("chunk-b", {"content": "lo"}, finish="stop"),   # another id
    _chunk("chunk-b", finish="stop"),                      # a second finish reason
])                                                         # no usage chunk, no [DONE]
BROKEN_TOOL_CALL = Reply(headers=SSE, body=[
    _chunk("t", {"role": "assistant", **_call(0, "call_1", '{"city": ', name="get_weather")}),
    _chunk("t", _call(0, "call_2", '"Paris"')),            # the id changes
    _chunk("t", _call(2, None, "{")),                       # index 2 without a first delta or index 1
    _chunk("t", finish="stop"),                            # not tool_calls
    b'data: {"id": "t", "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 4}}\n\n',
    b"data: [DONE]\n\n",
])
BROKEN_BAD_REQUEST = Reply(status=400, headers={"content-type": "application/json"}, body=[b'{"message": "bad"}'])


def test_a_broken_server_has_each_fault_named() -> None:
    with LoopbackServer() as server:
        server.queue(BROKEN_TEXT, BROKEN_TOOL_CALL, BROKEN_BAD_REQUEST)
        report = check_server(server.url, "openai-chat", "m")
    failed = {(finding.play, finding.check) for finding in report.findings}
    assert failed == {
        ("text", "role-first"), ("text", "stable-id"), ("text", "finish-reason"), ("text", "usage-chunk"),
        ("text", "terminal-marker"), ("text", "decoded"),
        ("tool-call", "tool-call-deltas"),
        ("bad-request", "error-shape"),
    }, "\n".join(report.lines())
    messages = "\n".join(str(finding) for finding in report.findings)
    for fault in (
        'the first chunk\'s delta does not say role "assistant"',
        "the chunks carry 2 ids",
        "2 chunks carry a finish_reason (exactly one expected)",
        "the last chunk is not a usage chunk with `choices: []`",
        "the stream does not end with `data: [DONE]`",
        "tool call 0: its id changed from 'call_1' to 'call_2'",
        "tool call 2: its first delta lacks an id or a function name",
        "the tool-call indexes [0, 2] are not 0, 1, …",
        "the answer calls tools but its finish_reason is 'stop', not 'tool_calls'",
        'the error body has no "error" object',
    ):
        assert fault in messages, (fault, messages)


def test_a_broken_anthropic_server_has_its_faults_named() -> None:
    def event(kind: str, **data: Any) -> bytes:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()

    text = Reply(headers=SSE, body=[
        event("content_block_start", index=0, content_block={"type": "text", "text": ""}),   # no message_start
        event("content_block_delta", index=1, delta={"type": "text_delta", "text": "Hi"}),  # a block never opened
        event("message_delta", delta={"stop_reason": "end_turn"}),                           # no usage
    ])                                                                                       # block 0 never stops, no message_stop
    with LoopbackServer() as server:
        server.queue(text, Reply(status=500, body=[b"{}"]), Reply(status=200, headers={"content-type": "application/json"}, body=[b"{}"]))
        report = check_server(server.url, "anthropic-messages", "m")
    failed = {(finding.play, finding.check) for finding in report.findings}
    assert {("text", "message-start-first"), ("text", "block-order"), ("text", "usage"), ("text", "terminal-marker"),
            ("tool-call", "status"), ("bad-request", "error-status")} <= failed, "\n".join(report.lines())


def test_the_command_exits_1_naming_the_faults() -> None:
    with LoopbackServer() as server:
        server.queue(BROKEN_TEXT, BROKEN_TOOL_CALL, BROKEN_BAD_REQUEST)
        result = run("conformance", server.url, "--format", "openai-chat", "-m", "m")
    assert result.exit_code == 1
    last = result.stdout.strip().splitlines()[-1]
    assert "FAIL role-first (text): " in result.stdout and last.endswith(" fault(s)") and int(last.split()[0]) >= 8


def test_an_unreachable_server_and_a_missing_key_are_said_plainly(tmp_path: Any) -> None:
    report = check_server("http://127.0.0.1:9", "openai-responses", "m", timeout=2)
    assert {finding.check for finding in report.findings} == {"connection"}
    result = run("conformance", "http://127.0.0.1:9", "--format", "openai-chat", "-m", "m", "--key-env-var", "RILLET_NO_SUCH_VAR")
    assert result.exit_code == 2 and "--key-env-var RILLET_NO_SUCH_VAR: that variable is not set" in result.stderr
    with pytest.raises(rillet.ConfigurationError, match="is not a server format"):
        check_server("http://127.0.0.1:9", "grpc", "m")
