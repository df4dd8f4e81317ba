"""Standard live-scenario requests a plugin's conformance class can declare as they are."""

from __future__ import annotations

from .._request import ChatRequest, Tool
from .._messages import Message

__all__ = ["GREETING", "WEATHER_QUESTION"]

#: A short text answer: the first scenario every plugin records.
GREETING = "Say hello in three words."

#: A question the model answers with one call of a ``get_weather(city)`` tool.
WEATHER_QUESTION = ChatRequest(
    messages=[Message.user("What is the weather in Paris?")],
    tools=[
        Tool(
            name="get_weather",
            description="Current weather in a city.",
            parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        )
    ],
)
