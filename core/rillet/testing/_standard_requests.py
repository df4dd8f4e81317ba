"""Standard live-scenario requests a plugin's conformance class can declare as they are."""

from __future__ import annotations

import base64

from .._request import ChatRequest, Tool
from .._messages import ImagePart, Message, TextPart

__all__ = ["GREETING", "IMAGE_QUESTION", "WEATHER_QUESTION"]

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

#: A one-pixel red PNG (69 bytes), the image of :data:`IMAGE_QUESTION`.
RED_PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)

#: A question about an image sent with it (for a plugin whose provider takes images).
IMAGE_QUESTION = ChatRequest(
    messages=[
        Message(
            "user",
            [TextPart(text="What colour is this image? One word."), ImagePart(media_type="image/png", data=RED_PIXEL_PNG)],
        )
    ]
)
