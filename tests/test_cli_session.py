"""The interactive ``rillet chat`` session, driven through a real pseudo-terminal."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

import pytest
from agent_support import SHARED
from pty_support import Terminal

from rillet.cli.session import read_message

RILLET = str(Path(sys.executable).with_name("rillet"))
DEMO_ANSWER = (
    "The sky looks blue because sunlight is scattered by the molecules of the air, and short blue "
    "wavelengths scatter far more than long red ones"
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


@pytest.fixture
def chat(tmp_path: Path) -> Iterator[Terminal]:
    env = {**os.environ, "RILLET_HOME": str(tmp_path), "TERM": "dumb", "NO_COLOR": "1"}
    env.pop("RILLET_MODEL", None)
    # 4 tokens a second: slow enough that Ctrl-C always lands mid-answer
    terminal = Terminal([RILLET, "chat", "-m", "replay/demo", "-o", "tokens_per_second", "4"], env)
    yield terminal
    terminal.close()


def test_ctrl_c_stops_the_answer_keeps_it_in_history_and_the_session_goes_on(chat: Terminal) -> None:
    chat.expect("/exit or Ctrl-D to leave.")
    chat.expect("> ")
    chat.send("Why is the sky blue?\r")
    chat.expect("The sky looks")
    chat.send("\x03")
    chat.expect("[stopped]")
    chat.expect("> ")
    chat.send("/history\r")
    shown = chat.expect("> ")
    lines = [line for line in shown.splitlines() if line.startswith(("user: ", "assistant: "))]
    assert lines[0] == "user: Why is the sky blue?"
    partial = lines[1].removeprefix("assistant: ")
    assert partial.startswith("The sky looks") and DEMO_ANSWER.startswith(partial) and len(partial) < len(DEMO_ANSWER)
    # the session goes on: a multi-line message, another answer stopped, the history grows
    chat.send("Say it \\\r")
    chat.expect(". ")
    chat.send("again\r")
    chat.expect("The sky looks")
    chat.send("\x03")
    chat.expect("[stopped]")
    chat.expect("> ")
    chat.send("/history\r")
    shown = chat.expect("> ")
    assert "user: Say it \nagain" in shown and shown.count("assistant: The sky looks") == 2
    chat.send("/exit\r")
    assert chat.wait() == 0


@pytest.mark.parametrize("key", ["\x04", "\x03"], ids=["ctrl-d", "ctrl-c"])
def test_ctrl_d_or_ctrl_c_at_the_prompt_exits(chat: Terminal, key: str) -> None:
    chat.expect("> ")
    chat.reading()
    chat.send(key)
    assert chat.wait() == 0
    assert "Traceback" not in chat.screen


def test_reset_and_model_commands(chat: Terminal) -> None:
    chat.expect("> ")
    chat.send("hi\r")
    chat.expect("The sky")
    chat.send("\x03")
    chat.expect("> ")
    chat.send("/reset\r")
    chat.expect("(the conversation is forgotten)")
    chat.send("/history\r")
    chat.send("/model nope/x\r")
    shown = chat.expect("unknown provider 'nope'")
    assert "assistant:" not in shown
    chat.send("/model replay/demo\r")
    chat.expect("(now chatting with replay/demo)")
    chat.send("/exit\r")
    assert chat.wait() == 0


def test_read_message_joins_continued_lines_and_blocks() -> None:
    def feeder(*lines: str):  # type: ignore[no-untyped-def]
        queue = list(lines)
        return lambda prompt: queue.pop(0)

    assert read_message(feeder("one")) == "one"
    assert read_message(feeder("one \\", "two\\", "three")) == "one \ntwo\nthree"
    assert read_message(feeder('"""', "a", "", "b", '"""')) == "a\n\nb"


def test_ctrl_c_closes_the_connection_of_the_answer(tmp_path: Path) -> None:
    from loopback import LoopbackServer, Reply

    frames = [
        b'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Hello"}}]}\n\n',
        b'data: {"id":"c1","choices":[{"index":0,"delta":{"content":" wor"}}]}\n\n',
    ]
    env = {**os.environ, "RILLET_HOME": str(tmp_path), "TERM": "dumb", "NO_COLOR": "1"}
    with LoopbackServer() as server:
        server.queue(Reply(headers={"content-type": "text/event-stream"}, body=frames, complete=False, hold=30.0))
        terminal = Terminal([RILLET, "chat", "-m", "openai/gpt-4o-mini", "--base-url", server.url], env)
        try:
            terminal.expect("> ")
            terminal.send("Hi\r")
            terminal.expect("Hello wor")
            terminal.send("\x03")
            assert server.client_closed.wait(10)
            terminal.expect("[stopped]")
            terminal.expect("> ")
            terminal.send("/history\r")
            assert "assistant: Hello wor\n" in terminal.expect("> ")
            terminal.send("\x04")
            assert terminal.wait() == 0
        finally:
            terminal.close()


def test_a_tool_run_shows_each_step_as_it_streams(tmp_path: Path) -> None:
    """In a terminal: step 1's text, the call and its result, then step 2's text, in order,
    while the replay is still playing (6 frames a second)."""
    recording = SHARED / "anthropic" / "crewai_anthropic_tool_use_input_json_delta.yaml"
    if not recording.is_file():
        pytest.skip("the shared recordings are not beside the repository")
    tools = tmp_path / "weather.py"
    tools.write_text('def get_current_temperature(city: str) -> str:\n    """Temperature."""\n    return "72°F"\n')
    env = {**os.environ, "RILLET_HOME": str(tmp_path), "TERM": "dumb", "NO_COLOR": "1"}
    argv = [RILLET, "chat", "-m", f"replay/{recording}", "--tool", f"{tools}:get_current_temperature", "-o", "tokens_per_second", "6", "temp?"]
    terminal = Terminal(argv, env)
    try:
        terminal.expect("I'll help you")
        terminal.expect('[tool call] get_current_temperature({"city": "San Francisco"})')
        terminal.expect("[tool result] get_current_temperature: 72°F")
        terminal.expect("The current temperature")
        assert "anything else" not in terminal.screen  # step 2 is still streaming
        assert terminal.wait() == 0
        assert terminal.screen.rstrip().endswith("Is there anything else I can help you with?")
    finally:
        terminal.close()


def test_session_turns_without_a_terminal() -> None:
    """The session logic itself: answers join the history, a failed turn leaves no trace."""
    import io

    import rillet
    from rillet.cli.output import terminal_renderer
    from rillet.cli.session import Session

    lines = iter(["hi", "/model replay/no-such-recording", "again", "/history", "/exit"])
    out, answers = io.StringIO(), io.StringIO()
    session = Session(
        "replay/demo",
        lambda model_id: rillet.Agent(rillet.get_model(model_id), tokens_per_second=0),
        lambda: terminal_renderer(answers, io.StringIO()),
        read_line=lambda prompt: next(lines),
        out=out,
    )
    session.run()
    assert [message.role for message in session.history] == ["user", "assistant"]
    assert answers.getvalue().startswith("The sky looks blue")
    assert "Error: no recording named 'no-such-recording'" in out.getvalue()
    assert "user: hi\nassistant: The sky looks blue" in out.getvalue()
