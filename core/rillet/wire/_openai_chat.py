"""OpenAI Chat Completions: rillet events as ``chat.completion.chunk`` SSE, a ``ChatResult``
as a ``chat.completion``, an error as OpenAI's ``{"error": …}`` body.

The stream has choice 0, plus the alternatives of an ``n > 1`` answer (events whose
``choice`` is not 0), each opened with its own ``role`` delta: a first chunk with ``role``, then one chunk per
delta — ``content``, ``reasoning_content`` (the DeepSeek/vLLM field most clients read),
``tool_calls`` with the call's ``id`` and ``name`` in its first delta and a stable
``index`` counted from 0 — a chunk with the ``finish_reason``, the ``choices: []`` usage
chunk when ``include_usage`` was asked (and the provider reported usage), and
``data: [DONE]``. Reasoning signatures and redacted reasoning travel as OpenRouter's
``reasoning_details`` (``reasoning.text`` with a ``signature``, ``reasoning.encrypted``
with ``data``), the place OpenAI-compatible clients keep them to send back; a Gemini tool
call's thought signature travels in the call's ``extra_content.google.thought_signature``,
as Gemini's own OpenAI-compatible API sends it. An ``error`` event becomes
``data: {"error": …}`` with no ``[DONE]`` after it. Every event is written at once, in
any order: a ``tool_calls`` delta names its call by index, so the argument deltas of
parallel calls may interleave (the block formats hold them instead, see ``_blocks``).
"""

from __future__ import annotations

from typing import Any

from .._aggregate import ChatResult
from .._events import Usage
from .._messages import Message, ReasoningPart, TextPart, ToolCallPart
from ._common import StreamEncoder, arguments_text, dumps, error_status, is_refusal, new_id, now, sse_json

__all__ = [
    "OpenAIChatEncoder",
    "chat_completion",
    "chat_error_body",
    "chat_finish_reason",
    "chat_usage",
    "google_extra_content",
    "thought_signature_metadata",
]

_DONE = b"data: [DONE]\n\n"

#: Unified finish reason → ``finish_reason``. Chat Completions has no ``refusal`` or
#: ``other``: a refusal whose text came marked as one (OpenAI's own, see
#: :func:`is_refusal`) is written as ``refusal`` text and ``stop``, as OpenAI sends it;
#: another (Anthropic's) is the closest documented value, ``content_filter``; an unknown
#: reason is ``stop``, as OpenAI-compatible servers report it.
_FINISH_REASONS = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "content_filter": "content_filter",
    "refusal": "content_filter",
    "other": "stop",
}

#: rillet error code → OpenAI ``(type, code)``, chosen so OpenAI clients (and rillet's own
#: decoder) read the same kind of error back.
_ERRORS = {
    "bad_request": ("invalid_request_error", None),
    "authentication": ("invalid_request_error", "invalid_api_key"),
    "missing_key": ("invalid_request_error", "invalid_api_key"),
    "permission": ("permission_error", None),
    "not_found": ("invalid_request_error", "model_not_found"),
    "unknown_model": ("invalid_request_error", "model_not_found"),
    "unknown_provider": ("invalid_request_error", "model_not_found"),
    "content_filter": ("invalid_request_error", "content_filter"),
    "rate_limit": ("rate_limit_error", "rate_limit_exceeded"),
    "quota": ("insufficient_quota", "insufficient_quota"),
    "overloaded": ("overloaded_error", "overloaded_error"),
}


#: Where the gemini plugin keeps a tool call's thought signature in ``provider_metadata``.
_GEMINI = "gemini"


def google_extra_content(provider_metadata: dict[str, Any] | None) -> dict[str, Any] | None:
    """A tool call's ``extra_content`` carrying its Gemini thought signature, or ``None``.

    Gemini's OpenAI-compatible API sends the signature there
    (``extra_content.google.thought_signature``) and needs it back on the next turn.
    """
    metadata = (provider_metadata or {}).get(_GEMINI)
    signature = metadata.get("thought_signature") if isinstance(metadata, dict) else None
    return {"google": {"thought_signature": signature}} if isinstance(signature, str) and signature else None


def thought_signature_metadata(extra_content: Any) -> dict[str, Any] | None:
    """The ``provider_metadata`` for a tool call read with ``extra_content`` (the inverse
    of :func:`google_extra_content`)."""
    google = extra_content.get("google") if isinstance(extra_content, dict) else None
    signature = google.get("thought_signature") if isinstance(google, dict) else None
    return {_GEMINI: {"thought_signature": signature}} if isinstance(signature, str) and signature else None


def chat_finish_reason(finish_reason: str | None, refused: bool = False) -> str:
    """The Chat Completions ``finish_reason`` for a unified one (``refused``: the answer's
    text went out as ``refusal`` text, which OpenAI ends with ``stop``)."""
    if refused and finish_reason == "refusal":
        return "stop"
    return _FINISH_REASONS.get(finish_reason or "stop", "stop")



