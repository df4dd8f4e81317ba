"""``rillet logs`` (list, show, path, stats, on/off) and ``rillet chat`` with the log:
``--no-log``, ``-c`` and ``--cid`` — a replayed, a failed, a truncated and a cancelled
stream each show up with their outcome, time to first token, tokens/s and partial text."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import Any

import pytest
from cli_support import run
from log_support import DONE, TOKENS, logged
from loopback import LoopbackServer, Reply

import rillet

pytestmark = pytest.mark.usefixtures("fake_plugin")

def chat(server: LoopbackServer, *args: str) -> Any:
    return run("chat", "-m", "fake/fake-1", "--base-url", server.url, *args)


def logs_json(*args: str) -> list[dict[str, Any]]:
    result = run("logs", "--json", *args)
    assert result.exit_code == 0, result.output
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def four_outcomes(server: LoopbackServer, fast_options: rillet.StreamOptions) -> None:
    """A replayed stream, a failed one, a truncated one and a cancelled one."""
    assert run("chat", "-m", "replay/demo", "-o", "tokens_per_second", "100000", "sky?").exit_code == 0
    server.queue(Reply(body=[TOKENS[0], b'{"error": "busy", "code": "overloaded"}\n']))
    assert chat(server, "fail").exit_code == 1
    server.queue(Reply(body=TOKENS))
    assert chat(server, "cut").exit_code == 1
    server.queue(Reply(body=[TOKENS[0], 5.0, DONE]))
    stream = rillet.get_model("fake/fake-1", base_url=server.url, options=fast_options).stream_tokens("stop")
    for event in stream:
        if event.type == "token":
            break
    stream.close()


def test_the_four_outcomes_appear_in_logs_json(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    four_outcomes(server, fast_options)
    records = {item["prompt"]: item for item in logs_json()}
    assert {prompt: (item["outcome"], item["error_code"]) for prompt, item in records.items()} == {
        "sky?": ("complete", None),
        "fail": ("error", "overloaded"),
        "cut": ("truncated", "truncated"),
        "stop": ("cancelled", None),
    }
    assert {prompt: item["response_text"] for prompt, item in records.items() if prompt != "sky?"} == {
        "fail": "Hel", "cut": "Hello", "stop": "Hel"
    }
    assert all(item["time_to_first_token"] is not None for item in records.values())
    assert records["sky?"]["tokens_per_second"] > 0 and records["sky?"]["output_tokens"] == 44
    assert records["sky?"]["response"]["content"][0]["type"] == "reasoning"


def test_logs_lists_latest_first_and_filters(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    four_outcomes(server, fast_options)
    assert [item["prompt"] for item in logs_json()] == ["stop", "cut", "fail", "sky?"]
    assert [item["prompt"] for item in logs_json("-n", "2")] == ["stop", "cut"]
    assert [item["prompt"] for item in logs_json("--outcome", "error")] == ["fail"]
    assert [item["prompt"] for item in logs_json("--model", "replay/demo")] == ["sky?"]
    assert [item["prompt"] for item in logs_json("--provider", "fake", "--since", "1h")] == ["stop", "cut", "fail"]
    assert logs_json("--since", "2000-01-01T00:00") and not logs_json("--since", "2999-01-01")
    text = run("logs").stdout.splitlines()
    assert len(text) == 4 and "cancelled" in text[0] and "error (overloaded)" in text[2] and "'Hel'" in text[2]


def test_a_bad_since_is_a_usage_error(store_location: str) -> None:
    result = run("logs", "--since", "yesterday")
    assert result.exit_code == 2 and "neither an age" in result.stderr


def test_logs_show_prints_one_stream_in_full(store_location: str) -> None:
    assert run("chat", "-m", "replay/demo", "-s", "Be brief", "-o", "tokens_per_second", "100000", "sky?").exit_code == 0
    (record,) = logs_json()
    shown = run("logs", "show", record["id"][:6])
    assert shown.exit_code == 0, shown.output
    assert "Outcome: complete" in shown.stdout and "[system]\nBe brief" in shown.stdout and "Rayleigh" in shown.stdout
    assert json.loads(run("logs", "show", record["id"], "--json").stdout)["id"] == record["id"]
    missing = run("logs", "show", "ffffff")
    assert missing.exit_code == 2 and "no logged stream" in missing.stderr


def test_logs_stats_summarises_per_model(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    four_outcomes(server, fast_options)
    result = run("logs", "stats", "--json")
    figures = {item["provider"]: item for item in json.loads(result.stdout)}
    assert figures["fake"]["streams"] == 3
    assert figures["fake"]["outcomes"] == {"error": 1, "truncated": 1, "cancelled": 1}
    assert figures["replay"]["output_tokens"] == 44 and figures["replay"]["time_to_first_token_p50"] > 0
    table = run("logs", "stats").stdout.splitlines()
    assert table[0].split()[:3] == ["MODEL", "STREAMS", "OUTCOMES"] and any(line.startswith("fake/fake-1  3") for line in table)


def test_logs_path_hides_a_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("RILLET_LOG_URL", "postgresql://me:hunter2@db/logs")
    assert run("logs", "path").stdout.strip() == "postgresql://me:***@db/logs"
    monkeypatch.delenv("RILLET_LOG_URL")
    assert run("logs", "path").stdout.strip() == str(tmp_path / "home" / "logs.db")


def test_logs_off_and_on(server: LoopbackServer, store_location: str) -> None:
    assert run("logs", "off").exit_code == 0
    server.queue(Reply(body=[*TOKENS, DONE]), Reply(body=[*TOKENS, DONE]))
    assert chat(server, "unlogged").exit_code == 0
    assert "Logging is off; 0 streams" in run("logs", "status").stdout
    assert run("logs", "on").exit_code == 0
    assert chat(server, "logged").exit_code == 0
    assert [item["prompt"] for item in logs_json()] == ["logged"]


def test_chat_no_log(server: LoopbackServer, store_location: str) -> None:
    server.queue(Reply(body=[*TOKENS, DONE]))
    assert chat(server, "--no-log", "hi").exit_code == 0
    assert logged(store_location) == []


def test_chat_continue_sends_the_logged_history(server: LoopbackServer, store_location: str) -> None:
    server.queue(*[Reply(body=[*TOKENS, DONE]) for _ in range(4)])
    assert chat(server, "-s", "Be brief", "first").exit_code == 0
    assert chat(server, "other conversation").exit_code == 0
    assert chat(server, "-c", "second").exit_code == 0
    sent = json.loads(server.requests[-1][2])["messages"]
    assert [(m["role"], m["content"][0]["text"]) for m in sent] == [("user", "other conversation"), ("assistant", "Hello"), ("user", "second")]
    first = [item for item in logs_json() if item["prompt"] == "first"][0]
    assert chat(server, "--cid", first["conversation_id"], "third").exit_code == 0
    sent = json.loads(server.requests[-1][2])["messages"]
    assert [m["content"][0]["text"] for m in sent] == ["Be brief", "first", "Hello", "third"]
    conversation = logs_json("--cid", first["conversation_id"])
    assert [item["prompt"] for item in conversation] == ["third", "first"]


def test_chat_continue_with_nothing_logged_says_so(store_location: str) -> None:
    result = run("chat", "-m", "replay/demo", "-c", "hi")
    assert result.exit_code == 2 and "no conversation to continue" in result.stderr
    result = run("chat", "-m", "replay/demo", "--cid", "nope", "hi")
    assert result.exit_code == 2 and "no logged conversation has the id 'nope'" in result.stderr


def _rillet(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from rillet.cli import main; main()", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def test_separate_processes_log_a_stream_and_a_ctrl_c(tmp_path: Any) -> None:
    """Real processes: the row is in the store when `rillet chat` exits, and a chat stopped
    with Ctrl-C is logged as cancelled with the text that had arrived."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RILLET_")}
    env["RILLET_HOME"] = str(tmp_path)
    done = _rillet("chat", "-m", "replay/demo", "-o", "tokens_per_second", "100000", "sky?", env=env)
    assert done.wait(60) == 0, done.communicate()[1]
    slow = _rillet("chat", "-m", "replay/demo", "-o", "tokens_per_second", "20", "slow", env=env)
    assert slow.stdout is not None
    assert slow.stdout.read(3)  # the answer has begun
    slow.send_signal(signal.SIGINT)
    assert slow.wait(60) == 130
    listing = _rillet("logs", "--json", env=env)
    output, errors = listing.communicate(timeout=60)
    assert listing.returncode == 0, errors
    records = {item["prompt"]: item for item in json.loads(output)}
    assert records["sky?"]["outcome"] == "complete"
    assert records["slow"]["outcome"] == "cancelled" and records["slow"]["response_text"].startswith("The")
