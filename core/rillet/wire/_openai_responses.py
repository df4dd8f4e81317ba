"""OpenAI Responses: rillet events as the Responses SSE stream, a ``ChatResult`` as a
``response`` object, an error as OpenAI's error body.

The stream is ``response.created`` and ``response.in_progress``, then output items one at
a time — a ``message`` (``response.output_text.delta``), a ``reasoning`` item
(``response.reasoning_summary_text.delta``; redacted reasoning as its
``encrypted_content``) or a ``function_call`` (``response.function_call_arguments.delta``)
— each with its ``added`` / ``done`` events, then ``response.completed`` (or
``response.incomplete`` when the answer was cut by the token limit or a filter). Every
event has a ``sequence_number``. An ``error`` event becomes ``response.failed``. Events
of other items that come while a function call's item is unfinished are held and written,
in order, when it is done (the rule is in ``_blocks``).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from .._aggregate import ChatResult
from .._events import Usage
from .._messages import ReasoningPart, TextPart, ToolCallPart
from ._blocks import BlockEncoder
from ._common import arguments_text, is_refusal, new_id, now, sse_json
from ._openai_chat import chat_error_body

__all__ = ["OpenAIResponsesEncoder", "responses_error_body", "responses_response", "responses_usage"]

#: Unified finish reason → ``incomplete_details.reason`` (the others are ``completed``).
_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}

#: rillet error code → the ``code`` of a failed response's ``error``, one of the API's
#: documented values (anything else is a ``server_error``; the message says what it was).
_ERROR_CODES = {
    "rate_limit": "rate_limit_exceeded",
    "bad_request": "invalid_prompt",
    "content_filter": "invalid_prompt",
}


def responses_usage(usage: Usage) -> dict[str, Any]:
    """A Responses ``usage`` object (unknown counts are 0: the format requires numbers)."""
    input_tokens, output_tokens = usage.input_tokens or 0, usage.output_tokens or 0
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {
            "cached_tokens": usage.cache_read_tokens or 0,
            "cache_write_tokens": usage.cache_write_tokens or 0,
        },
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens or 0},
        "total_tokens": input_tokens + output_tokens,
    }


def responses_error_body(error: Any) -> tuple[int, dict[str, Any]]:
    """``(status, body)`` of the error response for ``error`` before the first byte: the
    Responses API answers errors with the same body as Chat Completions."""
    return chat_error_body(error)


def _item_id(prefix: str, response_id: str, output_index: int) -> str:
    """The id of output item ``output_index``: derived from the response id, so the same
    events always give the same bytes."""
    return f"{prefix}_{output_index}_{response_id}"


def _message_item(item_id: str, text: str, status: str = "completed", *, refusal: bool = False) -> dict[str, Any]:
    part = _refusal_part(text) if refusal else {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
    return {"id": item_id, "type": "message", "status": status, "role": "assistant", "content": [part]}


def _refusal_part(text: str) -> dict[str, Any]:
    """A message's ``refusal`` content part (OpenAI's refusal, where the SDKs look for it)."""
    return {"type": "refusal", "refusal": text}


def _reasoning_item(item_id: str, text: str, encrypted: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id, "type": "reasoning", "summary": []}
    if text:
        item["summary"].append({"type": "summary_text", "text": text})
    if encrypted:
        item["encrypted_content"] = encrypted
    return item


def _function_item(item_id: str, call_id: str, name: str, arguments: str, status: str = "completed") -> dict[str, Any]:
    return {"id": item_id, "type": "function_call", "status": status, "call_id": call_id, "name": name, "arguments": arguments}


def _response(
    response_id: str, model: str, created: int, status: str, output: list[dict[str, Any]], usage: Usage | None
) -> dict[str, Any]:
    return {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": responses_usage(usage) if usage is not None else None,
    }


def _status(finish_reason: str | None) -> tuple[str, dict[str, str] | None]:
    reason = _INCOMPLETE.get(finish_reason or "")
    return ("incomplete", {"reason": reason}) if reason else ("completed", None)


class OpenAIResponsesEncoder(BlockEncoder):
    """Writes one stream of rillet events as the OpenAI Responses SSE stream (sans-IO).

    Args:
        model: the model name the response reports (default: the ``start`` event's).
        response_id: the response ``id`` (default: the provider's response id, else a new one).
        created: the ``created_at`` Unix time (default: now, when the stream starts).
    """

    def __init__(self, *, model: str | None = None, response_id: str | None = None, created: int | None = None) -> None:
        super().__init__()
        self.model = model
        self.response_id = response_id
        self.created = created
        self._sequence = 0
        self._output: list[dict[str, Any]] = []  # the finished items
        self._item: dict[str, Any] = {}  # the open item
        self._chunks: list[str] = []  # its text or arguments so far
        self._summary_open = False
        self._refusal = False  # the open message holds OpenAI refusal text

    # frames -------------------------------------------------------------------------------

    def _event(self, kind: str, fields: dict[str, Any]) -> bytes:
        frame = sse_json({"type": kind, "sequence_number": self._sequence, **fields}, kind)
        self._sequence += 1
        return frame

    def _item_event(self, kind: str, fields: dict[str, Any]) -> bytes:
        return self._event(kind, {"item_id": self._item["id"], "output_index": len(self._output), **fields})

    def _item_id(self, prefix: str) -> str:
        return _item_id(prefix, self.response_id or "", len(self._output))

    def _snapshot(self, status: str) -> dict[str, Any]:
        return _response(self.response_id or "", self.model or "", self.created or 0, status, list(self._output), self.usage)

    # the block walk -----------------------------------------------------------------------

    def _begin(self, start: Any) -> bytes:
        if self.model is None:
            self.model = start.model if start is not None else ""
        if self.response_id is None:
            self.response_id = (start.response_id if start is not None else None) or new_id("resp_")
        if self.created is None:
            self.created = now()
        snapshot = self._snapshot("in_progress")
        return self._event("response.created", {"response": snapshot}) + self._event(
            "response.in_progress", {"response": snapshot}
        )

    def _open(self, kind: str, call_id: str, name: str) -> bytes:
        self._chunks = []
        self._summary_open = False
        if kind in ("text", "refusal"):
            self._refusal = kind == "refusal"
            self._item = {"id": self._item_id("msg"), "type": "message", "status": "in_progress", "role": "assistant", "content": []}
            part = _refusal_part("") if self._refusal else {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            added = self._event("response.output_item.added", {"output_index": len(self._output), "item": self._item})
            return added + self._item_event("response.content_part.added", {"content_index": 0, "part": part})
        if kind == "reasoning":
            self._item = {"id": self._item_id("rs"), "type": "reasoning", "summary": []}
        else:
            item_id = self._item_id("fc")
            self._item = _function_item(item_id, call_id or f"call_{item_id}", name, "", "in_progress")
        return self._event("response.output_item.added", {"output_index": len(self._output), "item": dict(self._item)})

    def _text(self, text: str) -> bytes:
        self._chunks.append(text)
        if self._refusal:
            return self._item_event("response.refusal.delta", {"content_index": 0, "delta": text})
        return self._item_event("response.output_text.delta", {"content_index": 0, "delta": text, "logprobs": []})

    def _reasoning_text(self, text: str) -> bytes:
        frames = b""
        if not self._summary_open:
            self._summary_open = True
            part = {"type": "summary_text", "text": ""}
            frames = self._item_event("response.reasoning_summary_part.added", {"summary_index": 0, "part": part})
        self._chunks.append(text)
        return frames + self._item_event("response.reasoning_summary_text.delta", {"summary_index": 0, "delta": text})

    def _signature(self, signature: str) -> bytes:
        return b""  # another provider's signature has no place in a Responses item

    def _arguments(self, arguments: str) -> bytes:
        if not arguments:
            return b""
        self._chunks.append(arguments)
        return self._item_event("response.function_call_arguments.delta", {"delta": arguments})

    def _reasoning_data(self, event: Any) -> bytes:
        frames = self._enter("reasoning", event.index)
        self._item["encrypted_content"] = event.data
        return frames

    def _close(self) -> bytes:
        text = "".join(self._chunks)
        item, kind = self._item, self._item["type"]
        if kind == "message":
            done = _message_item(item["id"], text, refusal=self._refusal)
            part = done["content"][0]
            if self._refusal:
                frames = self._item_event("response.refusal.done", {"content_index": 0, "refusal": text})
            else:
                frames = self._item_event("response.output_text.done", {"content_index": 0, "text": text, "logprobs": []})
            frames += self._item_event("response.content_part.done", {"content_index": 0, "part": part})
        elif kind == "reasoning":
            done = _reasoning_item(item["id"], text, item.get("encrypted_content"))
            frames = b""
            if self._summary_open:
                part = {"type": "summary_text", "text": text}
                frames += self._item_event("response.reasoning_summary_text.done", {"summary_index": 0, "text": text})
                frames += self._item_event("response.reasoning_summary_part.done", {"summary_index": 0, "part": part})
        else:
            done = _function_item(item["id"], item["call_id"], item["name"], text)
            frames = self._item_event("response.function_call_arguments.done", {"arguments": text})
        frames += self._event("response.output_item.done", {"output_index": len(self._output), "item": done})
        self._output.append(done)
        return frames

    def _finish(self, end: Any) -> bytes:
        status, details = _status(end.finish_reason)
        response = self._snapshot(status)
        response["incomplete_details"] = details
        return self._event(f"response.{status}", {"response": response})

    def _fail(self, error: Any) -> bytes:
        frames = self._leave()  # the partial item is kept, in the failed response's output too
        response = self._snapshot("failed")
        response["error"] = {"code": _ERROR_CODES.get(str(error.code), "server_error"), "message": error.message}
        return frames + self._event("response.failed", {"response": response})


def responses_response(
    result: ChatResult, *, model: str, response_id: str | None = None, created: int | None = None
) -> dict[str, Any]:
    """The Responses ``response`` object (``stream: false``) for a finished ``result``.

    A failed result is answered with :func:`responses_error_body` instead.
    """
    response_id = response_id or result.response_id or new_id("resp_")
    output: list[dict[str, Any]] = []
    for part in result.message.content:
        item_id = partial(_item_id, response_id=response_id, output_index=len(output))
        if isinstance(part, TextPart) and part.text:
            output.append(_message_item(item_id("msg"), part.text, refusal=is_refusal(part.provider_metadata)))
        elif isinstance(part, ReasoningPart) and (part.text or part.redacted):
            output.append(_reasoning_item(item_id("rs"), part.text, part.data if part.redacted else None))
        elif isinstance(part, ToolCallPart):
            output.append(_function_item(item_id("fc"), part.call_id, part.name, arguments_text(part)))
    status, details = _status(result.finish_reason)
    response = _response(response_id, model, now() if created is None else created, status, output, result.usage)
    response["incomplete_details"] = details
    return response
