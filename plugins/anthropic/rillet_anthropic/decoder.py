"""Incremental, I/O-free decoder of the Anthropic Messages SSE stream.

Wire format (https://docs.anthropic.com/en/docs/build-with-claude/streaming)::

    message_start → (content_block_start, content_block_delta*, content_block_stop)*
                  → message_delta → message_stop

with ``ping`` keep-alives anywhere and an in-band ``error`` event that ends the stream.
Block kinds: ``text`` (``text_delta``; ``citations_delta`` → an empty ``token`` whose
``provider_metadata["citations"]`` holds the citation), ``tool_use`` (``input_json_delta``),
``thinking`` (``thinking_delta``, ``signature_delta``), ``redacted_thinking`` (whole
``data`` at block start) and server-side tool blocks (``server_tool_use``,
``web_search_tool_result``, any ``*_tool_result`` …) that the client must not run but
should send back on the next turn: each becomes one ``server_tool`` event.

A non-streaming answer (``stream`` not set in the request) is one ``message`` object: the
decoder tells it from a stream by the body's first byte, reads it at ``close()`` and gives
the events its stream would have given.
"""

from __future__ import annotations

import json
from typing import Any

from rillet.provider import RemoteProtocolError, RilletError, TruncatedStreamError, read_tool_arguments
from rillet.provider import (
    EndEvent,
    ErrorEvent,
    Event,
    ReasoningEvent,
    ServerToolEvent,
    StartEvent,
    TokenEvent,
    ToolCallDeltaEvent,
    ToolCallEvent,
    ToolCallStartEvent,
    Usage,
    UsageEvent,
)
from rillet.provider import BodyKind, JSONBodyParser, SSEParser

from .errors import anthropic_error, error_from_response
from .finish_reasons import finish_reason

__all__ = ["PROVIDER_BLOCK_KEY", "AnthropicDecoder"]

#: Key of ``ServerToolEvent.provider_metadata`` holding a server-side block (``server_tool_use``,
#: ``web_search_tool_result`` …) verbatim, so the request builder can send it back.
PROVIDER_BLOCK_KEY = "anthropic_block"

_TEXT, _TOOL, _SERVER, _OTHER = "text", "tool", "server", "other"  # block kinds


class _Block:
    """An open content block: its kind and, for tool blocks, the pieces of its input JSON."""

    __slots__ = ("kind", "call_id", "name", "chunks", "payload")

    def __init__(self, kind: str, call_id: str = "", name: str = "", payload: dict[str, Any] | None = None) -> None:
        self.kind = kind
        self.call_id = call_id
        self.name = name
        self.chunks: list[str] = []
        self.payload = payload


