"""Streaming bugs that real plugins shipped, and how the kit names them when it sees one.

A failing standard test says what differs; when the difference is the mark of a known
bug, the message also names it (``known bug: …``) and says what to fix, so an author
reads the cause rather than reverse-engineering it from the events. The scaffold's own
test suite seeds each of these into a copy of a generated decoder and checks the kit
fails with its name.
"""

from __future__ import annotations

from typing import Any

__all__ = ["KNOWN_BUGS", "expected_outcome_bugs", "known_bug", "split_bug"]

#: Each known bug: its name, then what to fix.
KNOWN_BUGS = {
    "premature-finalisation": (
        "premature tool-call finalisation",
        "a tool call was finished when its arguments happened to parse as JSON, and more fragments followed; "
        "finish a call only when its block or the stream ends",
    ),
    "summed-usage": (
        "summed cumulative usage",
        "the provider reports running totals and the decoder added them up; keep the last report instead",
    ),
    "dropped-usage": (
        "dropped final usage chunk",
        "the usage arrives in a chunk of its own at the end (e.g. `choices: []`) and the decoder skipped it",
    ),
    "truncation-as-stop": (
        "truncated body reported as stop",
        "a body that ended before its terminal frame must raise TruncatedStreamError at close(), not end with stop",
    ),
    "utf8-split": (
        "UTF-8 character split across reads",
        "bytes were decoded read by read; let the framing parser buffer bytes and decode whole lines or events",
    ),
    "crlf-split": (
        "CRLF split across reads",
        "a CR ending one read and the LF starting the next are one line break, not two",
    ),
    "keyed-by-id": (
        "tool arguments keyed by id when only the first delta carries one",
        "file argument fragments under the call's index (later deltas have no id)",
    ),
    "merged-parallel-calls": (
        "parallel tool calls merged into one",
        "each call has its own index (or block); keep their arguments apart",
    ),
    "dropped-reasoning": (
        "reasoning dropped when it arrives in a second field",
        "providers name the reasoning field differently (e.g. reasoning_content and reasoning); read each",
    ),
    "ignored-inband-error": (
        "in-band error frame ignored",
        "an error sent inside the stream after it began must end it with an error event",
    ),
}


def known_bug(key: str) -> str:
    """The sentence that names the known bug ``key`` and says what to fix."""
    title, advice = KNOWN_BUGS[key]
    return f"known bug: {title} — {advice}"


def split_bug(label: str) -> str | None:
    """The known bug a split plan of :func:`rillet.testing.split_points` exposes, if any."""
    return {"utf8": known_bug("utf8-split"), "crlf": known_bug("crlf-split")}.get(label)


def expected_outcome_bugs(wanted: dict[str, Any], result: Any) -> list[str]:
    """The known bugs that explain how ``result`` differs from the ``wanted`` expected values."""
    bugs = []
    usage = result.usage
    for name, value in (wanted.get("usage") or {}).items():
        if usage is None:
            bugs.append(known_bug("dropped-usage"))
            break
        got = getattr(usage, name, None)
        if isinstance(value, int) and isinstance(got, int) and got > value:
            bugs.append(known_bug("summed-usage"))
            break
    calls = result.message.tool_calls
    expected_calls = wanted.get("tool_calls") or []
    if 0 < len(calls) < len(expected_calls):
        bugs.append(known_bug("merged-parallel-calls"))
    elif calls and (len(calls) > len(expected_calls) or any(not call.name for call in calls)):
        bugs.append(known_bug("keyed-by-id"))
    reasoning = wanted.get("reasoning")
    if isinstance(reasoning, str) and len(result.message.reasoning) < len(reasoning):
        bugs.append(known_bug("dropped-reasoning"))
    error = wanted.get("error")
    got_error = None if result.error is None else result.error.code
    if error not in (None, "truncated") and got_error in (None, "truncated"):
        bugs.append(known_bug("ignored-inband-error"))
    return bugs
