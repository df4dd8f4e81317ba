"""A minimal provider plugin for core tests: NDJSON lines of a made-up wire format.

``{"t": "text"}`` is a token, ``{"r": "text"}`` reasoning, ``{"done": "stop"}`` the end (with
``"usage": {…}``, the usage),
``{"error": "message", "code": "overloaded"}`` an in-band error.
"""

from __future__ import annotations

from typing import Any

import httpx

import rillet
from rillet.framing import NDJSONParser
from rillet.hookspecs import hookimpl

INFO = rillet.ProviderInfo(
    name="fake",
    description="test provider",
    models=("fake-1",),
    key_env_var="FAKE_API_KEY",
    default_base_url="http://127.0.0.1:9",
    capabilities=rillet.Capabilities(reasoning=True, usage_in_stream=True),
)


class FakeDecoder:
    def __init__(self) -> None:
        self.parser = NDJSONParser()
        self.started = False

    def feed(self, data: bytes) -> list[Any]:
        return self._events(self.parser.feed(data))

    def close(self) -> list[Any]:
        events = self._events(self.parser.close())
        return events + [rillet.ErrorEvent.from_exception(rillet.TruncatedStreamError("no done line"))]

    def _events(self, items: list[Any]) -> list[Any]:
        events: list[Any] = []
        for item in items:
            if not self.started:
                self.started = True
                events.append(rillet.StartEvent(provider="fake", model="fake-1", response_id=item.get("id")))
            if "t" in item:
                events.append(rillet.TokenEvent(text=item["t"]))
            elif "r" in item:
                events.append(rillet.ReasoningEvent(text=item["r"]))
            elif "done" in item:
                usage = rillet.Usage(**item["usage"]) if "usage" in item else None
                events.append(rillet.EndEvent(finish_reason=item["done"], raw_finish_reason=item["done"], usage=usage))
            elif "error" in item:
                cls = rillet._errors.error_class_for_code(item.get("code", "server"))
                events.append(rillet.ErrorEvent.from_exception(cls(item["error"])))
        return events


@hookimpl
def rillet_providers() -> list[rillet.ProviderInfo]:
    return [INFO]


@hookimpl
def stream_tokens(model: Any, request: Any) -> Any:
    if model.provider != "fake":
        return None
    key = model.require_key()
    body = {"model": model.name, "messages": [m.model_dump(mode="json") for m in request.messages], **request.extra}
    http_request = httpx.Request(
        "POST", model.url("chat"), json=body, headers={"authorization": f"Bearer {key}"}
    )
    return rillet.TokenStream(model, http_request, FakeDecoder)
