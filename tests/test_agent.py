"""The agent loop over hand-written multi-step cassettes (``cassettes/agent/``), through
the real plugins on a loopback server: parallel calls, a tool that raises, a bad
argument, the step limit, ReAct on Ollama, cancellation and failures."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from agent_support import AGENT_CASSETTES, kinds, sent_bodies, serve_cassette
from loopback import LoopbackServer, Reply

import rillet
from rillet.agent import agent_event_from_json

KEY = "sk-test-agent-SECRET-123"


def _model(server: LoopbackServer, model_id: str) -> rillet.StreamingChatModel:
    return rillet.get_model(model_id, key=KEY, base_url=server.url)


def _collect(run: Any, mode: str) -> list[Any]:
    if mode == "sync":
        return list(run)

    async def collect() -> list[Any]:
        return [event async for event in run]

    return asyncio.run(collect())


def _run(cassette: str, model_id: str, tools: list[Any], mode: str = "sync", **agent_options: Any) -> tuple[list[Any], list[dict[str, Any]]]:
    with LoopbackServer() as server:
        serve_cassette(server, AGENT_CASSETTES / cassette)
        agent = rillet.Agent(_model(server, model_id), tools=tools, **agent_options)
        events = _collect(agent.stream("Go"), mode)
        return events, sent_bodies(server)


def get_weather(city: str) -> str:
    """The current weather in a city.

    Args:
        city: The city's name.
    """
    return {"Paris": "sunny, 21 °C", "Tōkyō": "rainy, 17 °C"}[city]


def divide(a: float, b: float) -> float:
    """Divide a by b."""
    return a / b


def lookup(query: str) -> str:
    """Look something up."""
    return f"nothing found for {query}"


# parallel calls ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_parallel_calls_are_run_and_sent_back_in_one_step(mode: str) -> None:
    events, sent = _run("openai_chat_parallel_calls.yaml", "openai/gpt-4o-mini", [get_weather], mode)
    assert kinds(events) == [
        "step_start", "start", "tool_call_start", "tool_call_delta", "tool_call_start", "tool_call_delta",
        "tool_call", "tool_call", "usage", "end", "tool_result", "tool_result", "step_end",
        "step_start", "start", "token", "usage", "end", "step_end", "run_end",
    ]  # fmt: skip
    results = {event.call_id: event.content for event in events if event.type == "tool_result"}
    assert results == {"call_HandParis01": "sunny, 21 °C", "call_HandTokyo02": "rainy, 17 °C"}
    second = sent[1]["messages"]
    assert [call["id"] for call in second[1]["tool_calls"]] == ["call_HandParis01", "call_HandTokyo02"]
    assert [(m["role"], m["tool_call_id"], m["content"]) for m in second[2:]] == [
        ("tool", "call_HandParis01", "sunny, 21 °C"),
        ("tool", "call_HandTokyo02", "rainy, 17 °C"),
    ]
    end = events[-1]
    assert end.finish_reason == "stop" and end.text == "Paris is sunny at 21 °C; Tōkyō is rainy at 17 °C."
    assert end.usage.input_tokens == 81 + 160 and end.usage.output_tokens == 46 + 19


def test_parallel_calls_run_concurrently_in_astream() -> None:
    """Each call waits until both have started: that only finishes if they overlap."""
    started: set[str] = set()
    both = asyncio.Event()

    async def get_weather(city: str) -> str:
        """The current weather in a city."""
        started.add(city)
        if len(started) == 2:
            both.set()
        await asyncio.wait_for(both.wait(), timeout=10)
        return "fine"

    events, _ = _run("openai_chat_parallel_calls.yaml", "openai/gpt-4o-mini", [get_weather], "async")
    results = [event for event in events if event.type == "tool_result"]
    assert [result.is_error for result in results] == [False, False]
    assert started == {"Paris", "Tōkyō"}


def test_sync_tools_run_concurrently_in_astream_too() -> None:
    barrier = threading.Barrier(2, timeout=10)

    def get_weather(city: str) -> str:
        """The current weather in a city."""
        barrier.wait()  # raises BrokenBarrierError (fed back as an error) unless both threads arrive
        return "fine"

    events, _ = _run("openai_chat_parallel_calls.yaml", "openai/gpt-4o-mini", [get_weather], "async")
    assert [event.is_error for event in events if event.type == "tool_result"] == [False, False]


# failures fed back to the model ----------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_tool_that_raises_is_reported_to_the_model_with_the_thinking_signature_kept(mode: str) -> None:
    events, sent = _run("anthropic_tool_raises.yaml", "anthropic/claude-sonnet-4-5", [divide], mode)
    (result,) = [event for event in events if event.type == "tool_result"]
    assert result.is_error and result.call_id == "toolu_HandDivide01"
    assert result.content == "the tool raised ZeroDivisionError: float division by zero"
    assistant, results = sent[1]["messages"][1:]
    assert assistant["content"] == [
        {"type": "thinking", "thinking": "The user wants 1 divided by 0; I will use the tool.", "signature": "SGFuZC13cml0dGVuIHNpZ25hdHVyZSAx"},
        {"type": "text", "text": "Let me divide."},
        {"type": "tool_use", "id": "toolu_HandDivide01", "name": "divide", "input": {"a": 1, "b": 0}},
    ]  # fmt: skip
    assert results == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_HandDivide01", "content": result.content, "is_error": True}],
    }
    assert events[-1].finish_reason == "stop" and "undefined" in events[-1].text


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_bad_argument_is_reported_to_the_model_and_the_tool_not_called(mode: str) -> None:
    calls: list[Any] = []

    def get_weather(city: str) -> str:
        """The current weather in a city."""
        calls.append(city)
        return "sunny"

    events, sent = _run("gemini_bad_argument.yaml", "gemini/gemini-2.5-flash", [get_weather], mode)
    first, second = [event for event in events if event.type == "tool_result"]
    assert first.is_error and first.content.startswith("invalid arguments for get_weather: city: Input should be a valid string")
    assert not second.is_error and calls == ["Paris"]
    model_turn, user_turn = sent[1]["contents"][1:]
    assert model_turn["parts"][0]["functionCall"]["args"] == {"city": 42}
    assert model_turn["parts"][0]["thoughtSignature"] == "SGFuZC13cml0dGVuIEdlbWluaSBzaWduYXR1cmUgMQ=="
    assert user_turn["parts"][0]["functionResponse"]["response"] == {"error": first.content}
    assert sent[2]["contents"][3]["parts"][0]["thoughtSignature"] == "SGFuZC13cml0dGVuIEdlbWluaSBzaWduYXR1cmUgMg=="
    assert events[-1].finish_reason == "stop" and events[-1].steps == 3 and events[-1].text == "It is sunny in Paris."


def test_a_call_to_an_unknown_tool_is_reported_to_the_model() -> None:
    events, sent = _run("openai_chat_parallel_calls.yaml", "openai/gpt-4o-mini", [lookup])
    results = [event for event in events if event.type == "tool_result"]
    assert [result.is_error for result in results] == [True, True]
    assert results[0].content == "there is no tool named 'get_weather'; the tools are: lookup"
    assert sent[1]["messages"][2]["content"] == results[0].content


# the step limit ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_step_limit_ends_the_run_with_a_terminal_event(mode: str) -> None:
    events, sent = _run("openai_responses_step_limit.yaml", "openai-responses/gpt-4.1-mini", [lookup], mode, max_steps=2)
    end = events[-1]
    assert end.type == "run_end" and end.finish_reason == "max_steps" and end.steps == 2
    assert len(sent) == 2 and [event.type for event in events].count("run_end") == 1
    assert [message.role for message in end.messages] == ["assistant", "tool", "assistant", "tool"]
    assert end.messages[-1].content[0].content == "nothing found for attempt 2"
    assert end.usage.input_tokens == 40 + 80
    assert sent[1]["input"][1:] == [
        {"type": "function_call", "call_id": "call_HandLimit1", "name": "lookup", "arguments": '{"query": "attempt 1"}', "id": "fc_HandLimit1"},
        {"type": "function_call_output", "call_id": "call_HandLimit1", "output": "nothing found for attempt 1"},
    ]  # fmt: skip


def test_max_steps_must_be_positive() -> None:
    with pytest.raises(rillet.ConfigurationError, match="max_steps must be at least 1"):
        rillet.Agent(rillet.get_model("replay/demo"), max_steps=0)


# ReAct ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_react_on_ollama_parses_actions_as_they_stream(mode: str) -> None:
    events, sent = _run("ollama_react.yaml", "ollama/llama3.2:1b", [get_weather], mode, strategy="react")
    call = next(event for event in events if event.type == "tool_call")
    assert (call.name, call.arguments, call.call_id) == ("get_weather", {"city": "Paris"}, "react_1")
    first_step = events[: events.index(call)]
    assert "".join(event.text for event in first_step if event.type == "reasoning") == "I need the weather first.\n"
    assert not any(event.type == "token" for event in first_step)
    assert "made up" not in "".join(event.text for event in events if event.type in ("token", "reasoning"))
    ends = [event for event in events if event.type == "end"]
    assert ends[0].finish_reason == "tool_calls"
    assert "tools" not in sent[0] and "Action Input:" in sent[0]["messages"][0]["content"]
    assert sent[1]["messages"][2:] == [
        {"role": "assistant", "content": 'Thought: I need the weather first.\nAction: get_weather\nAction Input: {"city": "Paris"}\n'},
        {"role": "user", "content": "Observation: sunny, 21 °C"},
    ]
    assert events[-1].finish_reason == "stop"
    assert events[-1].text == "It is sunny in Paris (21 °C)."
    assert events[-1].message.reasoning == "I know it now.\n"


# cancellation and failures ------------------------------------------------------------------


def _held_answer(server: LoopbackServer) -> None:
    """Two tokens of an OpenAI answer, then the server waits for the client to go away."""
    frames = [
        b'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Hello"}}]}\n\n',
        b'data: {"id":"c1","choices":[{"index":0,"delta":{"content":" wor"}}]}\n\n',
    ]
    server.queue(Reply(headers={"content-type": "text/event-stream"}, body=frames, complete=False, hold=20.0))


def test_breaking_out_closes_the_model_stream_and_keeps_the_partial_answer() -> None:
    with LoopbackServer() as server:
        _held_answer(server)
        run = rillet.Agent(_model(server, "openai/gpt-4o-mini"), tools=[get_weather]).stream("Hi")
        for event in run:
            if event.type == "token" and event.text == " wor":
                break
        run.close()
        assert server.client_closed.wait(10)
    assert run.cancelled and run.end is None
    assert [(m.role, m.text) for m in run.messages] == [("assistant", "Hello wor")]


def test_cancelling_the_task_stops_pending_tools_and_keeps_the_run() -> None:
    started: list[str] = []
    stopped: list[str] = []
    both_started = asyncio.Event()

    async def get_weather(city: str) -> str:
        """The current weather in a city."""
        started.append(city)
        if len(started) == 2:
            both_started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            stopped.append(city)
            raise
        return "never"

    async def scenario(server: LoopbackServer) -> Any:
        run = rillet.Agent(_model(server, "openai/gpt-4o-mini"), tools=[get_weather]).astream("Go")
        task = asyncio.ensure_future(run.aresult())
        await asyncio.wait_for(both_started.wait(), timeout=10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0)  # one turn of the loop: the tools see their cancellation
        return run, list(stopped)

    with LoopbackServer() as server:
        serve_cassette(server, AGENT_CASSETTES / "openai_chat_parallel_calls.yaml")
        run, stopped_at_once = asyncio.run(scenario(server))
    assert sorted(stopped_at_once) == ["Paris", "Tōkyō"]
    assert run.cancelled and run.end is None
    # the calls left unanswered are dropped from what is kept, so the history can be sent again
    assert run.messages == []


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_failed_stream_ends_the_run_with_the_error_and_the_partial_answer(mode: str) -> None:
    with LoopbackServer() as server:
        frame = b'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Half an"}}]}\n\n'
        server.queue(Reply(headers={"content-type": "text/event-stream"}, body=[frame]))  # no [DONE]: truncated
        run = rillet.Agent(_model(server, "openai/gpt-4o-mini"), tools=[get_weather]).stream("Hi")
        events = _collect(run, mode)
    end = events[-1]
    assert end.finish_reason == "error" and end.error.code == "truncated"
    assert [(m.role, m.text) for m in end.messages] == [("assistant", "Half an")]
    assert [event.type for event in events][-3:] == ["error", "step_end", "run_end"]


# events --------------------------------------------------------------------------------------


def test_every_agent_event_round_trips_through_json() -> None:
    events, _ = _run("anthropic_tool_raises.yaml", "anthropic/claude-sonnet-4-5", [divide])
    for event in events:
        assert agent_event_from_json(event.model_dump_json()) == event
    assert KEY not in "".join(event.model_dump_json() for event in events)


def test_sync_and_async_runs_give_the_same_events() -> None:
    def comparable(events: list[Any]) -> list[Any]:
        return [event.model_dump(exclude={"timing", "duration"}) for event in events]

    sync_events, _ = _run("gemini_bad_argument.yaml", "gemini/gemini-2.5-flash", [get_weather], "sync")
    async_events, _ = _run("gemini_bad_argument.yaml", "gemini/gemini-2.5-flash", [get_weather], "async")
    assert comparable(sync_events) == comparable(async_events)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_ollama_native_calls_go_back_with_thinking_names_and_ids(mode: str) -> None:
    events, sent = _run("ollama_native_tool_calls.yaml", "ollama/qwen3:8b", [get_weather], mode)
    ids = [event.call_id for event in events if event.type == "tool_call"]
    assert len(set(ids)) == 2
    assistant, *results = sent[1]["messages"][1:]
    assert assistant["thinking"] == "Two cities, two calls."
    assert [(call["id"], call["function"]["name"], call["function"]["arguments"]) for call in assistant["tool_calls"]] == [
        (ids[0], "get_weather", {"city": "Paris"}),
        (ids[1], "get_weather", {"city": "Tōkyō"}),
    ]
    assert results == [
        {"role": "tool", "content": "sunny, 21 °C", "tool_name": "get_weather", "tool_call_id": ids[0]},
        {"role": "tool", "content": "rainy, 17 °C", "tool_name": "get_weather", "tool_call_id": ids[1]},
    ]
    assert events[-1].text == "Paris: sunny. Tōkyō: rainy."


def test_the_replay_provider_plays_one_recorded_turn_per_step() -> None:
    """Without #N, a request holding K assistant turns replays interaction K."""
    model = rillet.get_model(f"replay/{AGENT_CASSETTES / 'gemini_bad_argument.yaml'}")
    end = rillet.Agent(model, tools=[get_weather], tokens_per_second=0).run("Weather in Paris?")
    assert (end.finish_reason, end.steps, end.text) == ("stop", 3, "It is sunny in Paris.")
    pinned = rillet.get_model(f"replay/{AGENT_CASSETTES / 'gemini_bad_argument.yaml'}#0")
    end = rillet.Agent(pinned, tools=[get_weather], tokens_per_second=0, max_steps=2).run("Weather in Paris?")
    assert (end.finish_reason, end.steps) == ("max_steps", 2)


