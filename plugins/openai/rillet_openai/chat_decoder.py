"""``ChatCompletionsDecoder``: Chat Completions SSE (``chat.completion.chunk``) to rillet events.

Sans-IO: feed it the response body in chunks of any size. It understands OpenAI's stream
and the dialects of OpenAI-compatible servers:

* ``delta.content`` → ``token``; a list of typed parts (Mistral's reasoning models) gives a
  ``token`` per ``text`` part and a ``reasoning`` event per ``thinking`` part (whose
  ``thinking`` is a string or its own list of text parts);
* every event of choice ``n`` carries ``choice=n``: with ``n > 1`` the alternatives stay apart
  (choice 0 is the message, the others go to ``ChatResult.choices``);
* ``delta.refusal`` → ``token`` as well (the refusal *is* the answer the user sees), marked
  ``provider_metadata={"openai": {"refusal": True}}`` so an OpenAI encoder writes it back as
  a refusal, and the choice's ``finish_reason: stop`` becomes the unified ``refusal`` (raw
  ``stop`` kept);
* ``delta.reasoning_content`` (DeepSeek, Z.ai, older vLLM) and ``delta.reasoning`` (OpenRouter,
  vLLM ≥ 0.10, Groq) → ``reasoning`` (a string, or a list of parts like ``content``); OpenRouter's ``reasoning_details`` keep their
  ``signature`` / encrypted ``data`` and, at the end of the choice, the whole merged list in
  ``provider_metadata["reasoning_details"]`` so it can be sent back;
* ``delta.tool_calls`` → ``tool_call_start`` / ``tool_call_delta``; the finished ``tool_call``
  comes when the choice's ``finish_reason`` arrives (or at ``[DONE]``), never earlier. A
  missing ``index`` means the call last started in that choice (0 if none); a new ``id`` on an
  index already in use starts a new call (servers that send every whole call at index 0);
* ``usage`` on any chunk (the ``choices: []`` chunk of ``stream_options.include_usage``, or
  inline on a chunk that still has choices) → ``usage``; ``usage: null`` is ignored;
* ``{"error": …}`` frames and ``event: error`` → ``error`` with the typed code;
* ``data: [DONE]`` → ``end``. Without ``[DONE]`` the body still ends cleanly when every choice
  has its ``finish_reason`` and the usage arrived (or was not asked for); otherwise ``close()``
  reports ``truncated``.

The answer to a non-streaming request is one ``chat.completion`` object instead, whose
``choices[].message`` is read like one big delta, so both shapes give the same events. The
body's first byte tells which it is (``whole_body`` is only the first guess).
"""

from __future__ import annotations

from json import JSONDecodeError, loads
from typing import Any

from rillet.provider import RemoteProtocolError, RilletError, TruncatedStreamError
from rillet.provider import (
    EndEvent,
    ErrorEvent,
    Event,
    FinishReason,
    ReasoningEvent,
    StartEvent,
    TokenEvent,
    ToolCallDeltaEvent,
    ToolCallEvent,
    ToolCallStartEvent,
    Usage,
    UsageEvent,
)
from rillet.provider import BodyKind, JSONBodyParser, SSEParser
from rillet.provider import quote_bytes

from .chat_errors import error_from_response, openai_error
from .chat_wire import TEXT_FIELDS, FrameTemplate, completion_as_chunk, content_parts, scanstring, usage_from_wire
from .finish_reasons import unified_finish_reason

#: How refusal text is marked (the OpenAI encoders of ``rillet.wire`` write it as a refusal).
REFUSAL = {"openai": {"refusal": True}}

__all__ = ["ChatCompletionsDecoder", "usage_from_wire"]


class _Call:
    __slots__ = ("index", "choice", "call_id", "name", "chunks")

    def __init__(self, index: int, choice: int, call_id: str, name: str) -> None:
        self.index = index
        self.choice = choice
        self.call_id = call_id
        self.name = name
        self.chunks: list[str] = []


class _Choice:
    __slots__ = ("finish", "calls", "by_wire", "last_wire", "refused", "reasoning_field", "details")

    def __init__(self) -> None:
        self.finish: str | None = None
        self.calls: list[_Call] = []
        self.by_wire: dict[Any, _Call] = {}
        self.last_wire: Any = 0
        self.refused = False
        self.reasoning_field: str | None = None
        self.details: list[dict[str, Any]] | None = None


