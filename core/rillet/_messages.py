"""Chat messages: what is sent to a model and what a stream aggregates into."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "Message",
    "Part",
    "ReasoningPart",
    "ServerToolPart",
    "TextPart",
    "ToolCallPart",
    "ToolResultPart",
]

Role = Literal["system", "user", "assistant", "tool"]


class TextPart(BaseModel):
    """Plain text; ``provider_metadata`` keeps what a provider attached to it (Anthropic
    ``citations``)."""

    model_config = ConfigDict(frozen=True)
    type: Literal["text"] = "text"
    text: str
    provider_metadata: dict[str, Any] | None = Field(default=None, exclude_if=lambda value: value is None)


class ReasoningPart(BaseModel):
    """Model reasoning ("thinking"), kept whole so it can be sent back on the next turn.

    ``signature`` is the provider's integrity token (Anthropic ``signature``, Gemini
    ``thoughtSignature``, OpenRouter ``reasoning_details``); ``redacted`` marks reasoning the
    provider returned only in encrypted form, carried in ``data``.
    """

    model_config = ConfigDict(frozen=True)
    type: Literal["reasoning"] = "reasoning"
    text: str = ""
    signature: str | None = None
    redacted: bool = False
    data: str | None = None
    provider_metadata: dict[str, Any] | None = None


class ToolCallPart(BaseModel):
    """A call the model asked for: ``arguments`` parsed from ``raw_arguments`` (JSON text).

    ``arguments_error`` says why ``arguments`` is ``None`` when the text is not JSON.
    """

    model_config = ConfigDict(frozen=True)
    type: Literal["tool_call"] = "tool_call"
    call_id: str
    name: str
    arguments: Any = None
    raw_arguments: str = ""
    arguments_error: str | None = Field(default=None, exclude_if=lambda value: value is None)
    provider_metadata: dict[str, Any] | None = None


class ServerToolPart(BaseModel):
    """A tool the provider ran itself, its call or its result (see ``ServerToolEvent``);
    kept so it can be sent back on the next turn."""

    model_config = ConfigDict(frozen=True)
    type: Literal["server_tool"] = "server_tool"
    kind: Literal["call", "result"]
    call_id: str = ""
    name: str = ""
    arguments: Any = None
    content: Any = None
    provider_metadata: dict[str, Any] | None = None


class ToolResultPart(BaseModel):
    """The result of a tool call, sent back to the model in a ``tool`` message."""

    model_config = ConfigDict(frozen=True)
    type: Literal["tool_result"] = "tool_result"
    call_id: str
    content: str
    name: str | None = None
    is_error: bool = False


Part = Annotated[
    Union[TextPart, ReasoningPart, ToolCallPart, ToolResultPart, ServerToolPart], Field(discriminator="type")
]


class Message(BaseModel):
    """One chat message: a role and an ordered list of parts.

    A plain string is accepted for ``content`` and becomes one ``TextPart``.
    """

    model_config = ConfigDict(frozen=True)
    role: Role
    content: list[Part] = Field(default_factory=list)

    def __init__(self, role: Role, content: str | list[Any] | None = None, **data: Any) -> None:
        super().__init__(role=role, content=content or [], **data)

    @field_validator("content", mode="before")
    @classmethod
    def _text_to_parts(cls, value: Any) -> Any:
        return [TextPart(text=value)] if isinstance(value, str) else value

    @classmethod
    def system(cls, text: str) -> Message:
        """A system message."""
        return cls("system", text)

    @classmethod
    def user(cls, text: str) -> Message:
        """A user message."""
        return cls("user", text)

    @classmethod
    def assistant(cls, text: str) -> Message:
        """An assistant message with only text."""
        return cls("assistant", text)

    @classmethod
    def tool_result(cls, call_id: str, content: str, *, is_error: bool = False) -> Message:
        """A ``tool`` message answering the call ``call_id``."""
        return cls("tool", [ToolResultPart(call_id=call_id, content=content, is_error=is_error)])

    @property
    def text(self) -> str:
        """All text parts joined, in order."""
        return "".join(part.text for part in self.content if isinstance(part, TextPart))

    @property
    def reasoning(self) -> str:
        """All reasoning text joined, in order."""
        return "".join(part.text for part in self.content if isinstance(part, ReasoningPart))

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        """The tool calls, in order."""
        return [part for part in self.content if isinstance(part, ToolCallPart)]
