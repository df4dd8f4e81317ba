"""What a caller asks a model for: ``ChatRequest`` and its tools."""

from __future__ import annotations

from typing import Any, Literal, Sequence, Union

from pydantic import BaseModel, ConfigDict, Field

from ._messages import Message

__all__ = ["ChatRequest", "Prompt", "Reasoning", "Tool", "messages_from"]

#: What the ``stream_*`` methods take as a prompt: a string (one user message), a message,
#: or a list of messages (or their dict form).
Prompt = Union[str, Message, Sequence[Union[Message, dict[str, Any]]]]


class Tool(BaseModel):
    """A function the model may call; ``parameters`` is a JSON schema object."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class Reasoning(BaseModel):
    """How much the model should think: an ``effort`` level or a token ``budget``."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    effort: Literal["minimal", "low", "medium", "high"] | None = None
    budget_tokens: int | None = None


class ChatRequest(BaseModel):
    """A provider-neutral chat request.

    Plugins translate it to their wire format. ``extra`` carries provider-specific fields
    that are merged into the request body as given. ``context`` is for middleware (hook
    wrappers such as the logger) and is never sent to a provider: ``log`` (``False`` keeps
    this stream out of the log store), ``conversation_id`` (the conversation the stream
    belongs to), ``response_id`` (an id to record the stream under, e.g. the gateway's).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    messages: list[Message]
    tools: list[Tool] = Field(default_factory=list)
    tool_choice: Literal["auto", "none", "required"] | str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    seed: int | None = None
    reasoning: Reasoning | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)


def messages_from(prompt: Prompt, system: str | None = None) -> list[Message]:
    """Normalise a prompt string, a message or a list of messages/dicts to messages."""
    if isinstance(prompt, str):
        messages = [Message.user(prompt)]
    elif isinstance(prompt, Message):
        messages = [prompt]
    else:
        messages = [m if isinstance(m, Message) else Message.model_validate(m) for m in prompt]
    if system is not None:
        messages.insert(0, Message.system(system))
    return messages
