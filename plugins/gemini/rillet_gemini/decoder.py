"""Incremental, I/O-free decoder of Gemini's ``streamGenerateContent`` response.

Wire format (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent):
a stream of ``GenerateContentResponse`` objects, framed either as SSE ``data:`` events
(``?alt=sse``; Google separates them with CRLF) or, without ``alt=sse``, as one JSON array
whose elements arrive one by one. Each object carries ``candidates[0].content.parts`` —
``text`` parts, ``thought: true`` text parts (reasoning summaries), whole ``functionCall``
parts (no ids) — any of them with a ``thoughtSignature`` — plus a running
``usageMetadata``, ``modelVersion`` and ``responseId``. The last one has the candidate's
``finishReason``. A blocked prompt is an object with ``promptFeedback.blockReason`` and no
candidates; a failure mid-stream is an ``{"error": {…}}`` object.

Gemini has no terminal marker besides ``finishReason``: the stream ends cleanly at
``close()`` if one was seen (and, for the array framing, the array was closed).

The framing asked for is a first guess: the body's first byte settles it (``[`` a JSON
array, ``{`` one object, a field name or ``:`` SSE), so a URL whose query string says it in
an unexpected way still decodes.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from rillet.provider import ContentFilterError, RemoteProtocolError, RilletError, TruncatedStreamError
from rillet.provider import (
    EndEvent,
    ErrorEvent,
    Event,
    ReasoningEvent,
    StartEvent,
    TokenEvent,
    ToolCallDeltaEvent,
    ToolCallEvent,
    ToolCallStartEvent,
    Usage,
    UsageEvent,
)
from rillet.provider import BodyKind, JSONArrayParser, JSONBodyParser, SSEParser

from .errors import ERRORS, error_from_response, gemini_error
from .finish_reasons import finish_reason

__all__ = ["METADATA_KEY", "Framing", "GeminiDecoder"]

#: Key of the ``provider_metadata`` this plugin writes on reasoning and tool-call events.
#: Tool calls: ``{"gemini": {"thought_signature": "…"}}`` (the signature of the
#: ``functionCall`` part). Reasoning: ``{"gemini": {"signature_on": "thought" | "next"}}``
#: says whether the signature came on the thought part itself or on the part after it.
METADATA_KEY = "gemini"

Framing = Literal["sse", "json_array", "json"]

_THOUGHT, _TEXT, _CALL = "thought", "text", "call"
_ON_NEXT = {METADATA_KEY: {"signature_on": "next"}}
_ON_THOUGHT = {METADATA_KEY: {"signature_on": "thought"}}


class GeminiDecoder:
    """Decodes a Gemini response body into rillet events.

    ``framing`` is ``"sse"`` (``?alt=sse``, the default and what the plugin requests),
    ``"json_array"`` (``streamGenerateContent`` without ``alt=sse``) or ``"json"`` (one
    object, ``generateContent``; decoded at ``close()``).

    Token and reasoning ``index`` is a block index: it grows each time the kind of part
    changes (thought → text → function call …), so aggregation keeps Gemini's part order.
    A ``thoughtSignature`` on a text part is reported as a ``reasoning`` event (signature
    only) at the reasoning block before that text; on a ``functionCall`` part it goes in
    the ``tool_call`` event's ``provider_metadata``. Tool calls have indexes 0, 1, … and,
    since Gemini sends no ids, the id ``call_<responseId>_<index>`` (``call_<index>``
    without a response id). With several candidates (``candidateCount > 1``) each is an
    alternative answer: its events carry ``choice`` = the candidate's ``index``, and the
    finish reason is candidate 0's.
    """

    __slots__ = (
        "provider", "model", "framing", "_kind", "_parser", "_started", "_done", "_frames_seen",
        "_candidates", "_calls", "_usage", "_usage_key", "_response_id",
    )

    #: How the core maps an HTTP error body that holds no Google error object (a proxy's page).
    error_mapping = ERRORS

    def __init__(self, provider: str = "gemini", model: str = "", *, framing: Framing = "sse") -> None:
        if framing not in ("sse", "json_array", "json"):
            raise ValueError(f"framing must be 'sse', 'json_array' or 'json', not {framing!r}")
        self.provider = provider
        self.model = model
        self.framing = framing
        self._kind = BodyKind(framing != "sse")
        self._parser: Any = _parser_for(framing)
        self._started = False
        self._done = False
        self._frames_seen = 0
        self._candidates: dict[int, _Candidate] = {}
        self._calls = 0  # tool calls started so far, across candidates
        self._usage: Usage | None = None
        self._usage_key: tuple[Any, ...] | None = None
        self._response_id: str | None = None

    # -- decoder protocol -----------------------------------------------------------------

    def feed(self, data: bytes) -> list[Event]:
        """Decode more of the body; input after the terminal event is ignored."""
        if self._done:
            return []
        if not self._kind.known:
            data = self._kind.feed(data)
            if self._kind.known:
                first = self._kind.first
                framing: Framing = "json_array" if first == b"[" else "json" if first == b"{" else self.framing
                if not self._kind.json:
                    framing = "sse"
                if framing != self.framing:
                    self.framing, self._parser = framing, _parser_for(framing)
        out: list[Any] = []
        try:
            frames = self._parser.feed(data)
        except RilletError as error:
            self._fail(out, error)
            return out
        self._frames(frames, out)
        return out

    def close(self) -> list[Event]:
        """The body ended: ``end`` if a ``finishReason`` was seen, else ``error`` (truncated)."""
        if self._done:
            return []
        out: list[Event] = []
        try:
            frames = self._close_framing()
        except TruncatedStreamError as error:
            self._truncated(out, error.message)
            return out
        except RilletError as error:
            self._fail(out, error)
            return out
        self._frames(frames, out)
        if self._done:
            return out
        first = self._candidates.get(0)
        if first is None or first.raw_finish is None:
            self._truncated(out, "no candidate reported a finishReason")
            return out
        for candidate in self._candidates.values():
            candidate.finish_calls(out)
        self._done = True
        out.append(EndEvent(
            finish_reason=finish_reason(first.raw_finish, called_tools=first.calls > 0),
            raw_finish_reason=first.raw_finish,
            usage=self._usage,
        ))
        return out

    def error_from_response(self, status: int, headers: Any, body: bytes) -> RilletError | None:
        """The typed error for a Google error body (see :mod:`rillet_gemini.errors`)."""
        return error_from_response(status, headers, body)

    # -- framing --------------------------------------------------------------------------

    def _close_framing(self) -> list[Any]:
        frames = self._parser.close()
        if self.framing != "json":
            return list(frames)
        return [] if frames is None else frames if isinstance(frames, list) else [frames]

    def _frames(self, frames: list[Any], out: list[Event]) -> None:
        sse = self.framing == "sse"
        for frame in frames:
            if sse:
                data = frame.data
                try:
                    payload = json.loads(data)
                except ValueError:
                    payload = None
                if not isinstance(payload, dict):
                    self._fail(out, RemoteProtocolError(
                        f"gemini sent a data frame that is not a JSON object: {data[:200]!r}", provider=self.provider
                    ))
                    return
            else:
                payload = frame
                if not isinstance(payload, dict):
                    self._fail(out, RemoteProtocolError(
                        f"gemini sent an array element that is not a JSON object: {json.dumps(payload)[:200]!r}",
                        provider=self.provider,
                    ))
                    return
            try:
                self._response(payload, out)
            except RilletError as error:
                self._fail(out, error)
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                self._fail(out, RemoteProtocolError(
                    f"gemini sent a response object rillet cannot read ({type(exc).__name__}): "
                    f"{json.dumps(payload)[:200]!r}",
                    provider=self.provider,
                ))
            if self._done:
                return

    # -- one GenerateContentResponse ------------------------------------------------------

    def _response(self, payload: dict[str, Any], out: list[Event]) -> None:
        self._frames_seen += 1
        if not self._started:
            self._started = True
            self._response_id = payload.get("responseId")
            out.append(StartEvent(
                provider=self.provider, model=payload.get("modelVersion") or self.model, response_id=self._response_id
            ))
        if "error" in payload:
            error = gemini_error(payload)
            self._fail(out, error or RemoteProtocolError(
                f"gemini sent an error object rillet cannot read: {json.dumps(payload)[:200]!r}", provider=self.provider
            ))
            return
        candidates = [candidate for candidate in payload.get("candidates") or () if isinstance(candidate, dict)]
        for candidate in candidates:
            content = candidate.get("content")
            if content:
                state = self._candidate(candidate)
                for part in content.get("parts") or ():
                    self._part(state, part, out)
        metadata = payload.get("usageMetadata")
        if metadata:
            self._update_usage(metadata, out)
        if not candidates:
            feedback = payload.get("promptFeedback")
            if feedback and feedback.get("blockReason"):
                self._blocked(feedback, out)
            return
        for candidate in candidates:
            raw = candidate.get("finishReason")
            if raw:
                state = self._candidate(candidate)
                state.raw_finish = raw
                state.finish_calls(out)

    def _candidate(self, candidate: dict[str, Any]) -> _Candidate:
        """The state of ``candidate`` (Gemini omits ``index`` 0 on some models)."""
        number = candidate.get("index") or 0
        state = self._candidates.get(number)
        if state is None:
            state = self._candidates[number] = _Candidate(number)
        return state

    def _part(self, state: _Candidate, part: dict[str, Any], out: list[Any]) -> None:
        signature = part.get("thoughtSignature") or None
        choice = state.number
        call = part.get("functionCall")
        if call is not None:
            state.open(_CALL)
            self._function_call(state, call, signature, out)
            return
        text = part.get("text")
        if part.get("thought"):
            index = state.open(_THOUGHT)
            if text or signature:
                out.append(ReasoningEvent(
                    text=text or "", index=index, choice=choice, signature=signature,
                    provider_metadata=_ON_THOUGHT if signature else None,
                ))
            if signature:
                state.block_signed = True
            return
        if signature:
            # The signature belongs to this part; it is kept as a reasoning block just
            # before it, and the request builder puts it back on the part that follows.
            reuse = state.block_kind == _THOUGHT and not state.block_signed
            index = state.block if reuse else state.open(_THOUGHT, new=True)
            out.append(ReasoningEvent(index=index, choice=choice, signature=signature, provider_metadata=_ON_NEXT))
            state.block_signed = True
        if text:
            out.append(TokenEvent(text=text, index=state.open(_TEXT), choice=choice))
        # inlineData, executableCode, codeExecutionResult … are not decoded.

    def _function_call(self, state: _Candidate, call: dict[str, Any], signature: str | None, out: list[Any]) -> None:
        index = self._calls
        self._calls += 1
        state.calls += 1
        call_id = call.get("id") or (f"call_{self._response_id}_{index}" if self._response_id else f"call_{index}")
        name = call.get("name") or ""
        args = call.get("args")
        raw = "" if args is None else json.dumps(args, ensure_ascii=False)
        choice = state.number
        out.append(ToolCallStartEvent(index=index, choice=choice, call_id=call_id, name=name))
        if raw:
            out.append(ToolCallDeltaEvent(index=index, choice=choice, arguments_delta=raw))
        state.pending.append(ToolCallEvent(
            index=index, choice=choice, call_id=call_id, name=name, arguments={} if args is None else args,
            raw_arguments=raw, provider_metadata={METADATA_KEY: {"thought_signature": signature}} if signature else None,
        ))

    def _update_usage(self, metadata: dict[str, Any], out: list[Any]) -> None:
        key = (
            metadata.get("promptTokenCount"), metadata.get("candidatesTokenCount"),
            metadata.get("thoughtsTokenCount"), metadata.get("cachedContentTokenCount"),
        )
        if key == self._usage_key:
            return
        self._usage_key = key
        # Gemini's candidatesTokenCount excludes thinking; rillet's output_tokens includes it.
        output = None if key[1] is None and key[2] is None else (key[1] or 0) + (key[2] or 0)
        self._usage = Usage(input_tokens=key[0], output_tokens=output, reasoning_tokens=key[2], cache_read_tokens=key[3])
        out.append(UsageEvent(usage=self._usage))

    # -- endings --------------------------------------------------------------------------

    def _blocked(self, feedback: dict[str, Any], out: list[Event]) -> None:
        reason = feedback.get("blockReason")
        message = feedback.get("blockReasonMessage")
        text = f"gemini blocked the prompt (blockReason {reason})"
        if message:
            text += f": {message}"
        text += "; rephrase the prompt or relax safetySettings"
        self._fail(out, ContentFilterError(text, provider=self.provider, raw={"promptFeedback": feedback}))

    def _truncated(self, out: list[Event], what: str) -> None:
        if not self._started:
            self._started = True
            out.append(StartEvent(provider=self.provider, model=self.model))
        self._fail(out, TruncatedStreamError(
            f"the gemini stream ended early: {what} ({self._frames_seen} response object(s) received); "
            "the answer is incomplete — retry the request",
            provider=self.provider,
        ))

    def _fail(self, out: list[Event], error: RilletError) -> None:
        self._done = True
        if error.provider is None:
            error.provider = self.provider
        out.append(ErrorEvent.from_exception(error))


def _parser_for(framing: Framing) -> Any:
    """The framing layer of ``framing``."""
    return SSEParser() if framing == "sse" else JSONArrayParser() if framing == "json_array" else JSONBodyParser()


class _Candidate:
    """The decoding state of one candidate: its block numbering, its tool calls waiting for
    the finish, and its finish reason."""

    __slots__ = ("number", "block", "block_kind", "block_signed", "calls", "pending", "raw_finish")

    def __init__(self, number: int) -> None:
        self.number = number
        self.block = -1
        self.block_kind: str | None = None
        self.block_signed = False
        self.calls = 0
        self.pending: list[ToolCallEvent] = []
        self.raw_finish: str | None = None

    def open(self, kind: str, *, new: bool = False) -> int:
        """The block index for a part of ``kind``: a new block when the kind changes."""
        if new or kind != self.block_kind or self.block_signed:
            self.block += 1
            self.block_kind = kind
            self.block_signed = False
        return self.block

    def finish_calls(self, out: list[Any]) -> None:
        """Hand over the finished tool calls (at the finish reason, or the end of the body)."""
        if self.pending:
            out.extend(self.pending)
            self.pending = []