def chat_usage(usage: Usage) -> dict[str, Any]:
    """A Chat Completions ``usage`` object; counts rillet does not know are left out."""
    wire: dict[str, Any] = {}
    if usage.input_tokens is not None:
        wire["prompt_tokens"] = usage.input_tokens
    if usage.output_tokens is not None:
        wire["completion_tokens"] = usage.output_tokens
    if usage.input_tokens is not None and usage.output_tokens is not None:
        wire["total_tokens"] = usage.input_tokens + usage.output_tokens
    prompt_details = {}
    if usage.cache_read_tokens is not None:
        prompt_details["cached_tokens"] = usage.cache_read_tokens
    if usage.cache_write_tokens is not None:
        prompt_details["cache_write_tokens"] = usage.cache_write_tokens
    if prompt_details:
        wire["prompt_tokens_details"] = prompt_details
    if usage.reasoning_tokens is not None:
        wire["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return wire


def _error_object(error: Any) -> dict[str, Any]:
    kind, code = _ERRORS.get(str(error.code), ("server_error", "server_error"))
    code = getattr(error, "openai_code", code)  # an error with OpenAI's own code for it
    return {"message": error.message, "type": kind, "param": getattr(error, "field", None) or None, "code": code}


def chat_error_body(error: Any) -> tuple[int, dict[str, Any]]:
    """``(status, body)`` of the OpenAI error response for ``error`` (a ``RilletError`` or
    an ``error`` event), for failures before the first byte."""
    return error_status(error), {"error": _error_object(error)}


class OpenAIChatEncoder(StreamEncoder):
    """Writes one stream of rillet events as Chat Completions SSE (sans-IO).

    Args:
        model: the model name the chunks report (default: the ``start`` event's).
        include_usage: write the ``choices: []`` usage chunk before ``[DONE]``, as
            ``stream_options.include_usage`` asks.
        response_id: the chunks' ``id`` (default: the provider's response id, else a new one).
        created: the chunks' ``created`` Unix time (default: now, when the stream starts).
    """

    def __init__(
        self,
        *,
        model: str | None = None,
        include_usage: bool = False,
        response_id: str | None = None,
        created: int | None = None,
    ) -> None:
        self.model = model
        self.include_usage = include_usage
        self.response_id = response_id
        self.created = created
        self.finished = False
        self._started = False
        self._tools: dict[tuple[int, int], int] = {}  # (choice, rillet tool index) → wire index
        self._choices: dict[int, bool] = {0: False}  # the choices written, and whether each called a tool
        self._usage: Usage | None = None
        self._refused: set[int] = set()  # the choices whose text went out as refusal text
        self._prefix = b""  # every chunk's bytes up to its choices, once the stream started

    def encode(self, event: Any) -> bytes:
        """The SSE frames for ``event``; ``b""`` for events with none (``usage``, ``content``)."""
        if self.finished:
            return b""
        kind = event.type
        if kind == "token":
            if is_refusal(event.provider_metadata):
                self._refused.add(event.choice)
                return self._start_once(None) + self._chunk({"refusal": event.text}, choice=event.choice)
            return self._start_once(None) + self._chunk({"content": event.text}, choice=event.choice)
        if kind == "reasoning":
            return self._reasoning(event)
        if kind == "tool_call_start":
            return self._start_once(None) + self._tool_start(event.choice, event.index, event.call_id, event.name, "")
        if kind == "tool_call_delta":
            wire_index = self._tools.get((event.choice, event.index))
            if wire_index is None:
                return self._start_once(None) + self._tool_start(event.choice, event.index, "", "", event.arguments_delta)
            delta = {"tool_calls": [{"index": wire_index, "function": {"arguments": event.arguments_delta}}]}
            return self._chunk(delta, choice=event.choice)
        if kind == "tool_call":
            extra = google_extra_content(event.provider_metadata)
            wire_index = self._tools.get((event.choice, event.index))
            if wire_index is None:
                return self._start_once(None) + self._tool_start(
                    event.choice, event.index, event.call_id, event.name, event.raw_arguments, extra
                )
            if extra is None:
                return b""
            call = {"index": wire_index, "function": {"arguments": ""}, "extra_content": extra}
            return self._chunk({"tool_calls": [call]}, choice=event.choice)
        if kind == "usage":
            self._usage = event.usage
            return b""
        if kind == "start":
            return self._start_once(event)
        if kind == "end":
            return self._end(event)
        if kind == "error":
            self.finished = True
            return self._start_once(None) + sse_json({"error": _error_object(event)})
        return b""

    def _start_once(self, start: Any) -> bytes:
        if self._started:
            return b""
        self._started = True
        if self.model is None:
            self.model = start.model if start is not None else ""
        if self.response_id is None:
            provider_id = start.response_id if start is not None else None
            self.response_id = provider_id or new_id("chatcmpl-")
        if self.created is None:
            self.created = now()
        self._prefix = (
            f'data: {{"id":{dumps(self.response_id)},"object":"chat.completion.chunk",'
            f'"created":{self.created},"model":{dumps(self.model)},"choices":'
        ).encode()
        return self._chunk({"role": "assistant", "content": ""})

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None, *, choice: int = 0) -> bytes:
        if choice not in self._choices:  # an alternative answer (n > 1) begins: its role first
            self._choices[choice] = False
            delta = {"role": "assistant", **delta}
        wire = {"index": choice, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return self._prefix + f"[{dumps(wire)}]}}\n\n".encode()

    def _reasoning(self, event: Any) -> bytes:
        frames = self._start_once(None)
        if event.text:
            frames += self._chunk({"reasoning_content": event.text}, choice=event.choice)
        details = []
        if event.signature:
            details.append({"type": "reasoning.text", "signature": event.signature, "index": 0})
        if event.redacted and event.data:
            details.append({"type": "reasoning.encrypted", "data": event.data, "index": 0})
        if details:
            frames += self._chunk({"reasoning_details": details}, choice=event.choice)
        return frames

    def _tool_start(
        self, choice: int, index: int, call_id: str, name: str, arguments: str, extra: dict[str, Any] | None = None
    ) -> bytes:
        wire_index = sum(1 for seen, _ in self._tools if seen == choice)  # calls are counted per choice
        self._tools[(choice, index)] = wire_index
        call: dict[str, Any] = {
            "index": wire_index,
            "id": call_id or f"call_{wire_index}",
            "type": "function",
            "function": {"name": name, "arguments": arguments},
        }
        if extra is not None:
            call["extra_content"] = extra
        frames = self._chunk({"tool_calls": [call]}, choice=choice)
        self._choices[choice] = True
        return frames

    def _end(self, event: Any) -> bytes:
        self.finished = True
        frames = self._start_once(None) + self._chunk({}, chat_finish_reason(event.finish_reason, 0 in self._refused))
        for choice, called in self._choices.items():  # alternatives (n > 1) finish too
            if choice:
                reason = "tool_calls" if called else "stop" if event.finish_reason == "tool_calls" else event.finish_reason
                frames += self._chunk({}, chat_finish_reason(reason, choice in self._refused), choice=choice)
        usage = event.usage or self._usage
        if self.include_usage and usage is not None:
            frames += self._prefix + f"[],\"usage\":{dumps(chat_usage(usage))}}}\n\n".encode()
        return frames + _DONE


def chat_completion(
    result: ChatResult, *, model: str, response_id: str | None = None, created: int | None = None
) -> dict[str, Any]:
    """The ``chat.completion`` object (``stream: false``) for a finished ``result``.

    A failed result is answered with :func:`chat_error_body` instead.
    """
    finish = chat_finish_reason(result.finish_reason, _refusal_text(result.message) is not None)
    choices = [
        {"index": number, "message": _message(answer), "logprobs": None, "finish_reason": finish if number == 0 else _alternative_finish(answer, result)}
        for number, answer in enumerate(result.choices or [result.message])
    ]
    completion: dict[str, Any] = {
        "id": response_id or result.response_id or new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": now() if created is None else created,
        "model": model,
        "choices": choices,
    }
    if result.usage is not None:
        completion["usage"] = chat_usage(result.usage)
    return completion


def _alternative_finish(answer: Message, result: ChatResult) -> str:
    """An alternative answer's finish reason: only choice 0's is reported, so it is inferred."""
    if answer.tool_calls:
        return "tool_calls"
    return "stop" if result.finish_reason == "tool_calls" else chat_finish_reason(result.finish_reason, _refusal_text(answer) is not None)


def _refusal_text(answer: Message) -> str | None:
    """The answer's refusal text (its text parts marked as one), if it has any."""
    parts = [part.text for part in answer.content if isinstance(part, TextPart) and is_refusal(part.provider_metadata)]
    return "".join(parts) if parts else None


def _message(answer: Message) -> dict[str, Any]:
    """One answer as a ``chat.completion`` message."""
    message: dict[str, Any] = {"role": "assistant", "content": None}
    refusal = _refusal_text(answer)
    text = "".join(part.text for part in answer.content if isinstance(part, TextPart) and not is_refusal(part.provider_metadata))
    if text or (not answer.tool_calls and refusal is None):
        message["content"] = text
    if refusal is not None:
        message["refusal"] = refusal
    reasoning = [part for part in answer.content if isinstance(part, ReasoningPart)]
    if any(part.text for part in reasoning):
        message["reasoning_content"] = "".join(part.text for part in reasoning)
    details = [
        {"type": "reasoning.text", "text": part.text, "signature": part.signature, "index": number}
        if not part.redacted
        else {"type": "reasoning.encrypted", "data": part.data, "index": number}
        for number, part in enumerate(reasoning)
        if part.signature or (part.redacted and part.data)
    ]
    if details:
        message["reasoning_details"] = details
    calls = [part for part in answer.content if isinstance(part, ToolCallPart)]
    if calls:
        message["tool_calls"] = [_tool_call(call) for call in calls]
    return message


def _tool_call(call: ToolCallPart) -> dict[str, Any]:
    """A ``chat.completion`` message's tool call (with its Gemini signature, if it has one)."""
    wire: dict[str, Any] = {"id": call.call_id, "type": "function", "function": {"name": call.name, "arguments": arguments_text(call)}}
    extra = google_extra_content(call.provider_metadata)
    if extra is not None:
        wire["extra_content"] = extra
    return wire
