"""The public plugin API: everything a provider plugin needs, in one place.

A plugin imports from here and from nothing else in rillet (``rillet.testing`` aside, in
its tests); our own four plugins do the same, and a test forbids ``rillet._…`` imports
under ``plugins/``. Names are imported on first use, so a plugin module that imports
``hookimpl``, ``ProviderInfo`` and ``Capabilities`` at its top level stays cheap for
``rillet providers``.

::

    from rillet.provider import Capabilities, ProviderInfo, TokenStream, hookimpl

    @hookimpl
    def rillet_providers() -> list[ProviderInfo]:
        return [ProviderInfo("acme", key_env_var="ACME_API_KEY", capabilities=Capabilities(tools=True))]

What is here, by concern:

- the contract: :func:`hookimpl`, :class:`ProviderInfo`, :class:`Capabilities`,
  :class:`StreamingChatModel`, :class:`ChatRequest` and its parts, :class:`TokenStream`,
  :class:`AggregatedStream`, the :class:`Decoder` protocol, :func:`join_url` (an endpoint
  under a base URL, its query string kept), :func:`json_post` (the JSON ``POST`` a stream
  sends) and :func:`redact_url` (a URL fit to show), :class:`UserProvider` and
  :func:`load_user_providers` (the servers a user added with ``rillet providers add``);
- events: every event class, :data:`Event`, :data:`FinishReason`, :class:`Usage`;
- errors: the whole hierarchy, :data:`ErrorCode`, the error table a plugin extends
  (:class:`ErrorMapping`, :func:`error_message`) and the helpers that read error payloads
  (:func:`error_from_response`, :func:`error_from_payload`, :func:`read_error`,
  :func:`error_payload`, :func:`parse_retry_after`, :func:`flat_headers`);
- framing: :class:`SSEParser`, :class:`NDJSONParser`, :class:`JSONArrayParser`,
  :class:`JSONBodyParser`, :class:`BodyKind`, :class:`LineSplitter`, :func:`quote_bytes`;
- decoding helpers: :func:`parse_tool_arguments`, :func:`read_tool_arguments`, :func:`decode_chunks`,
  :func:`decode_response`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._lazy import lazy_attribute

_EXPORTS = {
    # the contract
    "hookimpl": "rillet.hookspecs",
    "Capabilities": "rillet._providers",
    "ProviderInfo": "rillet._providers",
    "StreamingChatModel": "rillet._model",
    "ChatRequest": "rillet._request",
    "Reasoning": "rillet._request",
    "Tool": "rillet._request",
    "ImagePart": "rillet._messages",
    "Message": "rillet._messages",
    "ReasoningPart": "rillet._messages",
    "ServerToolPart": "rillet._messages",
    "TextPart": "rillet._messages",
    "ToolCallPart": "rillet._messages",
    "ToolResultPart": "rillet._messages",
    "TokenStream": "rillet._stream",
    "AggregatedStream": "rillet._stream",
    "StreamOptions": "rillet._transport",
    "join_url": "rillet._urls",
    "json_post": "rillet._json_post",
    "redact_url": "rillet._redaction",
    "Decoder": "rillet._decoding",
    "UserProvider": "rillet._user_providers",
    "load_user_providers": "rillet._user_providers",
    # decoding helpers
    "parse_tool_arguments": "rillet._decoding",
    "read_tool_arguments": "rillet._events",
    "decode_chunks": "rillet._decoding",
    "decode_response": "rillet._decoding",
    # events
    "ContentEvent": "rillet._events",
    "EndEvent": "rillet._events",
    "ErrorEvent": "rillet._events",
    "Event": "rillet._events",
    "FinishReason": "rillet._events",
    "ReasoningEvent": "rillet._events",
    "ServerToolEvent": "rillet._events",
    "StartEvent": "rillet._events",
    "Timing": "rillet._events",
    "TokenEvent": "rillet._events",
    "ToolCallDeltaEvent": "rillet._events",
    "ToolCallEvent": "rillet._events",
    "ToolCallStartEvent": "rillet._events",
    "Usage": "rillet._events",
    "UsageEvent": "rillet._events",
    # errors
    "AuthenticationError": "rillet._errors",
    "BadRequestError": "rillet._errors",
    "ConfigurationError": "rillet._errors",
    "ConnectError": "rillet._errors",
    "ContentFilterError": "rillet._errors",
    "ErrorCode": "rillet._errors",
    "LocalProtocolError": "rillet._errors",
    "MissingKeyError": "rillet._errors",
    "NotFoundError": "rillet._errors",
    "OverloadedError": "rillet._errors",
    "PermissionDeniedError": "rillet._errors",
    "ProviderError": "rillet._errors",
    "QuotaExceededError": "rillet._errors",
    "RateLimitError": "rillet._errors",
    "RemoteProtocolError": "rillet._errors",
    "RilletError": "rillet._errors",
    "ServerError": "rillet._errors",
    "StreamError": "rillet._errors",
    "StreamTimeoutError": "rillet._errors",
    "TransportError": "rillet._errors",
    "TruncatedStreamError": "rillet._errors",
    "UnknownModelError": "rillet._errors",
    "UnknownProviderError": "rillet._errors",
    # HTTP error responses
    "ErrorMapping": "rillet._error_mapping",
    "error_message": "rillet._error_mapping",
    "error_from_payload": "rillet._http_errors",
    "error_from_response": "rillet._http_errors",
    "error_payload": "rillet._http_errors",
    "flat_headers": "rillet._http_errors",
    "parse_retry_after": "rillet._http_errors",
    "read_error": "rillet._http_errors",
    # framing
    "BodyKind": "rillet.framing",
    "JSONArrayParser": "rillet.framing",
    "JSONBodyParser": "rillet.framing",
    "LineSplitter": "rillet.framing",
    "NDJSONParser": "rillet.framing",
    "SSEParser": "rillet.framing",
    "ServerSentEvent": "rillet.framing",
    "quote_bytes": "rillet.framing",
}

# A literal list, so type checkers see each name as re-exported; a test checks that it
# lists exactly the names of _EXPORTS.
__all__ = [
    "AggregatedStream",
    "AuthenticationError",
    "BadRequestError",
    "BodyKind",
    "Capabilities",
    "ChatRequest",
    "ConfigurationError",
    "ConnectError",
    "ContentEvent",
    "ContentFilterError",
    "Decoder",
    "EndEvent",
    "ErrorCode",
    "ErrorEvent",
    "ErrorMapping",
    "Event",
    "FinishReason",
    "ImagePart",
    "JSONArrayParser",
    "JSONBodyParser",
    "LineSplitter",
    "LocalProtocolError",
    "Message",
    "MissingKeyError",
    "NDJSONParser",
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
    "SSEParser",
    "ServerError",
    "ServerSentEvent",
    "ServerToolEvent",
    "ServerToolPart",
    "StartEvent",
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
    "ToolResultPart",
    "TransportError",
    "TruncatedStreamError",
    "UnknownModelError",
    "UnknownProviderError",
    "Usage",
    "UsageEvent",
    "UserProvider",
    "decode_chunks",
    "decode_response",
    "error_from_payload",
    "error_from_response",
    "error_message",
    "error_payload",
    "flat_headers",
    "hookimpl",
    "join_url",
    "json_post",
    "load_user_providers",
    "parse_retry_after",
    "parse_tool_arguments",
    "quote_bytes",
    "read_error",
    "read_tool_arguments",
    "redact_url",
]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from ._decoding import Decoder, decode_chunks, decode_response, parse_tool_arguments
    from ._errors import (
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        ConnectError,
        ContentFilterError,
        ErrorCode,
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
        FinishReason,
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
        read_tool_arguments,
    )
    from ._error_mapping import ErrorMapping, error_message
    from ._http_errors import (
        error_from_payload,
        error_from_response,
        error_payload,
        flat_headers,
        parse_retry_after,
        read_error,
    )
    from ._messages import ImagePart, Message, ReasoningPart, ServerToolPart, TextPart, ToolCallPart, ToolResultPart
    from ._model import StreamingChatModel
    from ._providers import Capabilities, ProviderInfo
    from ._request import ChatRequest, Reasoning, Tool
    from ._stream import AggregatedStream, TokenStream
    from ._redaction import redact_url
    from ._transport import StreamOptions
    from ._json_post import json_post
    from ._urls import join_url
    from ._user_providers import UserProvider, load_user_providers
    from .framing import (
        BodyKind,
        JSONArrayParser,
        JSONBodyParser,
        LineSplitter,
        NDJSONParser,
        ServerSentEvent,
        SSEParser,
        quote_bytes,
    )
    from .hookspecs import hookimpl
