"""The three client formats the gateway speaks, as one table: how to read a request, write
a stream, build a whole answer and an error body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from .. import wire

if TYPE_CHECKING:
    from .._aggregate import ChatResult
    from ..wire import ClientRequest, StreamEncoder

__all__ = ["ANTHROPIC_MESSAGES", "FORMATS", "OPENAI_CHAT", "OPENAI_RESPONSES", "WireFormat"]


@dataclass(frozen=True)
class WireFormat:
    """One client-facing API format.

    Attributes:
        name: ``openai-chat``, ``anthropic-messages`` or ``openai-responses``.
        path: the route it is served on.
        read: request body (parsed JSON) → :class:`rillet.wire.ClientRequest`.
        encoder: ``(model name, client request)`` → a fresh stream encoder.
        whole: ``(result, client request)`` → the ``stream: false`` answer body.
        error_body: an error (exception or ``error`` event) → ``(status, body)``.
    """

    name: str
    path: str
    read: Callable[[Any], ClientRequest]
    encoder: Callable[[str, ClientRequest], StreamEncoder]
    whole: Callable[[ChatResult, ClientRequest], dict[str, Any]]
    error_body: Callable[[Any], tuple[int, dict[str, Any]]]


OPENAI_CHAT = WireFormat(
    name="openai-chat",
    path="/v1/chat/completions",
    read=wire.read_chat_request,
    encoder=lambda model, client: wire.OpenAIChatEncoder(model=model, include_usage=client.include_usage),
    whole=lambda result, client: wire.chat_completion(result, model=client.model),
    error_body=wire.chat_error_body,
)

ANTHROPIC_MESSAGES = WireFormat(
    name="anthropic-messages",
    path="/v1/messages",
    read=wire.read_anthropic_request,
    encoder=lambda model, client: wire.AnthropicMessagesEncoder(model=model),
    whole=lambda result, client: wire.anthropic_message(result, model=client.model),
    error_body=wire.anthropic_error_body,
)

OPENAI_RESPONSES = WireFormat(
    name="openai-responses",
    path="/v1/responses",
    read=wire.read_responses_request,
    encoder=lambda model, client: wire.OpenAIResponsesEncoder(model=model, response_id=client.response_id),
    whole=lambda result, client: wire.responses_response(result, model=client.model, response_id=client.response_id),
    error_body=wire.responses_error_body,
)

FORMATS = (OPENAI_CHAT, ANTHROPIC_MESSAGES, OPENAI_RESPONSES)
