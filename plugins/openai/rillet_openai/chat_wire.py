"""Wire helpers for the Chat Completions decoder: the fast-path frame template, usage,
content given as a list of typed parts, and non-streaming answers."""

from __future__ import annotations

from json import decoder as json_decoder
from typing import Any, Callable

from rillet.provider import Usage

#: ``json.decoder.scanstring``, the C string scanner, which typeshed does not declare:
#: (text, index after the opening quote) -> (the decoded string, index after the closing quote).
scanstring: Callable[[str, int], tuple[str, int]] = json_decoder.scanstring  # type: ignore[attr-defined]

__all__ = ["FrameTemplate", "TEXT_FIELDS", "completion_as_chunk", "content_parts", "scanstring", "usage_from_wire"]


class FrameTemplate:
    """The fast path for the common frame: the previous simple frame with only its text changed.

    Servers repeat every field but one string (``id``, ``model``, ``created`` … are constant),
    so a frame that is ``prefix + "<JSON string>" + suffix`` for a learned prefix and suffix
    is decoded with one ``scanstring`` instead of ``json.loads`` of the whole chunk. The
    result is identical: anything else in the frame differs from the template and takes the
    full path. OpenAI's per-chunk ``obfuscation`` padding (a random string without escapes)
    is allowed to vary.
    """

    __slots__ = ("prefix", "start", "suffix", "length", "head", "tail", "event", "index")

    def __init__(self, prefix: str, suffix: str, event: Any, index: int) -> None:
        self.prefix = prefix
        self.start = len(prefix)
        self.event = event
        self.index = index
        self.suffix = suffix
        self.length = len(suffix)
        marker = suffix.find(_OBFUSCATION)
        self.head = self.tail = ""
        if marker >= 0:
            head_end = marker + len(_OBFUSCATION)
            close = suffix.find('"', head_end)
            self.head, self.tail = suffix[:head_end], suffix[close:]

    def match(self, data: str) -> str | None:
        """The frame's text if ``data`` fits the template, else ``None``."""
        if not data.startswith(self.prefix):
            return None
        try:
            text, end = scanstring(data, self.start)
        except ValueError:
            return None
        if not self.head:
            if len(data) - end == self.length and data.endswith(self.suffix):
                return text
            return None
        tail = self.tail
        if data.startswith(self.head, end) and data.endswith(tail):
            start, stop = end + len(self.head), len(data) - len(tail)
            if start <= stop and data.find('"', start, stop) < 0 and data.find("\\", start, stop) < 0:
                return text
        return None


_OBFUSCATION = '"obfuscation":"'
TEXT_FIELDS = ("content", "reasoning_content", "reasoning")


def usage_from_wire(usage: dict[str, Any]) -> Usage:
    """rillet ``Usage`` from a Chat Completions ``usage`` object.

    ``input_tokens`` is ``prompt_tokens`` (cached tokens included, as OpenAI counts them);
    ``output_tokens`` is ``completion_tokens`` (reasoning included); ``cache_read_tokens`` is
    ``prompt_tokens_details.cached_tokens`` (DeepSeek: ``prompt_cache_hit_tokens``).
    """
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    cached = prompt_details.get("cached_tokens")
    if cached is None:
        cached = usage.get("prompt_cache_hit_tokens")
    return Usage(
        input_tokens=usage.get("prompt_tokens"),
        output_tokens=usage.get("completion_tokens"),
        reasoning_tokens=completion_details.get("reasoning_tokens"),
        cache_read_tokens=cached,
        cache_write_tokens=prompt_details.get("cache_write_tokens"),
    )


def content_parts(parts: Any) -> list[tuple[str, str]]:
    """``(kind, text)`` pairs from content given as a list of typed parts.

    ``{"type": "text", "text": …}`` gives ``("text", …)``; ``{"type": "thinking",
    "thinking": …}`` (Mistral's reasoning models) gives ``("thinking", …)``, its
    ``thinking`` being a string or its own list of text parts. Other part types (images,
    references) carry no text and are skipped.
    """
    found: list[tuple[str, str]] = []
    if not isinstance(parts, list):
        return found
    for part in parts:
        if isinstance(part, str):
            found.append(("text", part))
            continue
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str):
            found.append(("text", part["text"]))
        elif kind == "thinking":
            thinking = part.get("thinking")
            text = thinking if isinstance(thinking, str) else "".join(text for _, text in content_parts(thinking))
            found.append(("thinking", text))
    return [(kind, text) for kind, text in found if text]


def completion_as_chunk(completion: Any) -> dict[str, Any] | None:
    """A non-streaming ``chat.completion`` object as the one chunk that streams it whole.

    Each choice's ``message`` becomes its ``delta`` (tool calls numbered by position), so the
    stream decoder reads both shapes the same way. An ``{"error": …}`` object passes as it
    is; anything else is ``None``.
    """
    if not isinstance(completion, dict) or not ("choices" in completion or "error" in completion):
        return None
    choices = []
    for choice in completion.get("choices") or []:
        if not isinstance(choice, dict):
            continue
        delta = dict(choice.get("message") or {})
        calls = delta.get("tool_calls")
        if isinstance(calls, list):
            delta["tool_calls"] = [
                {"index": number, **call} if isinstance(call, dict) else call for number, call in enumerate(calls)
            ]
        choices.append({"index": choice.get("index") or 0, "delta": delta, "finish_reason": choice.get("finish_reason")})
    return {**completion, "choices": choices}
