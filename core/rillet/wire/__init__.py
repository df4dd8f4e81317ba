"""rillet events → each provider's wire format: the SSE writers under the gateway.

Sans-IO and framework-free: an encoder turns one rillet event into the complete SSE
frames of its format, ready to write and flush from any ASGI or WSGI app::

    from rillet.wire import OpenAIChatEncoder

    encoder = OpenAIChatEncoder(model="gpt-4o-mini", include_usage=True)
    for event in model.stream_tokens("hi"):
        send(encoder.encode(event))        # or: StreamingResponse(encoder.stream(events))

Three formats: OpenAI Chat Completions (:class:`OpenAIChatEncoder`), Anthropic Messages
(:class:`AnthropicMessagesEncoder`) and OpenAI Responses (:class:`OpenAIResponsesEncoder`).
Each also has a whole-response builder for ``stream: false`` and the error body to answer
with before the first byte; after it, an ``error`` event (a cut upstream included) is the
format's in-band error, never a clean end. :func:`keep_alive` is the comment to write while
the first token is slow. The request readers (:func:`read_chat_request`,
:func:`read_anthropic_request`, :func:`read_responses_request`) turn a client's request
body into a :class:`ClientRequest`, or raise :class:`rillet.InvalidRequestError` naming
the bad field.
"""

from __future__ import annotations

from ..framing import encode_sse_comment
from ._anthropic import AnthropicMessagesEncoder, anthropic_error_body, anthropic_message
from ._common import StreamEncoder
from ._openai_chat import OpenAIChatEncoder, chat_completion, chat_error_body
from ._openai_responses import OpenAIResponsesEncoder, responses_error_body, responses_response
from ._read_anthropic import read_anthropic_request
from ._read_openai_chat import read_chat_request
from ._read_openai_responses import read_responses_request
from ._reading import ClientRequest

__all__ = [
    "AnthropicMessagesEncoder",
    "ClientRequest",
    "OpenAIChatEncoder",
    "OpenAIResponsesEncoder",
    "StreamEncoder",
    "anthropic_error_body",
    "anthropic_message",
    "chat_completion",
    "chat_error_body",
    "keep_alive",
    "read_anthropic_request",
    "read_chat_request",
    "read_responses_request",
    "responses_error_body",
    "responses_response",
]


def keep_alive() -> bytes:
    """An SSE comment that every client skips: write it to keep a quiet stream open."""
    return encode_sse_comment("keep-alive")
