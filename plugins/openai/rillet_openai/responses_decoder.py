"""Decode an OpenAI Responses API event stream (``POST /responses`` with ``stream: true``).

The body is SSE; each ``data:`` frame is one JSON event whose ``type`` says what it is
(https://platform.openai.com/docs/api-reference/responses-streaming). The mapping:

* ``response.created`` (or whatever frame comes first) → ``start`` with the response id and
  model;
* ``response.output_text.delta`` and ``response.refusal.delta`` → ``token`` (refusal text
  marked ``provider_metadata={"openai": {"refusal": True}}``);
  ``response.reasoning_summary_text.delta`` and ``response.reasoning_text.delta`` →
  ``reasoning``. Every (output item, content/summary part) pair gets its own stable block
  ``index``, numbered in order of appearance from 0;
* a ``reasoning`` item's ``response.output_item.done`` → ``reasoning`` events carrying the
  item id (``provider_metadata["openai"]``) and its ``encrypted_content`` (in ``data``), so
  the request builder can send the item back on the next turn;
* a ``function_call`` item: ``response.output_item.added`` → ``tool_call_start``,
  ``response.function_call_arguments.delta`` → ``tool_call_delta``, its
  ``response.output_item.done`` → ``tool_call`` (tool indices count calls from 0);
* ``response.completed`` / ``response.incomplete`` → ``usage`` then ``end``;
  ``response.failed`` and ``error`` frames → a typed ``error``.

Unknown event types are ignored: the API keeps adding them (web search, code interpreter …).

The answer to a non-streaming request is one ``response`` object instead, read as the
``response.output_item.done`` of each output item and the terminal frame of its
``status``, so both shapes give the same events. The body's first byte tells which it is
(``whole_body`` is only the first guess).
"""

from __future__ import annotations

import json
from typing import Any

from rillet.provider import (
    EndEvent, ErrorEvent, Event, FinishReason, ReasoningEvent, StartEvent, TokenEvent, ToolCallDeltaEvent, ToolCallEvent,
    ToolCallStartEvent, Usage, UsageEvent,
)
from rillet.provider import BodyKind, JSONBodyParser, RemoteProtocolError, RilletError, ServerSentEvent, SSEParser, TruncatedStreamError

from .chat_decoder import REFUSAL
from .chat_errors import ERRORS, openai_error
from .responses_request import METADATA_KEY

__all__ = ["ResponsesDecoder", "error_for_code", "unified_finish_reason"]

_INCOMPLETE_REASONS: dict[str, FinishReason] = {"max_output_tokens": "length", "content_filter": "content_filter"}

#: Error codes that are bad requests whatever follows (``invalid_prompt``, ``image_too_large`` …).
_BAD_REQUEST_PREFIXES = ("invalid_", "image_", "unsupported_", "empty_", "failed_to_")


def unified_finish_reason(status: str, incomplete_reason: str | None, *, has_tool_calls: bool, refused: bool) -> FinishReason:
    """The unified finish reason of a finished response.

    ``incomplete`` responses map their ``incomplete_details.reason``
    (``max_output_tokens`` → ``length``, ``content_filter`` → ``content_filter``, else
    ``other``); a ``completed`` one is ``tool_calls`` when it called a function,
    ``refusal`` when it streamed refusal text, else ``stop``.
    """
    if status == "incomplete":
        return _INCOMPLETE_REASONS.get(incomplete_reason or "", "other")
    if status != "completed":
        return "other"
    if has_tool_calls:
        return "tool_calls"
    return "refusal" if refused else "stop"


def error_for_code(code: Any, message: str, *, provider: str, raw: Any = None) -> RilletError:
    """The typed error for a ``response.failed`` error or an ``error`` frame.

    Codes the core knows map to their class (``rate_limit_exceeded`` → ``RateLimitError``,
    ``server_error`` → ``ServerError`` …); other ``invalid_*`` / ``image_*`` codes are bad
    requests; anything else is a server error.
    """
    unknown = ERRORS.kind_class(str(code)) is None
    kinds = ("invalid_request_error",) if unknown and str(code).startswith(_BAD_REQUEST_PREFIXES) else ()
    return openai_error({"error": {"code": code, "message": message}}, provider, kinds=kinds, raw=raw)


class _FunctionCall:
    __slots__ = ("index", "item_id", "call_id", "name", "chunks", "final_arguments", "finished")

    def __init__(self, index: int, item_id: str, call_id: str, name: str) -> None:
        self.index, self.item_id, self.call_id, self.name = index, item_id, call_id, name
        self.chunks: list[str] = []
        self.final_arguments: str | None = None
        self.finished = False