class ChatCompletionsDecoder:
    """Incremental decoder for a Chat Completions stream (sans-IO).

    Args:
        provider: the provider name put on ``start`` and in error messages.
        include_usage: whether the request asked for ``stream_options.include_usage``; a body
            without ``[DONE]`` then only ends cleanly once the usage has arrived.
        model: the requested model, used when the stream does not name one.
        whole_body: expect the answer to a non-streaming request (one ``chat.completion``
            JSON object) rather than an SSE stream; the body's first byte settles it.
    """

    __slots__ = (
        "provider", "include_usage", "model", "_sse", "_kind", "_body", "_started", "_done", "_choices", "_usage", "_calls",
        "_template", "_misses",
    )

    def __init__(
        self, provider: str = "openai", *, include_usage: bool = True, model: str = "", whole_body: bool = False
    ) -> None:
        self.provider = provider
        self.include_usage = include_usage
        self.model = model
        self._sse = SSEParser()
        self._kind = BodyKind(whole_body)
        self._body = JSONBodyParser()
        self._started = False
        self._done = False
        self._choices: dict[int, _Choice] = {}
        self._usage: Usage | None = None
        self._calls = 0  # tool calls started so far, across choices
        self._template: FrameTemplate | None = None
        self._misses = 0

    # public -------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[Event]:
        """Decode more of the body; return the events it completes."""
        if self._done:
            return []
        if not self._kind.known:
            data = self._kind.feed(data)
        if self._kind.json:
            return self._body.feed(data)
        frames = self._sse.feed(data)
        if not frames:
            return []
        return self._frames(frames, False)

    def close(self) -> list[Event]:
        """The body ended: flush the last frame, then ``end`` or a ``truncated`` error."""
        if self._done:
            return []
        if self._kind.json:
            return self._whole_body(self._body)
        out = self._frames(self._sse.close(), True)
        if self._done:
            return out
        missing = self._missing()
        if missing is None:
            out += self._finish()
        else:
            self._done = True
            out.append(ErrorEvent.from_exception(TruncatedStreamError(
                f"the {self.provider} stream ended without data: [DONE] and {missing}; "
                "the answer is incomplete — retry the request",
                provider=self.provider,
            )))
        return out

    def error_from_response(self, status: int, headers: Any, body: bytes) -> RilletError:
        """The typed error for an HTTP error response (see :mod:`rillet_openai.chat_errors`)."""
        return error_from_response(status, headers, body, self.provider)

    # frames -------------------------------------------------------------------------

    def _frames(self, frames: list[Any], at_close: bool) -> list[Event]:
        out: list[Event] = []
        for frame in frames:
            data = frame.data
            if frame.event != "message":
                if frame.event == "error":
                    self._error_frame(data, out)
                    break
                continue  # unknown event types are not ours to judge
            template = self._template
            if template is not None:
                text = template.match(data)
                if text is not None:
                    if text:
                        out.append(template.event(text=text, choice=template.index))
                    continue
            if data == "[DONE]":
                out += self._finish()
                break
            try:
                chunk = loads(data)
            except JSONDecodeError as exc:
                self._fail(out, data, at_close, exc.msg)
                break
            if type(chunk) is not dict:
                self._fail(out, data, at_close, "not a JSON object")
                break
            self._chunk(chunk, out)
            if self._done:
                break
            if self._misses < 16 and len(chunk.get("choices") or ()) == 1:
                self._learn(data, chunk)
        return out

    def _chunk(self, chunk: dict[str, Any], out: list[Any]) -> None:
        """One ``chat.completion.chunk`` object: its choices, usage and in-band error."""
        if not self._started:
            self._start(chunk, out)
        choices = chunk.get("choices")
        if choices:
            for choice in choices:
                self._choice(choice, out)
        usage = chunk.get("usage")
        if usage:
            self._usage = usage = usage_from_wire(usage)
            out.append(UsageEvent(usage=usage))
        error = chunk.get("error")
        if error:
            self._done = True
            out.append(ErrorEvent.from_exception(openai_error(chunk, self.provider)))

    def _whole_body(self, body: JSONBodyParser) -> list[Any]:
        """A non-streaming answer: the ``chat.completion`` object read as one chunk."""
        out: list[Any] = []
        try:
            completion = body.close()
            if completion is None:
                raise TruncatedStreamError(f"the {self.provider} answer has an empty body")
        except RilletError as error:
            self._done = True
            if error.provider is None:
                error.provider = self.provider
            out.append(ErrorEvent.from_exception(error))
            return out
        chunk = completion_as_chunk(completion)
        if chunk is None:
            self._fail(out, repr(completion)[:200], False, "not a chat.completion object")
            return out
        self._chunk(chunk, out)
        if not self._done:
            out += self._finish()
        return out

    def _learn(self, data: str, chunk: dict[str, Any]) -> None:
        """Make a simple one-choice text frame the fast-path template (see ``FrameTemplate``)."""
        self._misses += 1
        if chunk.get("usage") or chunk.get("error"):
            return
        choice = chunk["choices"][0]
        delta = choice.get("delta") if type(choice) is dict else None
        if type(delta) is not dict or choice.get("finish_reason") or delta.get("tool_calls"):
            return
        if delta.get("refusal") or delta.get("reasoning_details"):
            return
        fields = [name for name in TEXT_FIELDS if delta.get(name)]
        if len(fields) != 1 or type(delta[fields[0]]) is not str:
            return
        field = fields[0]
        index = choice.get("index") or 0
        state = self._choices.get(index)
        if state is None or state.finish is not None:
            return
        if field == "content":
            event: Any = TokenEvent
        elif state.reasoning_field == field:
            event = ReasoningEvent
        else:
            return
        key = f'"{field}":'
        if data.count(key) != 1:
            return
        position = data.find(key) + len(key)
        while data[position : position + 1] in (" ", "\t"):
            position += 1
        if data[position : position + 1] != '"':
            return
        try:
            text, end = scanstring(data, position + 1)
        except ValueError:
            return
        if text == delta[field]:
            self._template = FrameTemplate(data[: position + 1], data[end:], event, index)

    def _start(self, chunk: dict[str, Any], out: list[Event]) -> None:
        self._started = True
        out.append(StartEvent(provider=self.provider, model=chunk.get("model") or self.model, response_id=chunk.get("id")))

    def _fail(self, out: list[Event], data: str, at_close: bool, why: str) -> None:
        self._done = True
        shown = quote_bytes(data.encode("utf-8"))
        if at_close:  # the last frame was cut off with the body
            error: RilletError = TruncatedStreamError(
                f"the {self.provider} stream ended inside a frame: {shown}", provider=self.provider
            )
        else:
            error = RemoteProtocolError(
                f"{self.provider} sent a malformed stream frame ({why}): {shown}", provider=self.provider
            )
        out.append(ErrorEvent.from_exception(error))

    def _error_frame(self, data: str, out: list[Event]) -> None:
        self._done = True
        try:
            payload: Any = loads(data) if data else None
        except ValueError:
            payload = data
        if not self._started:
            self._start(payload if isinstance(payload, dict) else {}, out)
        out.append(ErrorEvent.from_exception(openai_error(payload, self.provider)))

    # choices ------------------------------------------------------------------------

    def _choice(self, choice: dict[str, Any], out: list[Event]) -> None:
        index = choice.get("index") or 0
        state = self._choices.get(index)
        if state is None:
            state = self._choices[index] = _Choice()
        delta = choice.get("delta")
        if delta and state.finish is None:
            content = delta.get("content")
            if content:
                if type(content) is str:
                    out.append(TokenEvent(text=content, choice=index))
                else:
                    self._content_parts(state, index, content, "content", out)
            if "tool_calls" in delta:
                calls = delta["tool_calls"]
                if calls:
                    for call in calls:
                        self._tool_delta(state, index, call, out)
            reasoning = delta.get("reasoning_content")
            field = "reasoning_content"
            if not reasoning:
                reasoning = delta.get("reasoning")
                field = "reasoning"
            if reasoning and type(reasoning) is str:
                self._reasoning(state, index, reasoning, field, out)
            elif reasoning and type(reasoning) is list:
                self._content_parts(state, index, reasoning, field, out, text_is_reasoning=True)
            else:
                reasoning = None
            details = delta.get("reasoning_details")
            if details:
                self._details(state, index, details, reasoning is None, out)
            refusal = delta.get("refusal")
            if refusal:
                state.refused = True
                out.append(TokenEvent(text=refusal, choice=index, provider_metadata=REFUSAL))
        finish = choice.get("finish_reason")
        if finish and state.finish is None:
            state.finish = finish
            self._close_choice(state, index, out)

    def _content_parts(
        self, state: _Choice, index: int, parts: Any, field: str, out: list[Any], *, text_is_reasoning: bool = False
    ) -> None:
        """A list of typed parts in ``field``: ``text`` parts are answer text (reasoning when
        the list sits in a reasoning field), ``thinking`` parts reasoning."""
        for kind, text in content_parts(parts):
            if kind == "thinking" or text_is_reasoning:
                self._reasoning(state, index, text, field, out)
            else:
                out.append(TokenEvent(text=text, choice=index))

    def _reasoning(self, state: _Choice, index: int, text: str, field: str, out: list[Any]) -> None:
        if state.reasoning_field is None:
            state.reasoning_field = field
            out.append(ReasoningEvent(text=text, choice=index, provider_metadata={"reasoning_field": field}))
        else:
            out.append(ReasoningEvent(text=text, choice=index))

    def _details(self, state: _Choice, index: int, details: Any, want_text: bool, out: list[Event]) -> None:
        """OpenRouter ``reasoning_details``: text (when no plain field carried it), signatures,
        encrypted blobs; merged per (type, index) for sending back."""
        if type(details) is not list:
            return
        merged = state.details
        if merged is None:
            merged = state.details = []
        for item in details:
            if type(item) is not dict:
                continue
            kind = item.get("type")
            text = item.get("text") if kind == "reasoning.text" else item.get("summary")
            if want_text and isinstance(text, str) and text:
                out.append(ReasoningEvent(text=text, choice=index))
            signature = item.get("signature")
            if signature:
                out.append(ReasoningEvent(choice=index, signature=signature))
            data = item.get("data")
            if kind == "reasoning.encrypted" and data:
                out.append(ReasoningEvent(choice=index, redacted=True, data=data))
            last = merged[-1] if merged else None
            if last is not None and last.get("type") == kind and last.get("index") == item.get("index"):
                for key, value in item.items():
                    if key in ("text", "summary") and isinstance(value, str):
                        last[key] = (last.get(key) or "") + value
                    elif value not in (None, ""):
                        last[key] = value
            else:
                merged.append({k: v for k, v in item.items() if v is not None})

    def _tool_delta(self, state: _Choice, choice: int, wire: dict[str, Any], out: list[Any]) -> None:
        wire_index = wire.get("index")
        if wire_index is None:
            wire_index = state.last_wire
        call_id = wire.get("id")
        function = wire.get("function") or {}
        name = function.get("name")
        call = state.by_wire.get(wire_index)
        if call is None or (call_id and call_id != call.call_id):
            index = self._calls
            self._calls += 1
            call = _Call(index, choice, call_id or f"call_{index}", name or "")
            state.by_wire[wire_index] = call
            state.calls.append(call)
            out.append(ToolCallStartEvent(index=index, choice=choice, call_id=call.call_id, name=call.name))
        elif name and not call.name:
            call.name = name
        state.last_wire = wire_index
        arguments = function.get("arguments")
        if arguments:
            if type(arguments) is not str:  # a server that sends the arguments as an object
                from json import dumps

                arguments = dumps(arguments)
            call.chunks.append(arguments)
            out.append(ToolCallDeltaEvent(index=call.index, choice=choice, arguments_delta=arguments))

    def _close_choice(self, state: _Choice, index: int, out: list[Event]) -> None:
        """The choice finished: its tool calls are complete; hand over reasoning details."""
        for call in state.calls:
            out.append(ToolCallEvent.finished(
                index=call.index, choice=index, call_id=call.call_id, name=call.name, raw_arguments="".join(call.chunks)
            ))
        state.calls = []
        self._template = None
        if state.details:
            out.append(ReasoningEvent(choice=index, provider_metadata={"reasoning_details": state.details}))
            state.details = None

    # the end ------------------------------------------------------------------------

    def _missing(self) -> str | None:
        """What a body without ``[DONE]`` lacks to count as complete (``None``: nothing)."""
        if not self._choices:
            return "before any choice"
        for index, state in sorted(self._choices.items()):
            if state.finish is None:
                return f"before the finish_reason of choice {index}"
        if self.include_usage and self._usage is None:
            return "before the usage chunk that stream_options.include_usage asks for"
        return None

    def _finish(self) -> list[Event]:
        self._done = True
        out: list[Event] = []
        for index, state in sorted(self._choices.items()):
            if state.finish is None:
                self._close_choice(state, index, out)
        raw = None
        unified: FinishReason = "other"
        if self._choices:
            index = min(self._choices)
            state = self._choices[index]
            raw = state.finish
            has_calls = bool(state.by_wire)
            unified = unified_finish_reason(raw, has_tool_calls=has_calls, refused=state.refused)
            if raw is None and has_calls:
                unified = "tool_calls"
        out.append(EndEvent(finish_reason=unified, raw_finish_reason=raw, usage=self._usage))
        return out
