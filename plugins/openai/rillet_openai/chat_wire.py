"""Wire helpers for the Chat Completions decoder: the fast-path frame template, usage and
non-string content."""

from __future__ import annotations

from json import decoder as json_decoder
from typing import Any, Callable

from rillet.provider import Usage

#: ``json.decoder.scanstring``, the C string scanner, which typeshed does not declare:
#: (text, index after the opening quote) -> (the decoded string, index after the closing quote).
scanstring: Callable[[str, int], tuple[str, int]] = json_decoder.scanstring  # type: ignore[attr-defined]

__all__ = ["FrameTemplate", "TEXT_FIELDS", "text_of", "usage_from_wire"]


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


def text_of(content: Any) -> str:
    """Text from a non-string ``content`` (a list of ``{"type": "text", "text": …}`` parts)."""
    if isinstance(content, list):
        return "".join(
            part.get("text") or "" for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""