class ResponsesDecoder:
    """Incremental decoder of a Responses API SSE body (sans-IO).

    ``feed(bytes)`` returns the rillet events the bytes complete; ``close()`` at the end of
    the body returns the rest, ending with a ``truncated`` error when no
    ``response.completed`` / ``response.incomplete`` / ``response.failed`` arrived.
    ``whole_body=True`` expects a non-streaming answer (one ``response`` object); the body's
    first byte settles it.
    """

    def __init__(self, provider: str = "openai-responses", *, whole_body: bool = False) -> None:
        self.provider = provider
        self._sse = SSEParser()
        self._kind = BodyKind(whole_body)
        self._body = JSONBodyParser()
        self._started = False
        self._finished = False
        self._blocks: dict[tuple[int, str, int], int] = {}
        self._item_blocks: dict[int, list[tuple[int, str, int]]] = {}
        self._calls: dict[int, _FunctionCall] = {}
        self._calls_by_item: dict[str, _FunctionCall] = {}
        self._refused = False

    # -- the Decoder protocol -------------------------------------------------------------

    def feed(self, data: bytes) -> list[Event]:
        """Decode more of the body."""
        if self._finished:
            return []
        if not self._kind.known:
            data = self._kind.feed(data)
        if self._kind.json:
            return self._body.feed(data)
        return self._frames(self._sse.feed(data))

    def close(self) -> list[Event]:
        """The body ended: the last events, or a ``truncated`` error if it ended early."""
        if self._finished:
            return []
        if self._kind.json:
            events: list[Any] = []
            try:
                frames = _response_as_frames(self._body.close())
            except RilletError as error:
                frames = []
                error.provider = self.provider
                if not isinstance(error, TruncatedStreamError):
                    self._fail(events, error)
            events += self._frames(frames)
        else:
            events = self._frames(self._sse.close(), at_close=True)
        if not self._finished:
            self._fail(events, TruncatedStreamError(
                f"the {self.provider} stream ended before response.completed (or response.incomplete / "
                "response.failed): the answer is incomplete — retry the request",
                provider=self.provider,
            ))
        return events

    # -- frames -----------------------------------------------------------------------------

    def _frames(self, frames: list[Any], at_close: bool = False) -> list[Event]:
        events: list[Event] = []
        for frame in frames:
            data = frame.data
            if data == "[DONE]":
                continue
            try:
                payload = json.loads(data)
            except ValueError:
                payload = None
            try:
                if not isinstance(payload, dict):
                    if at_close:  # the body stopped inside this frame
                        raise TruncatedStreamError(
                            f"the {self.provider} stream ended inside a frame: {data[-200:]!r} — retry the request"
                        )
                    raise RemoteProtocolError(f"{self.provider} sent a frame that is not a JSON object: {data[:200]!r}")
                self._frame(payload, frame.event, events)
            except RilletError as error:
                error.provider = self.provider
                self._fail(events, error)
            except (ValueError, TypeError, AttributeError) as exc:  # JSON of an unexpected shape
                self._fail(events, RemoteProtocolError(
                    f"{self.provider} sent a frame rillet cannot read ({exc}): {data[:200]!r}", provider=self.provider
                ))
            if self._finished:
                break
        return events

    def _fail(self, events: list[Event], error: RilletError) -> None:
        if not self._started:
            events.append(self._start({}))
        events.append(ErrorEvent.from_exception(error))
        self._finished = True

    def _frame(self, payload: dict[str, Any], sse_event: str, events: list[Event]) -> None:
        kind = payload.get("type") or sse_event
        if not self._started:
            events.append(self._start(payload))
        if kind == "response.output_text.delta":
            events.append(TokenEvent(text=payload.get("delta") or "", index=self._block(payload, "text", "content_index")))
        elif kind == "response.function_call_arguments.delta":
            self._arguments_delta(payload, events)
        elif kind == "response.reasoning_summary_text.delta":
            index = self._block(payload, "summary", "summary_index")
            events.append(ReasoningEvent(text=payload.get("delta") or "", index=index))
        elif kind == "response.reasoning_text.delta":
            index = self._block(payload, "reasoning_text", "content_index")
            events.append(ReasoningEvent(text=payload.get("delta") or "", index=index))
        elif kind == "response.refusal.delta":
            self._refused = True
            index = self._block(payload, "refusal", "content_index")
            events.append(TokenEvent(text=payload.get("delta") or "", index=index, provider_metadata=REFUSAL))
        elif kind == "response.output_item.added":
            self._item_added(payload, events)
        elif kind == "response.output_item.done":
            self._item_done(payload, events)
        elif kind == "response.function_call_arguments.done":
            call = self._call_for(payload)
            if call is not None and isinstance(payload.get("arguments"), str):
                call.final_arguments = payload["arguments"]
        elif kind in ("response.completed", "response.incomplete"):
            self._finish(payload.get("response") or {}, events)
        elif kind == "response.failed":
            self._failed(payload.get("response") or {}, events)
        elif kind == "error" or (kind in (None, "message") and "error" in payload):
            self._error_frame(payload, events)

    def _start(self, payload: dict[str, Any]) -> StartEvent:
        self._started = True
        response = payload.get("response")
        if not isinstance(response, dict):
            response = {}
        return StartEvent(
            provider=self.provider, model=response.get("model") or "", response_id=response.get("id") or None
        )

    # -- blocks -----------------------------------------------------------------------------

    def _block(self, payload: dict[str, Any], kind: str, part_field: str) -> int:
        return self._block_for(payload.get("output_index") or 0, kind, payload.get(part_field) or 0)

    def _block_for(self, output_index: int, kind: str, number: int) -> int:
        key = (output_index, kind, number)
        index = self._blocks.get(key)
        if index is None:
            index = self._blocks[key] = len(self._blocks)
            self._item_blocks.setdefault(output_index, []).append(key)
        return index

    # -- output items -----------------------------------------------------------------------

    def _item_added(self, payload: dict[str, Any], events: list[Event]) -> None:
        item = payload.get("item") or {}
        if item.get("type") != "function_call":
            return
        output_index = payload.get("output_index") or 0
        if output_index in self._calls:
            return
        call = _FunctionCall(len(self._calls), item.get("id") or "", item.get("call_id") or "", item.get("name") or "")
        self._calls[output_index] = call
        if call.item_id:
            self._calls_by_item[call.item_id] = call
        events.append(ToolCallStartEvent(index=call.index, call_id=call.call_id, name=call.name))
        arguments = item.get("arguments")
        if arguments:  # a server that sends the whole call at once
            call.chunks.append(arguments)
            events.append(ToolCallDeltaEvent(index=call.index, arguments_delta=arguments))

    def _call_for(self, payload: dict[str, Any]) -> _FunctionCall | None:
        call = self._calls.get(payload.get("output_index") or 0)
        item_id = payload.get("item_id")
        if item_id and (call is None or call.item_id != item_id):
            call = self._calls_by_item.get(item_id, call)
        return call

    def _arguments_delta(self, payload: dict[str, Any], events: list[Event]) -> None:
        call = self._call_for(payload)
        delta = payload.get("delta") or ""
        if call is None:
            raise RemoteProtocolError(
                f"{self.provider} sent function call arguments for an item it never announced: "
                f"{json.dumps(payload)[:200]!r}",
                provider=self.provider,
            )
        if delta and not call.finished:
            call.chunks.append(delta)
            events.append(ToolCallDeltaEvent(index=call.index, arguments_delta=delta))

    def _item_done(self, payload: dict[str, Any], events: list[Event]) -> None:
        item = payload.get("item") or {}
        kind = item.get("type")
        output_index = payload.get("output_index") or 0
        if kind == "function_call":
            call = self._calls.get(output_index)
            if call is None:  # never announced: treat the done item as the whole call
                self._item_added(payload, events)
                call = self._calls[output_index]
            if isinstance(item.get("arguments"), str):
                call.final_arguments = item["arguments"]
            self._finish_call(call, events)
        elif kind == "reasoning":
            self._reasoning_done(item, output_index, events)
        elif kind == "message":
            self._message_done(item, output_index, events)

    def _finish_call(self, call: _FunctionCall, events: list[Event]) -> None:
        if call.finished:
            return
        call.finished = True
        if not call.chunks and call.final_arguments:
            call.chunks.append(call.final_arguments)
            events.append(ToolCallDeltaEvent(index=call.index, arguments_delta=call.final_arguments))
        events.append(ToolCallEvent.finished(
            index=call.index,
            call_id=call.call_id,
            name=call.name,
            raw_arguments="".join(call.chunks),
            provider_metadata={METADATA_KEY: {"item_id": call.item_id}} if call.item_id else None,
        ))

    def _reasoning_done(self, item: dict[str, Any], output_index: int, events: list[Event]) -> None:
        item_id = item.get("id") or ""
        encrypted = item.get("encrypted_content") or None
        parts = [("summary", i, part) for i, part in enumerate(item.get("summary") or [])]
        parts += [("reasoning_text", i, part) for i, part in enumerate(item.get("content") or [])]
        keys = [key for key in self._item_blocks.get(output_index, ()) if key[1] in ("summary", "reasoning_text")]
        for kind, number, part in parts:  # parts the server never streamed as deltas
            key = (output_index, kind, number)
            if key not in self._blocks and isinstance(part, dict) and part.get("text"):
                keys.append(key)
                events.append(ReasoningEvent(text=part["text"], index=self._block_for(output_index, kind, number)))
        if not keys:  # no readable reasoning: one empty part still carries the item back
            keys.append((output_index, "summary", 0))
            self._block_for(output_index, "summary", 0)
        for position, key in enumerate(keys):
            meta = {"item_id": item_id, "kind": key[1], "part_index": key[2]}
            events.append(ReasoningEvent(
                index=self._blocks[key],
                data=encrypted if position == 0 else None,
                redacted=encrypted is not None and not parts,
                provider_metadata={METADATA_KEY: meta},
            ))

    def _message_done(self, item: dict[str, Any], output_index: int, events: list[Event]) -> None:
        for number, part in enumerate(item.get("content") or []):  # parts never streamed as deltas
            if not isinstance(part, dict):
                continue
            kind = "refusal" if part.get("type") == "refusal" else "text"
            text = part.get("refusal") if kind == "refusal" else part.get("text")
            if text and (output_index, kind, number) not in self._blocks:
                self._refused = self._refused or kind == "refusal"
                marked = REFUSAL if kind == "refusal" else None
                events.append(TokenEvent(text=text, index=self._block_for(output_index, kind, number), provider_metadata=marked))

    # -- terminal frames ----------------------------------------------------------------------

    def _usage(self, response: dict[str, Any]) -> Usage | None:
        usage = response.get("usage")
        if not isinstance(usage, dict):
            return None
        input_details = usage.get("input_tokens_details") or {}
        output_details = usage.get("output_tokens_details") or {}
        return Usage(
            input_tokens=usage.get("input_tokens"),
            output_tokens=usage.get("output_tokens"),
            reasoning_tokens=output_details.get("reasoning_tokens"),
            cache_read_tokens=input_details.get("cached_tokens"),
        )

    def _finish(self, response: dict[str, Any], events: list[Event]) -> None:
        status = response.get("status") or "completed"
        details = response.get("incomplete_details") or {}
        reason = details.get("reason") if isinstance(details, dict) else None
        for call in self._calls.values():  # calls whose output_item.done never came
            self._finish_call(call, events)
        usage = self._usage(response)
        if usage is not None:
            events.append(UsageEvent(usage=usage))
        events.append(EndEvent(
            finish_reason=unified_finish_reason(
                status, reason, has_tool_calls=bool(self._calls), refused=self._refused
            ),
            raw_finish_reason=reason or status,
            usage=usage,
        ))
        self._finished = True

    def _failed(self, response: dict[str, Any], events: list[Event]) -> None:
        usage = self._usage(response)
        if usage is not None:
            events.append(UsageEvent(usage=usage))
        error = response.get("error")
        if not isinstance(error, dict):
            error = {}
        self._fail(events, error_for_code(
            error.get("code"), error.get("message") or "the response failed", provider=self.provider, raw=response
        ))

    def _error_frame(self, payload: dict[str, Any], events: list[Event]) -> None:
        error = payload.get("error")
        if not isinstance(error, dict):
            error = payload
        code = error.get("code") or error.get("type")
        self._fail(events, error_for_code(code, error.get("message") or "", provider=self.provider, raw=payload))


def _response_as_frames(response: Any) -> list[ServerSentEvent]:
    """A non-streaming answer as the frames that would have streamed it: ``response.created``,
    ``response.output_item.done`` per output item, then the frame of its ``status``
    (``response.failed`` for ``failed``, else ``response.completed`` / ``response.incomplete``).
    An ``{"error": …}`` body is the ``error`` frame; an empty body gives no frame (truncated)."""
    if response is None:
        return []
    if not isinstance(response, dict) or "error" in response and "output" not in response:
        return [ServerSentEvent("error", json.dumps(response if isinstance(response, dict) else {"error": response}))]
    payloads: list[dict[str, Any]] = [{"type": "response.created", "response": response}]
    for number, item in enumerate(response.get("output") or []):
        payloads.append({"type": "response.output_item.done", "output_index": number, "item": item})
    status = response.get("status")
    terminal = {"failed": "response.failed", "incomplete": "response.incomplete"}.get(str(status), "response.completed")
    payloads.append({"type": terminal, "response": response})
    return [ServerSentEvent("message", json.dumps(payload)) for payload in payloads]
