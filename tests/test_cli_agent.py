"""``rillet chat --tool``: the agent loop from the terminal, and the ``--render`` modes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from agent_support import AGENT_CASSETTES, SHARED
from cli_support import run
from test_cli_output import CountingStream

from rillet.agent import agent_event_from_json
from rillet.cli.output import FrameWriter, Renderer, terminal_renderer
from rillet.agent import RunEndEvent, ToolResultEvent

TOOLS = '''
def get_current_temperature(city: str) -> str:
    """Get the current temperature in a city."""
    return f"The temperature in {city} is 72°F"


def lookup(query: str) -> str:
    """Look something up."""
    return "nothing"
'''
RECORDING = SHARED / "anthropic" / "crewai_anthropic_tool_use_input_json_delta.yaml"


@pytest.fixture
def tools_file(tmp_path: Path) -> Path:
    path = tmp_path / "mytools.py"
    path.write_text(TOOLS, encoding="utf-8")
    return path


@pytest.mark.skipif(not RECORDING.is_file(), reason="the shared recordings are not beside the repository")
def test_a_two_step_tool_task_from_a_recording(tools_file: Path) -> None:
    result = run(
        "chat", "-m", f"replay/{RECORDING}", "--tool", f"{tools_file}:get_current_temperature",
        "-o", "tokens_per_second", "0", "What is the temperature in San Francisco?",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    first, second = result.stdout.splitlines()
    assert first.endswith("to retrieve this information.") and second.startswith("The current temperature in San Francisco is 72°F.")
    assert result.stderr.splitlines() == [
        '[tool call] get_current_temperature({"city": "San Francisco"}) id=toolu_01Lfr3kUnHMZApePPRWMv1uS',
        "[tool result] get_current_temperature: The temperature in San Francisco is 72°F",
    ]


def test_json_output_of_an_agent_run(tools_file: Path) -> None:
    cassette = AGENT_CASSETTES / "openai_responses_step_limit.yaml"
    result = run(
        "chat", "-m", f"replay/{cassette}", "--tool", f"{tools_file}:lookup", "--max-steps", "2",
        "-o", "tokens_per_second", "0", "--json", "go",
    )  # fmt: skip
    events = [agent_event_from_json(line) for line in result.stdout.splitlines()]
    assert [event.type for event in events].count("step_start") == 2
    assert [event.content for event in events if isinstance(event, ToolResultEvent)] == ["nothing", "nothing"]
    assert isinstance(events[-1], RunEndEvent) and events[-1].finish_reason == "max_steps"
    assert result.exit_code == 1  # the step limit is not a success


def test_the_step_limit_is_said_on_stderr(tools_file: Path) -> None:
    cassette = AGENT_CASSETTES / "openai_responses_step_limit.yaml"
    result = run("chat", "-m", f"replay/{cassette}", "-t", f"{tools_file}:lookup", "--max-steps", "1", "-o", "tokens_per_second", "0", "go")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "[stopped: the step limit (1) was reached]"


def test_react_from_the_command_line(tools_file: Path) -> None:
    cassette = AGENT_CASSETTES / "ollama_react.yaml"
    result = run("chat", "-m", f"replay/{cassette}", "-t", f"{tools_file}:lookup", "--react", "-o", "tokens_per_second", "0", "go")
    assert result.exit_code == 0, result.output
    assert "[tool error] get_weather: there is no tool named 'get_weather'; the tools are: lookup" in result.stderr
    assert result.stdout == "It is sunny in Paris (21 °C).\n"
    assert "I need the weather first." in result.stderr  # the thoughts, as reasoning


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nocolon", "is not MODULE:FUNCTION"),
        ("no_such_module_xyz:f", "cannot import 'no_such_module_xyz'"),
        ("json:no_such_function", "json has no function 'no_such_function'"),
        ("missing/file.py:f", "no such file: missing/file.py"),
    ],
)
def test_bad_tool_options_are_one_clear_line(spec: str, message: str) -> None:
    result = run("chat", "-m", "replay/demo", "--tool", spec, "hi")
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output


def test_line_render_mode_flushes_at_each_line_end() -> None:
    stream = CountingStream()
    writer = FrameWriter(stream, live=False, lines=True)
    for piece in ["one ", "line\nand ", "more"]:
        writer.write(piece)
    assert stream.snapshots == ["one line\n"]
    writer.close()
    assert stream.getvalue() == "one line\nand more"


@pytest.mark.parametrize(("render", "live", "lines"), [("auto", False, True), ("line", False, True), ("char", True, False)])
def test_render_modes_when_piped(render: str, live: bool, lines: bool) -> None:
    renderer = terminal_renderer(io.StringIO(), io.StringIO(), render=render)
    assert (renderer.text.live, renderer.text.lines) == (live, lines)
    renderer.close()


def test_agent_events_render_compactly() -> None:
    out, err = io.StringIO(), io.StringIO()
    renderer = Renderer(FrameWriter(out, live=False), FrameWriter(err, live=False))
    renderer.handle(ToolResultEvent(step=1, call_id="c", name="search", content="line one\n  line two " + "x" * 300, is_error=False))
    renderer.handle(ToolResultEvent(step=1, call_id="c", name="search", content="boom", is_error=True))
    renderer.close()
    first, second = err.getvalue().splitlines()
    assert first.startswith("[tool result] search: line one line two xxx") and first.endswith("…")
    assert len(first) == len("[tool result] search: ") + 200
    assert second == "[tool error] search: boom"


def test_react_without_tools_is_a_usage_error() -> None:
    result = run("chat", "-m", "replay/demo", "--react", "hi")
    assert result.exit_code == 2 and "--react describes the tools in the prompt" in result.stderr