class AnthropicDecoder:
    """Decodes a Messages API event stream into rillet events.

    ``feed(bytes)`` returns the events the bytes complete; ``close()`` at the end of the
    body returns the rest, ending with an ``error`` event (code ``truncated``) when
    ``message_stop`` never came. Token and reasoning ``index`` is the content block index;
    tool-call ``index`` is the block index too (unique per call within a response).
    ``whole_body=True`` expects the answer to a non-streaming request (one ``message``
    object) rather than an event stream; the body's first byte settles it.
    """

    __slots__ = (
        "provider", "model", "_sse", "_kind", "_body", "_started", "_done", "_blocks", "_usage", "_raw_input", "_raw_stop", "_last",
    )

    def __init__(self, provider: str = "anthropic", model: str = "", *, whole_body: bool = False) -> None:
        self.provider = provider
        self.model = model
        self._sse = SSEParser()
        self._kind = BodyKind(whole_body)
        self._body = JSONBodyParser()
        self._started = False
        self._done = False
        self._blocks: dict[int, _Block] = {}
        self._usage: Usage | None = None
        self._raw_input: int | None = None  # Anthropic's input_tokens, which exclude cache reads and writes
        self._raw_stop: str | None = None
        self._last = "nothing"

    def feed(self, data: bytes) -> list[Event]:
        """Decode more of the body; events after the terminal one are ignored."""
        if self._done:
            return []
        if not self._kind.known:
            data = self._kind.feed(data)
        if self._kind.json:
            return self._body.feed(data)
        return self._frames(self._sse.feed(data))

    def close(self) -> list[Event]:
        """The body ended: flush the last frame; report truncation if ``message_stop`` is missing."""
        if self._done:
            return []
        out = self._whole_body() if self._kind.json else self._frames(self._sse.close(), at_close=True)
        if not self._done:
            self._done = True
            if not self._started:
                out.append(self._start(None))
            open_blocks = f"; {len(self._blocks)} content block(s) still open" if self._blocks else ""
            out.append(
                ErrorEvent.from_exception(
                    TruncatedStreamError(
                        f"the anthropic stream ended before message_stop (last event: {self._last}{open_blocks}); "
                        "the answer is incomplete — retry the request",
                        provider=self.provider,
                    )
                )
            )
        return out

    def error_from_response(self, status: int, headers: Any, body: bytes) -> RilletError:
        """The typed error for an HTTP error response (see :mod:`rillet_anthropic.errors`)."""
        return error_from_response(status, headers, body)

    # -- a non-streaming answer -----------------------------------------------------------

    def _whole_body(self) -> list[Any]:
        """The ``message`` object of a non-streaming answer, as the events of its stream."""
        out: list[Any] = []
        try:
            message = self._body.close()
        except RilletError as error:
            self._last = "a body cut inside its JSON"
            if not isinstance(error, TruncatedStreamError):
                self._fail(out, error)
            return out
        if not isinstance(message, dict) or message.get("type") not in ("message", "error"):
            self._fail(out, RemoteProtocolError(
                f"anthropic answered a non-streaming request with something other than a message object: "
                f"{json.dumps(message)[:200]!r}",
                provider=self.provider,
            ))
            return out
        if message["type"] == "error":
            out.append(self._start(None))
            self._dispatch("error", message, out)
            return out
        out.append(self._start(message))
        if isinstance(message.get("usage"), dict):
            self._update_usage(message["usage"], out)
        for index, block in enumerate(message.get("content") or []):
            start = {key: value for key, value in block.items() if key != "input"}
            self._block_start(index, start, out)
            if "input" in block:
                self._delta(index, {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}, out)
            self._block_stop(index, out)
        self._raw_stop = message.get("stop_reason")
        self._message_stop(out)
        return out

    # -- frames ---------------------------------------------------------------------------

    def _frames(self, frames: list[Any], at_close: bool = False) -> list[Event]:
        out: list[Event] = []
        for frame in frames:
            try:
                payload = json.loads(frame.data)
                kind = payload["type"] if isinstance(payload, dict) else None
            except (ValueError, KeyError):
                kind = payload = None
            if not isinstance(kind, str):
                if at_close:  # the last frame, cut off before its blank line: truncation
                    self._last = f"an incomplete frame {frame.data[:80]!r}"
                    return out
                self._fail(out, RemoteProtocolError(
                    f"anthropic sent a malformed {frame.event!r} frame (not a JSON object with a type): "
                    f"{frame.data[:200]!r}",
                    provider=self.provider,
                ))
                return out
            if not self._started:
                out.append(self._start(payload.get("message") if kind == "message_start" else None))
            self._last = kind
            try:
                self._dispatch(kind, payload, out)
            except RilletError as error:
                self._fail(out, error)
            except (KeyError, TypeError, AttributeError, ValueError):
                self._fail(out, RemoteProtocolError(
                    f"anthropic sent a {kind} frame rillet cannot read: {frame.data[:200]!r}",
                    provider=self.provider,
                ))
            if self._done:
                return out
        return out

    def _dispatch(self, kind: str, payload: dict[str, Any], out: list[Event]) -> None:
        if kind == "content_block_delta":
            self._delta(payload["index"], payload["delta"], out)
        elif kind == "content_block_start":
            self._block_start(payload["index"], payload["content_block"], out)
        elif kind == "content_block_stop":
            self._block_stop(payload["index"], out)
        elif kind == "message_delta":
            self._message_delta(payload, out)
        elif kind == "message_stop":
            self._message_stop(out)
        elif kind == "message_start":
            usage = (payload.get("message") or {}).get("usage")
            if usage:
                self._update_usage(usage, out)
        elif kind == "error":
            self._fail(out, anthropic_error(payload))
        # "ping" and event types added later are ignored.

    def _start(self, message: dict[str, Any] | None) -> StartEvent:
        self._started = True
        message = message or {}
        return StartEvent(provider=self.provider, model=message.get("model") or self.model, response_id=message.get("id"))

    def _fail(self, out: list[Event], error: RilletError) -> None:
        self._done = True
        out.append(ErrorEvent.from_exception(error))

    # -- content blocks -------------------------------------------------------------------

    def _block_start(self, index: int, block: dict[str, Any], out: list[Event]) -> None:
        kind = block.get("type")
        if kind == "text":
            self._blocks[index] = _Block(_TEXT)
            citations = block.get("citations")
            if block.get("text") or citations:
                metadata = {"citations": list(citations)} if citations else None
                out.append(TokenEvent(text=block.get("text") or "", index=index, provider_metadata=metadata))
        elif kind == "tool_use":
            call_id, name = block.get("id") or "", block.get("name") or ""
            self._blocks[index] = _Block(_TOOL, call_id, name)
            out.append(ToolCallStartEvent(index=index, call_id=call_id, name=name))
        elif kind == "thinking":
            self._blocks[index] = _Block(_OTHER)
            if block.get("thinking") or block.get("signature"):
                out.append(ReasoningEvent(text=block.get("thinking") or "", index=index, signature=block.get("signature") or None))
        elif kind == "redacted_thinking":
            self._blocks[index] = _Block(_OTHER)
            out.append(ReasoningEvent(index=index, redacted=True, data=block.get("data") or ""))
        else:
            # Server-side tool blocks (server_tool_use, web_search_tool_result, …) and block
            # types added later: kept verbatim, reported once the block is complete.
            self._blocks[index] = _Block(_SERVER, payload=dict(block))

    def _delta(self, index: int, delta: dict[str, Any], out: list[Event]) -> None:
        kind = delta.get("type")
        if kind == "text_delta":
            out.append(TokenEvent(text=delta["text"], index=index))
            return
        block = self._blocks.get(index)
        if kind == "input_json_delta":
            if block is None:
                raise RemoteProtocolError(f"anthropic sent input_json_delta for block {index}, which was never started")
            partial = delta.get("partial_json") or ""
            block.chunks.append(partial)
            if block.kind == _TOOL and partial:
                out.append(ToolCallDeltaEvent(index=index, arguments_delta=partial))
        elif kind == "thinking_delta":
            if delta.get("thinking"):
                out.append(ReasoningEvent(text=delta["thinking"], index=index))
        elif kind == "signature_delta":
            out.append(ReasoningEvent(index=index, signature=delta.get("signature") or ""))
        elif kind == "citations_delta":
            citation = delta.get("citation")
            if citation:
                out.append(TokenEvent(text="", index=index, provider_metadata={"citations": [citation]}))
        # delta types added later are ignored.

    def _block_stop(self, index: int, out: list[Event]) -> None:
        block = self._blocks.pop(index, None)
        if block is not None:
            self._finish_block(index, block, out)

    def _finish_block(self, index: int, block: _Block, out: list[Event]) -> None:
        if block.kind == _TOOL:
            raw = "".join(block.chunks)
            out.append(ToolCallEvent.finished(index=index, call_id=block.call_id, name=block.name, raw_arguments=raw))
        elif block.kind == _SERVER and block.payload is not None:
            out.append(_server_tool_event(index, block))

    # -- message --------------------------------------------------------------------------

    def _update_usage(self, wire: dict[str, Any], out: list[Event]) -> None:
        old = self._usage or Usage()
        self._raw_input = _int(wire.get("input_tokens"), self._raw_input)
        cache_read = _int(wire.get("cache_read_input_tokens"), old.cache_read_tokens)
        cache_write = _int(wire.get("cache_creation_input_tokens"), old.cache_write_tokens)
        total_input = None if self._raw_input is None else self._raw_input + (cache_read or 0) + (cache_write or 0)
        new = Usage(
            input_tokens=total_input,  # rillet counts cached input in input_tokens, as OpenAI does
            output_tokens=_int(wire.get("output_tokens"), old.output_tokens),
            cache_read_tokens=cache_read,
            cache_write_tokens=cache_write,
        )
        self._usage = new
        out.append(UsageEvent(usage=new))

    def _message_delta(self, payload: dict[str, Any], out: list[Event]) -> None:
        delta = payload.get("delta") or {}
        if delta.get("stop_reason") is not None:
            self._raw_stop = delta["stop_reason"]
        usage = payload.get("usage")
        if usage:
            self._update_usage(usage, out)

    def _message_stop(self, out: list[Event]) -> None:
        for index in sorted(self._blocks):
            self._finish_block(index, self._blocks.pop(index), out)
        self._done = True
        out.append(EndEvent(finish_reason=finish_reason(self._raw_stop), raw_finish_reason=self._raw_stop, usage=self._usage))


def _server_tool_event(index: int, block: _Block) -> ServerToolEvent:
    """A finished server-side block: a ``*_tool_result`` is a result, anything else
    (``server_tool_use``, ``mcp_tool_use``, types added later) a call."""
    payload = block.payload or {}
    kind = str(payload.get("type") or "")
    if block.chunks:
        raw = "".join(block.chunks)
        arguments, error = read_tool_arguments(raw)
        payload["input"] = raw if error is not None else arguments
    metadata = {PROVIDER_BLOCK_KEY: payload}
    if kind.endswith("_tool_result"):
        return ServerToolEvent(
            index=index, kind="result", call_id=payload.get("tool_use_id") or "", name=kind,
            content=payload.get("content"), provider_metadata=metadata,
        )
    return ServerToolEvent(
        index=index, kind="call", call_id=payload.get("id") or "", name=payload.get("name") or kind,
        arguments=payload.get("input"), provider_metadata=metadata,
    )


def _int(value: Any, default: int | None) -> int | None:
    """Anthropic's usage counts replace the earlier ones; absent (or null) keeps them."""
    return value if isinstance(value, int) else default
