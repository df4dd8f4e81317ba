"""The NDJSON decoder for Ollama's ``/api/chat`` and ``/api/generate`` streams (sans-IO).

Each line is one JSON object. ``/api/chat`` lines carry ``message.content`` (answer
text), ``message.thinking`` (reasoning) and ``message.tool_calls`` (whole calls, arguments
as an object); ``/api/generate`` lines carry ``response`` and ``thinking`` at the top level.
The line with ``done: true`` is the terminal marker: ``done_reason``, token counts
(``prompt_eval_count`` in, ``eval_count`` out) and durations in nanoseconds. A line
``{"error": "…"}`` reports a failure after streaming began. A non-streamed answer
(``stream: false``) is the same object on a single line, so it decodes the same way.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping
from urllib.parse import urlsplit

from rillet.provider import RemoteProtocolError, RilletError, TruncatedStreamError
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
from rillet.provider import LineSplitter

from . import errors
from .finish_reasons import map_done_reason

__all__ = ["METRIC_KEYS", "OllamaDecoder", "decoder_for_url"]

#: The timing fields of the final line, in nanoseconds, kept in :attr:`OllamaDecoder.metrics`.
METRIC_KEYS = ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")

PROVIDER = "ollama"


def _quote(data: bytes, limit: int = 200) -> str:
    shown = data[:limit].decode("utf-8", "replace")
    return repr(shown) + (f" … ({len(data)} bytes)" if len(data) > limit else "")


class OllamaDecoder:
    """Incremental decoder of one Ollama response body.

    :param mode: ``"chat"`` for ``/api/chat`` (the default), ``"generate"`` for
        ``/api/generate``.
    :param model: the model asked for, used in ``start`` when the wire does not name one.

    After the ``done: true`` line, :attr:`metrics` holds Ollama's timings in nanoseconds
    (``total_duration``, ``load_duration``, ``prompt_eval_duration``, ``eval_duration``)
    and, for ``/api/generate``, :attr:`context` the conversation context tokens.
    """

    __slots__ = ("_lines", "_generate", "_model", "_started", "_finished", "_tool_count", "metrics", "context")

    #: The provider this decoder reads (``rillet replay`` names it in its output).
    provider = PROVIDER

    def __init__(self, *, mode: str = "chat", model: str = "") -> None:
        if mode not in ("chat", "generate"):
            raise ValueError(f"mode must be 'chat' or 'generate', not {mode!r}")
        self._lines = LineSplitter()
        self._generate = mode == "generate"
        self._model = model
        self._started = False
        self._finished = False
        self._tool_count = 0
        self.metrics: dict[str, int] = {}
        self.context: list[int] | None = None

    def feed(self, data: bytes) -> list[Event]:
        """Decode more of the body; return the events its complete lines give."""
        lines = self._lines.feed(data)
        events: list[Event] = []
        if self._finished:
            return events
        line = b""
        try:
            for line in lines:
                if line and not line.isspace():
                    self._handle(_parse(line), events)
                    if self._finished:
                        break
        except RilletError as error:
            self._fail(error, events)
        except (AttributeError, TypeError, ValueError) as exc:
            self._fail(_shape_error(exc, line), events)
        return events

    def close(self) -> list[Event]:
        """The body ended: decode an unterminated last line, or report the truncation."""
        lines = self._lines.close()
        events: list[Event] = []
        if self._finished:
            return events
        try:
            for line in lines:
                if line and not line.isspace():
                    try:
                        payload = json.loads(line)
                    except ValueError:
                        raise TruncatedStreamError(
                            f"the Ollama stream ended inside a JSON line: {_quote(line)}", provider=PROVIDER
                        ) from None
                    self._handle(payload, events)
            if not self._finished:
                raise TruncatedStreamError(
                    "the Ollama stream ended without its final `done: true` line "
                    "(the server stopped or the connection dropped mid-answer)",
                    provider=PROVIDER,
                )
        except RilletError as error:
            self._fail(error, events)
        except (AttributeError, TypeError, ValueError) as exc:
            self._fail(_shape_error(exc, b"".join(lines)), events)
        return events

    def error_from_response(self, status: int, headers: Mapping[str, Any], body: bytes) -> RilletError:
        """Ollama's ``{"error": "…"}`` HTTP error bodies, with what to do next."""
        return errors.error_from_response(status, headers, body)

    # -- internals -------------------------------------------------------------------

    def _fail(self, error: RilletError, events: list[Event]) -> None:
        if error.provider is None:
            error.provider = PROVIDER
        events.append(ErrorEvent.from_exception(error))
        self._finished = True

    def _handle(self, payload: Any, events: list[Event]) -> None:
        if not isinstance(payload, dict):
            raise RemoteProtocolError(f"expected a JSON object per line, got: {_quote(json.dumps(payload).encode())}")
        if not self._started:
            self._started = True
            events.append(StartEvent(provider=PROVIDER, model=payload.get("model") or self._model))
        if "error" in payload:
            events.append(ErrorEvent.from_exception(errors.error_from_line(payload)))
            self._finished = True
            return
        # /api/generate puts thinking and text at the top level; /api/chat in `message`.
        message = payload if self._generate else payload.get("message")
        if message:
            if not isinstance(message, dict):
                raise TypeError("message is not an object")
            thinking = message.get("thinking")
            if thinking:
                events.append(ReasoningEvent(text=thinking))
            text = message.get("response" if self._generate else "content")
            if text:
                events.append(TokenEvent(text=text))
            calls = None if self._generate else message.get("tool_calls")
            if calls:
                for call in calls:
                    self._tool_call(call, payload, events)
        if payload.get("done"):
            self._done(payload, events)

    def _tool_call(self, call: Any, payload: dict[str, Any], events: list[Event]) -> None:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            raise RemoteProtocolError(f"a tool call without a function object: {_quote(json.dumps(call).encode())}")
        name = function.get("name") or ""
        arguments = function.get("arguments")
        if isinstance(arguments, str):  # not Ollama's own shape, but tolerated
            raw = arguments
        else:
            raw = json.dumps({} if arguments is None else arguments, ensure_ascii=False)
        index = self._tool_count
        self._tool_count += 1
        call_id = call.get("id") or _stable_id(payload.get("created_at"), index, name, raw)
        events.append(ToolCallStartEvent(index=index, call_id=call_id, name=name))
        events.append(ToolCallDeltaEvent(index=index, arguments_delta=raw))
        events.append(ToolCallEvent.finished(index=index, call_id=call_id, name=name, raw_arguments=raw))

    def _done(self, payload: dict[str, Any], events: list[Event]) -> None:
        done_reason = payload.get("done_reason")
        finish = map_done_reason(done_reason, made_tool_calls=self._tool_count > 0)
        input_tokens = payload.get("prompt_eval_count")
        output_tokens = payload.get("eval_count")
        usage = None
        if input_tokens is not None or output_tokens is not None:
            usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens)
            events.append(UsageEvent(usage=usage))
        self.metrics = {key: payload[key] for key in METRIC_KEYS if key in payload}
        context = payload.get("context")
        if isinstance(context, list):
            self.context = context
        events.append(
            EndEvent(
                finish_reason=finish,
                raw_finish_reason=done_reason or None,
                usage=usage,
                provider_metadata={"ollama": dict(self.metrics)} if self.metrics else None,
            )
        )
        self._finished = True


def _parse(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError as exc:  # not JSON, or bytes that are not UTF-8
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise RemoteProtocolError(
            f"malformed JSON line from Ollama ({reason}): {_quote(line)}", provider=PROVIDER
        ) from None


def _shape_error(exc: Exception, line: bytes) -> RemoteProtocolError:
    kind = type(exc).__name__
    return RemoteProtocolError(
        f"an Ollama line has an unexpected shape ({kind}): {_quote(line)}", provider=PROVIDER
    )


def _stable_id(created_at: Any, index: int, name: str, raw: str) -> str:
    """An id for a call Ollama sent without one: the same bytes always give the same id."""
    digest = hashlib.sha1(f"{created_at}|{index}|{name}|{raw}".encode()).hexdigest()[:16]
    return f"call_{digest}"


def decoder_for_url(url: str, model: str = "") -> OllamaDecoder | None:
    """A fresh decoder if ``url`` is Ollama's ``/api/chat`` or ``/api/generate``, else ``None``."""
    path = urlsplit(url).path.rstrip("/")
    if path.endswith("/api/chat"):
        return OllamaDecoder(mode="chat", model=model)
    if path.endswith("/api/generate"):
        return OllamaDecoder(mode="generate", model=model)
    return None