def test_the_agent_uses_the_model_api_only() -> None:
    """DESIGN §2: no transport, stream, discovery or plugin internals in rillet.agent."""
    import ast
    from pathlib import Path

    import rillet.agent

    forbidden = ("_transport", "_stream", "_replay", "_discovery", "_decoding", "hookspecs", "rillet_")
    for path in Path(rillet.agent.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
                assert not any(part in name for name in names for part in forbidden), (path.name, names)


def test_a_plain_break_closes_the_model_stream() -> None:
    """No close() and no `with`: dropping the run after `break` closes the connection."""
    with LoopbackServer() as server:
        _held_answer(server)
        agent = rillet.Agent(_model(server, "openai/gpt-4o-mini"), tools=[get_weather])
        for event in agent.stream("Hi"):
            if event.type == "token":
                break
        assert server.client_closed.wait(10)


def test_arguments_that_are_not_json_are_reported_to_the_model() -> None:
    """A call whose argument text does not parse (cut off, or bad JSON) is answered with
    what is wrong, not run with no arguments."""
    from rillet.agent._state import RunState

    state = RunState(rillet.Agent(rillet.get_model("replay/demo"), tools=[get_weather]), [])
    broken = rillet.ToolCallPart(call_id="c1", name="get_weather", raw_arguments='{"city": "Par')
    assert state.resolve(broken) == 'the arguments of get_weather are not valid JSON: {"city": "Par'
    whole = rillet.ToolCallPart(call_id="c2", name="get_weather", raw_arguments='{"city": "Paris"}')
    tool, arguments = state.resolve(whole)  # type: ignore[misc]
    assert tool.name == "get_weather" and arguments == {"city": "Paris"}
