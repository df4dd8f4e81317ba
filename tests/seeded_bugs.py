"""The streaming bugs real plugins shipped, each as an edit that seeds it into a copy of a
decoder rillet ships (the scaffold's, per wire family).

Each :class:`SeededBug` names the family whose generated decoder it breaks, the exact
replacements that break it (every one must apply), and the name the kit must give it
(``rillet.testing._known_bugs.KNOWN_BUGS``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SEEDED_BUGS", "SeededBug"]


@dataclass(frozen=True)
class SeededBug:
    """A known bug: the family whose decoder gets it, the edits (old, new) and its key."""

    wire: str
    edits: tuple[tuple[str, str], ...]
    key: str


SEEDED_BUGS = {
    "premature tool-call finalisation": SeededBug(
        "openai-compatible",
        (
            (
                "            events.append(rillet.ToolCallDeltaEvent(index=index, arguments_delta=fragment))\n",
                "            events.append(rillet.ToolCallDeltaEvent(index=index, arguments_delta=fragment))\n"
                '            raw = "".join(self._calls[index].arguments)\n'
                "            if rillet.ToolCallEvent.finished(index=index, call_id='', name='', raw_arguments=raw).arguments_error is None:\n"
                "                done = self._calls.pop(index)  # the JSON parses: the call looks finished\n"
                "                events.append(rillet.ToolCallEvent.finished(index=index, call_id=done.call_id, name=done.name, raw_arguments=raw))\n",
            ),
        ),
        "premature-finalisation",
    ),
    "summed cumulative usage": SeededBug(
        "sse-events",
        (('"output_tokens": usage.get("output_tokens", self._usage.output_tokens)',
          '"output_tokens": (self._usage.output_tokens or 0) + usage.get("output_tokens", 0)'),),
        "summed-usage",
    ),
    "dropped final usage chunk": SeededBug(
        "openai-compatible",
        (('        usage = chunk.get("usage")\n', '        usage = chunk.get("usage") if chunk.get("choices") else None\n'),),
        "dropped-usage",
    ),
    "truncated body reported as stop": SeededBug(
        "ndjson",
        (("        if not self._done:\n            raise rillet.TruncatedStreamError(",
          "        if not self._done:\n            return events + [rillet.EndEvent()]\n            raise rillet.TruncatedStreamError("),),
        "truncation-as-stop",
    ),
    "UTF-8 character split across reads": SeededBug(
        "ndjson",
        (("return self._decode(self._lines.feed(data))", 'return self._decode(self._lines.feed(data.decode("utf-8", "replace").encode()))'),),
        "utf8-split",
    ),
    "CRLF split across reads": SeededBug(
        "sse-events",
        (("return self._decode(self._sse.feed(data))",
          'return self._decode(self._sse.feed(data[:-1] + b"\\n" if data.endswith(b"\\r") else data))  # a read-final CR ends the line'),),
        "crlf-split",
    ),
    "tool arguments keyed by id": SeededBug(
        "openai-compatible",
        (('        index = call.get("index", len(self._calls))\n',
          '        self._ids = getattr(self, "_ids", {})\n        index = self._ids.setdefault(call.get("id"), len(self._ids))\n'),),
        "keyed-by-id",
    ),
    "parallel tool calls merged into one": SeededBug(
        "openai-compatible",
        (('        index = call.get("index", len(self._calls))\n', "        index = 0\n"),),
        "merged-parallel-calls",
    ),
    "reasoning dropped when it arrives in a second field": SeededBug(
        "openai-compatible",
        (('delta.get("reasoning_content") or delta.get("reasoning")', 'delta.get("reasoning_content")'),),
        "dropped-reasoning",
    ),
    "in-band error frame ignored": SeededBug(
        "json-array",
        (('        if element.get("error"):\n', '        if False:  # errors are not looked for\n'),),
        "ignored-inband-error",
    ),
}
