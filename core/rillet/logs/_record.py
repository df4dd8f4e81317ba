"""``StreamRecord``: one logged stream, as the store keeps it (one row)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from .._messages import Message

__all__ = ["COLUMNS", "Outcome", "StreamRecord"]

Outcome = Literal["complete", "error", "truncated", "cancelled"]


@dataclass(frozen=True)
class StreamRecord:
    """One stream: what was asked, what arrived (partial text included), and how it ended.

    Times are seconds (``started_at`` since the epoch). ``usage_estimated`` marks token
    counts rillet estimated because the provider reported none (a cancelled stream, say).
    ``request_json`` holds the messages, options and tools sent; ``response_json`` the
    assistant message as aggregated (tool calls and reasoning signatures included).
    """

    id: str
    started_at: float
    conversation_id: str
    response_id: str | None
    provider: str
    model: str
    response_model: str | None
    prompt: str
    request_json: str
    response_text: str
    reasoning_text: str
    tool_calls_json: str
    response_json: str
    input_tokens: int | None
    output_tokens: int | None
    reasoning_tokens: int | None
    cache_read_tokens: int | None
    cache_write_tokens: int | None
    usage_estimated: bool
    finish_reason: str | None
    raw_finish_reason: str | None
    time_to_first_token: float | None
    duration: float | None
    tokens_per_second: float | None
    outcome: Outcome
    error_code: str | None
    error_message: str | None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> StreamRecord:
        """A record from a row of :data:`COLUMNS`."""
        values = dict(zip(COLUMNS, row))
        values["usage_estimated"] = bool(values["usage_estimated"])
        return cls(**values)

    def row(self) -> tuple[Any, ...]:
        """The values in :data:`COLUMNS` order."""
        return tuple(int(value) if isinstance(value, bool) else value for value in (getattr(self, name) for name in COLUMNS))

    @property
    def request(self) -> dict[str, Any]:
        """The request sent: ``messages``, ``tools`` and options."""
        data: dict[str, Any] = json.loads(self.request_json)
        return data

    @property
    def messages(self) -> list[Message]:
        """The messages sent."""
        return [Message.model_validate(item) for item in self.request.get("messages", [])]

    @property
    def response_message(self) -> Message:
        """The assistant message that arrived (partial when the stream did not complete)."""
        return Message.model_validate_json(self.response_json)

    def to_json(self) -> dict[str, Any]:
        """The record as plain JSON data (``rillet logs --json``): the JSON columns parsed."""
        data = asdict(self)
        for name in ("request_json", "tool_calls_json", "response_json"):
            data[name.removesuffix("_json")] = json.loads(data.pop(name))
        return data


COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(StreamRecord))
