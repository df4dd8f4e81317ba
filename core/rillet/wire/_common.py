"""What the three wire formats share: JSON, ids, the encoder driving loops, error statuses."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, AsyncIterable, AsyncIterator, Iterable, Iterator

from .._errors import RilletError
from .._events import ErrorEvent
from ..framing import encode_sse_event

__all__ = ["UPSTREAM_CUT", "StreamEncoder", "arguments_text", "dumps", "error_status", "is_refusal", "new_id", "now", "sse_json"]

#: The HTTP status of an error raised before the first byte, by rillet error ``code``,
#: when the error carries no status of its own (an upstream failure is a bad gateway).
_STATUS_BY_CODE = {
    "bad_request": 400,
    "authentication": 401,
    "missing_key": 401,
    "permission": 403,
    "not_found": 404,
    "unknown_model": 404,
    "unknown_provider": 404,
    "content_filter": 400,
    "rate_limit": 429,
    "quota": 429,
    "overloaded": 503,
    "timeout": 504,
}


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is (what the providers send); one encoder reused."""
    return _JSON.encode(value)


def sse_json(value: Any, event: str | None = None) -> bytes:
    """One SSE event whose data is ``value`` as JSON."""
    return encode_sse_event(dumps(value), event=event)


def new_id(prefix: str) -> str:
    """A fresh random id such as ``chatcmpl-1f0c…`` (``prefix`` includes its separator)."""
    return prefix + uuid.uuid4().hex


def is_refusal(provider_metadata: dict[str, Any] | None) -> bool:
    """Whether text carries OpenAI's refusal mark (``{"openai": {"refusal": True}}``, as the
    openai plugin's decoders set it on ``delta.refusal`` and refusal parts): the OpenAI
    formats write such text back as a refusal."""
    marks = (provider_metadata or {}).get("openai")
    return isinstance(marks, dict) and marks.get("refusal") is True


def now() -> int:
    """The current Unix time in whole seconds (the default ``created`` of a response)."""
    return int(time.time())


def arguments_text(call: Any) -> str:
    """A tool call's arguments as JSON text: the model's raw text when it sent some."""
    if call.raw_arguments:
        return str(call.raw_arguments)
    return dumps(call.arguments if call.arguments is not None else {})


def error_status(error: Any) -> int:
    """The HTTP status to answer for ``error`` (a ``RilletError`` or an ``ErrorEvent``).

    A client error the provider reported keeps the provider's status; anything else that
    went wrong upstream is ``502`` unless its code says better (``504`` for a timeout …).
    """
    status = getattr(error, "status_code", None)
    if isinstance(status, int) and 400 <= status < 500:
        return status
    return _STATUS_BY_CODE.get(str(getattr(error, "code", "")), 502)


class StreamEncoder:
    """Base of the stream encoders: ``encode`` one event, or drive a whole event stream.

    Subclasses implement :meth:`encode` and set :attr:`finished` once they wrote a terminal
    frame. :meth:`stream` and :meth:`astream` are the same loop for ``for`` and
    ``async for``, so a sync and an async server write identical bytes, and they keep the
    promise of the formats: whatever goes wrong after the first byte reaches the client as
    the format's in-band error, never as a clean finish —

    - events that stop without ``end`` or ``error``: a ``truncated`` error;
    - a ``RilletError`` raised by the events: its error;
    - any other exception: a ``server`` error, then the exception is raised again for the
      server to log.

    When the loop stops — finished, failed, or closed because the client went away — the
    events are closed too (``close()`` / ``aclose()`` when they have one), so a
    ``TokenStream`` closes its upstream response at once.
    """

    finished: bool = False

    def encode(self, event: Any) -> bytes:
        """The complete SSE frames for ``event`` (``b""`` when it needs none yet)."""
        raise NotImplementedError

    def stream(self, events: Iterable[Any]) -> Iterator[bytes]:
        """The frames of every event of ``events``, one write per event that has any."""
        try:
            for event in events:
                frames = self.encode(event)
                if frames:
                    yield frames
        except Exception as error:
            yield self._failure(error)
            if not isinstance(error, RilletError):
                raise
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()
        if not self.finished:
            yield self.encode(UPSTREAM_CUT)

    async def astream(self, events: AsyncIterable[Any]) -> AsyncIterator[bytes]:
        """Like :meth:`stream`, for an async iterable of events."""
        try:
            async for event in events:
                frames = self.encode(event)
                if frames:
                    yield frames
        except Exception as error:
            yield self._failure(error)
            if not isinstance(error, RilletError):
                raise
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()
        if not self.finished:
            yield self.encode(UPSTREAM_CUT)

    def _failure(self, error: Exception) -> bytes:
        """The in-band error for an exception raised by the events."""
        if isinstance(error, RilletError):
            return self.encode(ErrorEvent.from_exception(error))
        return self.encode(ErrorEvent(
            code="server",
            message=f"the stream failed ({type(error).__name__}): the answer is incomplete — retry the request",
            retryable=True,
        ))


#: The error a cut upstream becomes (events that stopped without ``end`` or ``error``): the
#: writers and the gateway report it in-band, never as a clean finish.
UPSTREAM_CUT = ErrorEvent(
    code="truncated",
    message="the upstream stream stopped before its end: the answer is incomplete — retry the request",
    retryable=True,
)
