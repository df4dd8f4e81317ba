"""The agent over the shared multi-turn tool recordings of every provider that has them
(Anthropic, OpenAI Chat Completions and Responses, Gemini), through the real plugins.

Each step is answered by the next recorded response; the request each plugin built from
the agent's history (the model's tool calls with their ids, the tool results) is checked
against the request the original client sent for that turn.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable

import pytest
from agent_support import REPO, SHARED, sent_bodies, serve_cassette
from loopback import LoopbackServer, Reply

import rillet
from rillet._replay import split_frames

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="the shared recordings are not beside the repository")


def get_current_temperature(city: str) -> str:
    """Get the current temperature in a city.

    Args:
        city: The name of the city to get the temperature for.
    """
    return f"The temperature in {city} is 72°F"


def get_capital(country: str) -> str:
    """Get the capital of a country."""
    return {"France": "Paris"}[country]


def get_temperature(city: str) -> str:
    """Get the temperature in a city."""
    return {"Paris": "30°C"}[city]


def llm_version() -> str:
    """Return the installed version of llm"""
    return "0.fixed-version"


def multiply(a: int, b: int) -> int:
    """Multiply two numbers."""
    return a * b


def _anthropic(body: dict[str, Any]) -> Any:
    return body["messages"][1:]


def _openai_chat(body: dict[str, Any]) -> Any:
    calls = [
        (call["function"]["name"], json.loads(call["function"]["arguments"]))
        for message in body["messages"]
        for call in message.get("tool_calls") or []
    ]
    results = [message["content"] for message in body["messages"] if message["role"] == "tool"]
    return calls, results


def _responses(body: dict[str, Any]) -> Any:
    # the item id is left out (the original client did not send it) and the arguments
    # compared as JSON (it re-serialised them; rillet sends the model's text as it came)
    return [
        {k: json.loads(v) if k == "arguments" else v for k, v in item.items() if k != "id"} for item in body["input"][1:]
    ]


def _gemini(body: dict[str, Any]) -> Any:
    shape = []
    for content in body["contents"][1:]:
        for part in content["parts"]:
            if "functionCall" in part:
                shape.append((content["role"], "call", part["functionCall"]["name"], part["functionCall"]["args"]))
            elif "functionResponse" in part:
                response = part["functionResponse"]
                shape.append((content["role"], "result", response["name"], list(response["response"].values())))
    return shape


# (recording, model, tools, prompt, what to compare in each later request, words of the answer)
CASES: dict[str, tuple[str, str, list[Callable[..., Any]], Callable[[dict[str, Any]], Any], str]] = {
    "anthropic": (
        "anthropic/crewai_anthropic_tool_use_input_json_delta.yaml",
        "anthropic/claude-3-5-haiku-latest",
        [get_current_temperature],
        _anthropic,
        "72°F",
    ),
    "openai_chat": (
        "openai_chat/simonw_llm_openrouter_kimi_tool_name_then_args_chunks.yaml",
        "openai/gpt-4.1-mini",
        [llm_version],
        _openai_chat,
        "0.fixed-version",
    ),
    "openai_responses": (
        "openai_responses/simonw_llm_responses_tool_use_streaming.yaml",
        "openai-responses/gpt-5.5",
        [multiply],
        _responses,
        "2,869,461",
    ),
    "gemini": (
        "gemini/pydanticai_gemini_function_call_iter.yaml",
        "gemini/gemini-2.0-flash",
        [get_capital, get_temperature],
        _gemini,
        "30°C",
    ),
}


def _prompt(body: dict[str, Any]) -> str:
    first = (body.get("messages") or body.get("input") or body.get("contents"))[0]
    content = first.get("content", first.get("parts"))
    return content if isinstance(content, str) else content[0]["text"]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_agent_runs_the_shared_multi_turn_recording(case: str, mode: str) -> None:
    path, model_id, tools, shape, answer = CASES[case]
    with LoopbackServer() as server:
        interactions = serve_cassette(server, SHARED / path)
        recorded = [interaction.request.json() for interaction in interactions]
        model = rillet.get_model(model_id, key="test-key-not-secret", base_url=server.url)
        agent = rillet.Agent(model, tools=tools)
        run = agent.stream(_prompt(recorded[0]))
        if mode == "sync":
            events = list(run)
        else:

            async def collect() -> list[Any]:
                return [event async for event in run]

            events = asyncio.run(collect())
        sent = sent_bodies(server)

    end = events[-1]
    assert end.type == "run_end" and end.finish_reason == "stop"
    assert end.steps == len(interactions) == len(sent)
    assert answer in end.text
    results = [event for event in events if event.type == "tool_result"]
    assert len(results) == len(interactions) - 1 and not any(result.is_error for result in results)
    for step in range(1, len(interactions)):
        assert shape(sent[step]) == shape(recorded[step]), f"request of step {step + 1}"
    # the call ids the model gave are the ones sent back with the results
    ids = [event.call_id for event in events if event.type == "tool_call"]
    assert [result.call_id for result in results] == ids
    for call_id in ids:
        assert str(sent[-1]).count(call_id) >= 2


def test_responses_reasoning_item_goes_back_before_its_call_with_the_final_encrypted_content() -> None:
    """The recorded step (a reasoning item with encrypted content, then a function call) is
    followed by a text answer; the second request must carry the reasoning item back."""
    from rillet.cassettes import load_cassette

    recording = SHARED / "openai_responses" / "pydanticai_responses_streaming_usage_fnargs.yaml"
    answer = load_cassette(REPO / "cassettes" / "openai" / "responses_scenario_text.yaml")[0].response
    done = [
        json.loads(line.removeprefix("data: "))["item"]
        for line in load_cassette(recording)[0].response.body.decode().splitlines()
        if line.startswith("data: ") and '"response.output_item.done"' in line
    ]

    def final_result(result: int) -> str:
        """The final response which ends this conversation"""
        return f"got {result}"

    with LoopbackServer() as server:
        serve_cassette(server, recording)
        server.queue(Reply(headers={"content-type": "text/event-stream"}, body=split_frames(answer.body)))
        model = rillet.get_model("openai-responses/gpt-5", key="test-key-not-secret", base_url=server.url)
        end = rillet.Agent(model, tools=[final_result]).run("Calculate 100 * 200 / 3")
        sent = sent_bodies(server)
    assert end.finish_reason == "stop" and end.steps == 2
    reasoning, call, output = sent[1]["input"][1:]
    assert reasoning == {"type": "reasoning", "id": done[0]["id"], "summary": [], "encrypted_content": done[0]["encrypted_content"]}
    assert call == {"type": "function_call", "call_id": done[1]["call_id"], "name": "final_result", "arguments": '{"result":6666}', "id": done[1]["id"]}
    assert output == {"type": "function_call_output", "call_id": done[1]["call_id"], "output": "got 6666"}
