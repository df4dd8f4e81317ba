"""rillet: stream chat completions from any LLM provider through plugins.

::

    import rillet
    model = rillet.get_model("openai/gpt-4o-mini")
    for event in model.stream_tokens("Why is the sky blue?"):
        if event.type == "token":
            print(event.text, end="", flush=True)

Names are imported on first use, so ``import rillet`` stays cheap for the CLI and for
provider discovery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._lazy import lazy_attribute

__version__ = "0.1.0"

_EXPORTS = {
    # agents
    "Agent": ".agent",
    "AgentRun": ".agent",
    "FunctionTool": ".agent",
    "RunEndEvent": ".agent",
    "StepEndEvent": ".agent",
    "StepStartEvent": ".agent",
    "ToolResultEvent": ".agent",
    # errors
    "AuthenticationError": "._errors",
    "BadRequestError": "._errors",
    "ConfigurationError": "._errors",
    "ConnectError": "._errors",
    "ContentFilterError": "._errors",
    "InvalidRequestError": "._errors",
    "LocalProtocolError": "._errors",
    "MissingKeyError": "._errors",
    "NotFoundError": "._errors",
    "OverloadedError": "._errors",
    "PermissionDeniedError": "._errors",
    "ProviderError": "._errors",
    "QuotaExceededError": "._errors",
    "RateLimitError": "._errors",
    "RemoteProtocolError": "._errors",
    "RilletError": "._errors",
    "ServerError": "._errors",
    "StreamError": "._errors",
    "StreamTimeoutError": "._errors",
    "TransportError": "._errors",
    "TruncatedStreamError": "._errors",
    "UnknownModelError": "._errors",
    "UnknownProviderError": "._errors",
    # plugin contract
    "Capabilities": "._providers",
    "ProviderInfo": "._providers",
    "hookimpl": ".hookspecs",
    "Decoder": "._decoding",
    "EventSequencer": "._decoding",
    "decode_chunks": "._decoding",
    "decode_response": "._decoding",
    "parse_tool_arguments": "._decoding",
    # messages and requests
    "ImagePart": "._messages",
    "Message": "._messages",
    "ReasoningPart": "._messages",
    "ServerToolPart": "._messages",
    "TextPart": "._messages",
    "ToolCallPart": "._messages",
    "ToolResultPart": "._messages",
    "ChatRequest": "._request",
    "Reasoning": "._request",
    "Tool": "._request",
    # events
    "ContentEvent": "._events",
    "EndEvent": "._events",
    "ErrorEvent": "._events",
    "Event": "._events",
    "ReasoningEvent": "._events",
    "ServerToolEvent": "._events",
    "StartEvent": "._events",
    "Timing": "._events",
    "TokenEvent": "._events",
    "ToolCallDeltaEvent": "._events",
    "ToolCallEvent": "._events",
    "ToolCallStartEvent": "._events",
    "Usage": "._events",
    "UsageEvent": "._events",
    "event_from_json": "._events",
    # aggregation and streaming
    "ChatResult": "._aggregate",
    "StreamAggregator": "._aggregate",
    "AggregatedStream": "._stream",
    "TokenStream": "._stream",
    "StreamOptions": "._transport",
    "StreamingChatModel": "._model",
    "Conversation": ".logs._conversation",
    "get_model": "._model",
    "providers": "._discovery",
    "register_plugin": "._discovery",
    "unregister_plugin": "._discovery",
}

# A literal list, so type checkers see each name as re-exported; a test checks that it
# lists exactly the names of _EXPORTS.
__all__ = [
    "Agent",
    "AgentRun",
    "AggregatedStream",
    "AuthenticationError",
    "BadRequestError",
    "Capabilities",
    "ChatRequest",
    "ChatResult",
    "ConfigurationError",
    "ConnectError",
    "ContentEvent",
    "ContentFilterError",
    "Conversation",
    "Decoder",
    "EndEvent",
    "ErrorEvent",
    "Event",
    "EventSequencer",
    "FunctionTool",
    "ImagePart",
    "InvalidRequestError",
    "LocalProtocolError",
    "Message",
    "MissingKeyError",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "ProviderError",
    "ProviderInfo",
    "QuotaExceededError",
    "RateLimitError",
    "Reasoning",
    "ReasoningEvent",
    "ReasoningPart",
    "RemoteProtocolError",
    "RilletError",
    "RunEndEvent",
    "ServerError",
    "ServerToolEvent",
    "ServerToolPart",
    "StartEvent",
    "StepEndEvent",
    "StepStartEvent",
    "StreamAggregator",
    "StreamError",
    "StreamOptions",
    "StreamTimeoutError",
    "StreamingChatModel",
    "TextPart",
    "Timing",
    "TokenEvent",
    "TokenStream",
    "Tool",
    "ToolCallDeltaEvent",
    "ToolCallEvent",
    "ToolCallPart",
    "ToolCallStartEvent",
    "ToolResultEvent",
    "ToolResultPart",
    "TransportError",
    "TruncatedStreamError",
    "UnknownModelError",
    "UnknownProviderError",
    "Usage",
    "UsageEvent",
    "__version__",
    "decode_chunks",
    "decode_response",
    "event_from_json",
    "get_model",
    "hookimpl",
    "parse_tool_arguments",
    "providers",
    "register_plugin",
    "unregister_plugin",
]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from ._aggregate import ChatResult, StreamAggregator
    from .agent import Agent, AgentRun, FunctionTool, RunEndEvent, StepEndEvent, StepStartEvent, ToolResultEvent
    from ._decoding import Decoder, EventSequencer, decode_chunks, decode_response, parse_tool_arguments
    from ._discovery import providers, register_plugin, unregister_plugin
    from ._errors import (
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        ConnectError,
        ContentFilterError,
        InvalidRequestError,
        LocalProtocolError,
        MissingKeyError,
        NotFoundError,
        OverloadedError,
        PermissionDeniedError,
        ProviderError,
        QuotaExceededError,
        RateLimitError,
        RemoteProtocolError,
        RilletError,
        ServerError,
        StreamError,
        StreamTimeoutError,
        TransportError,
        TruncatedStreamError,
        UnknownModelError,
        UnknownProviderError,
    )
    from ._events import (
        ContentEvent,
        EndEvent,
        ErrorEvent,
        Event,
        ReasoningEvent,
        ServerToolEvent,
        StartEvent,
        Timing,
        TokenEvent,
        ToolCallDeltaEvent,
        ToolCallEvent,
        ToolCallStartEvent,
        Usage,
        UsageEvent,
        event_from_json,
    )
    from ._messages import ImagePart, Message, ReasoningPart, ServerToolPart, TextPart, ToolCallPart, ToolResultPart
    from ._model import StreamingChatModel, get_model
    from ._providers import Capabilities, ProviderInfo
    from ._request import ChatRequest, Reasoning, Tool
    from ._stream import AggregatedStream, TokenStream
    from ._transport import StreamOptions
    from .hookspecs import hookimpl
    from .logs._conversation import Conversation
