"""Python functions as tools: schemas from hints and docstrings, validation, results."""

from __future__ import annotations

import asyncio
from typing import Literal

import pytest
from pydantic import BaseModel

import rillet
from rillet.agent import FunctionTool
from rillet.agent._tools import result_text


def get_weather(city: str, unit: Literal["C", "F"] = "C", days: list[int] | None = None) -> str:
    """The current weather in a city.

    More text about it.

    Args:
        city: The city's name,
            in English.
            note: not a code.
        unit (str): Celsius or Fahrenheit.

    Returns:
        A sentence.
    """
    return f"{city}: 21 {unit} {days}"


def test_schema_comes_from_hints_defaults_and_docstring() -> None:
    tool = FunctionTool(get_weather).tool
    assert tool.name == "get_weather"
    assert tool.description == "The current weather in a city.\n\nMore text about it."
    assert tool.parameters["required"] == ["city"]
    properties = tool.parameters["properties"]
    assert properties["city"] == {"type": "string", "description": "The city's name, in English. note: not a code."}
    assert properties["unit"] == {"enum": ["C", "F"], "type": "string", "default": "C", "description": "Celsius or Fahrenheit."}
    assert properties["days"]["anyOf"][0] == {"type": "array", "items": {"type": "integer"}}
    assert tool.parameters["additionalProperties"] is False
    assert "title" not in tool.parameters


def test_arguments_are_validated_and_coerced_before_the_call() -> None:
    tool = FunctionTool(get_weather)
    assert tool.run({"city": "Paris", "days": ["1", 2]}).content == "Paris: 21 C [1, 2]"
    missing = tool.run({})
    assert missing.is_error and missing.content == "invalid arguments for get_weather: city: Field required"
    wrong = tool.run({"city": "Paris", "unit": "K", "extra": 1})
    assert wrong.is_error and "unit: Input should be 'C' or 'F'" in wrong.content and "extra: Extra inputs" in wrong.content
    assert tool.run([1]).content == "invalid arguments for get_weather: expected a JSON object, got [1]"


def test_results_are_text_or_json() -> None:
    class Point(BaseModel):
        x: int

    assert result_text("plain") == "plain"
    assert result_text({"a": [1, 2.5, None]}) == '{"a":[1,2.5,null]}'
    assert result_text(Point(x=1)) == '{"x":1}'
    assert result_text(object()).startswith('"<object object')  # not JSON: its str(), as a JSON string


def test_async_tools_run_in_sync_and_async_runs() -> None:
    async def add(a: int, b: int) -> int:
        """Add."""
        await asyncio.sleep(0)
        return a + b

    tool = FunctionTool(add)
    assert tool.run({"a": 1, "b": "2"}).content == "3"
    assert asyncio.run(tool.arun({"a": 1, "b": 2})).content == "3"


def test_an_exception_in_a_tool_becomes_an_error_result() -> None:
    def broken() -> None:
        """Fails."""
        raise KeyError("missing")

    outcome = FunctionTool(broken).run({})
    assert outcome.is_error and outcome.content == "the tool raised KeyError: 'missing'"
    assert asyncio.run(FunctionTool(broken).arun({})).content == outcome.content


def test_functions_that_cannot_be_described_are_refused() -> None:
    def variadic(*values: int) -> int:
        return sum(values)

    with pytest.raises(rillet.ConfigurationError, match=r"\*values"):
        FunctionTool(variadic)
    with pytest.raises(rillet.ConfigurationError, match="share the name 'get_weather'"):
        rillet.Agent(rillet.get_model("replay/demo"), tools=[get_weather, get_weather])
    with pytest.raises(rillet.ConfigurationError, match="must be a function"):
        rillet.Agent(rillet.get_model("replay/demo"), tools=["get_weather"])  # type: ignore[list-item]


def test_name_and_description_can_be_given() -> None:
    tool = FunctionTool(get_weather, name="weather", description="Weather.").tool
    assert (tool.name, tool.description) == ("weather", "Weather.")


def test_an_async_tool_in_a_sync_run_inside_an_event_loop_says_what_to_do() -> None:
    async def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    async def inside_a_loop() -> object:
        return FunctionTool(add).run({"a": 1, "b": 2})

    outcome = asyncio.run(inside_a_loop())
    assert outcome.is_error and outcome.content == "add is an async function and an event loop is running: use agent.astream()"  # type: ignore[attr-defined]
