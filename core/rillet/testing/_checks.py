"""Pure checks on decoded event lists: grammar, invariants, split points, capability evidence.

Every ``check_*`` function raises ``AssertionError`` listing *all* the problems it found,
so one failing cassette tells the author everything that is wrong with it at once.
"""

from __future__ import annotations

import random
from typing import Any, Iterable, Sequence

from ._known_bugs import known_bug

__all__ = [
    "DELTA_TYPES",
    "TERMINAL_TYPES",
    "capability_evidence",
    "check_grammar",
    "check_invariants",
    "chunks_at",
    "dump_events",
    "grammar_problems",
    "invariant_problems",
    "split_points",
]

TERMINAL_TYPES = frozenset({"end", "error"})
DELTA_TYPES = frozenset({"token", "reasoning", "tool_call_start", "tool_call_delta", "tool_call", "server_tool", "usage"})

#: Error codes a stream may end with (``rillet._errors``).
KNOWN_ERROR_CODES = frozenset(
    {
        "authentication", "permission", "not_found", "bad_request", "content_filter", "rate_limit", "quota",
        "overloaded", "server", "timeout", "connection", "truncated", "protocol", "provider", "transport",
    }
)


def dump_events(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Events as plain dicts without timing, for comparing two runs of the same bytes."""
    dumped = []
    for event in events:
        data = event.model_dump(mode="json")
        data.pop("timing", None)
        dumped.append(data)
    return dumped


def grammar_problems(events: Sequence[Any], provider: str | None = None) -> list[str]:
    """What breaks the grammar ``start (delta)* (end|error)``; empty when nothing does."""
    if not events:
        return ["no events at all: a stream is one start, deltas, and one end or error"]
    problems: list[str] = []
    kinds = [getattr(event, "type", type(event).__name__) for event in events]
    if kinds[0] != "start":
        problems.append(f"the first event is {kinds[0]!r}, not 'start'")
    if kinds.count("start") != 1:
        problems.append(f"{kinds.count('start')} start events (exactly one required)")
    terminal = [i for i, kind in enumerate(kinds) if kind in TERMINAL_TYPES]
    if len(terminal) != 1:
        problems.append(f"{len(terminal)} terminal (end/error) events (exactly one required): {kinds}")
    if kinds[-1] not in TERMINAL_TYPES:
        problems.append(f"the last event is {kinds[-1]!r}, not 'end' or 'error'")
    for position, kind in enumerate(kinds[1:-1], start=1):
        if kind not in DELTA_TYPES and kind != "start":
            problems.append(f"event {position} has type {kind!r}, which a token stream may not contain")
    if provider is not None and kinds[0] == "start" and events[0].provider != provider:
        problems.append(f"start.provider is {events[0].provider!r}, expected {provider!r}")
    last = events[-1]
    if kinds[-1] == "error" and last.code not in KNOWN_ERROR_CODES:
        problems.append(f"error code {last.code!r} is not one of rillet's codes")
    return problems


def check_grammar(events: Sequence[Any], provider: str | None = None) -> None:
    """Assert the event grammar (see :func:`grammar_problems`)."""
    problems = grammar_problems(events, provider)
    if problems:
        raise AssertionError("event grammar broken:\n  " + "\n  ".join(problems))


def invariant_problems(events: Sequence[Any]) -> list[str]:
    """What breaks the invariants of docs/events.md; empty when nothing does.

    * text (and reasoning) deltas of each block concatenate to that block of the
      aggregated message of their choice (alternatives of ``n > 1`` stay apart);
    * tool calls: at most one ``tool_call_start`` per index, before its deltas; the deltas
      concatenate to the finished call's ``raw_arguments``; exactly one ``tool_call`` per
      index when the stream ended (at most one after an error), never before its last
      delta; name, id and choice agree with the start; ``arguments`` parse from the raw
      text, or are ``None`` with ``arguments_error`` set when the text is not JSON;
    * the ``end`` event's usage is the last ``usage`` event's, when both were sent.
    """
    from .._aggregate import StreamAggregator
    from .._events import read_tool_arguments
    from .._messages import ReasoningPart, TextPart

    problems: list[str] = []
    texts: dict[tuple[int, int], list[str]] = {}
    reasonings: dict[tuple[int, int], list[str]] = {}
    starts: dict[int, Any] = {}
    deltas: dict[int, list[str]] = {}
    finished: dict[int, list[Any]] = {}
    last_usage = None
    for position, event in enumerate(events):
        kind = event.type
        if kind == "token":
            texts.setdefault((event.choice, event.index), []).append(event.text)
        elif kind == "reasoning":
            reasonings.setdefault((event.choice, event.index), []).append(event.text)
        elif kind == "tool_call_start":
            if event.index in starts:
                problems.append(f"tool call {event.index}: a second tool_call_start (event {position})")
            if event.index in finished:
                problems.append(f"tool call {event.index}: tool_call_start after its tool_call — {known_bug('premature-finalisation')}")
            elif event.index in deltas:
                problems.append(f"tool call {event.index}: tool_call_start after its deltas")
            starts[event.index] = event
        elif kind == "tool_call_delta":
            if event.index in finished:
                problems.append(
                    f"tool call {event.index}: a delta (event {position}) after its tool_call — "
                    f"tool_call must come at the end of its block, never early; {known_bug('premature-finalisation')}"
                )
            deltas.setdefault(event.index, []).append(event.arguments_delta)
        elif kind == "tool_call":
            finished.setdefault(event.index, []).append(event)
        elif kind == "usage":
            last_usage = event.usage
    ended = bool(events) and events[-1].type == "end"
    for index in sorted(set(starts) | set(deltas) | set(finished)):
        calls = finished.get(index, [])
        if len(calls) > 1:
            problems.append(f"tool call {index}: {len(calls)} tool_call events (exactly one per index)")
        if not calls:
            if ended:
                problems.append(f"tool call {index}: started but never finished with a tool_call event")
            continue
        call = calls[0]
        joined = "".join(deltas.get(index, []))
        if joined != call.raw_arguments:
            problems.append(
                f"tool call {index}: deltas concatenate to {joined[:120]!r}, raw_arguments is {call.raw_arguments[:120]!r}"
            )
        start = starts.get(index)
        if start is not None and (start.name, start.call_id, start.choice) != (call.name, call.call_id, call.choice):
            problems.append(
                f"tool call {index}: start says ({start.name!r}, {start.call_id!r}, choice {start.choice}), "
                f"tool_call says ({call.name!r}, {call.call_id!r}, choice {call.choice})"
            )
        parsed, error = read_tool_arguments(call.raw_arguments)
        if error is not None:
            if call.arguments is not None or not call.arguments_error:
                problems.append(
                    f"tool call {index}: raw_arguments are not JSON ({call.raw_arguments[:120]!r}) but the call does "
                    "not say so: arguments must be None and arguments_error set"
                )
        elif call.arguments_error is not None or parsed != call.arguments:
            problems.append(f"tool call {index}: arguments {call.arguments!r} are not the parsed raw_arguments")
    choices = StreamAggregator.fold(events).choices
    for kind, blocks in (("text", texts), ("reasoning", reasonings)):
        for number, message in enumerate(choices):
            joined_blocks = ["".join(parts) for (choice, _), parts in blocks.items() if choice == number]
            aggregated = [part.text for part in message.content if isinstance(part, (TextPart, ReasoningPart)) and part.type == kind]
            if joined_blocks != aggregated:
                label = f"{kind} deltas per block" + (f" of choice {number}" if number else "")
                problems.append(f"{label} {joined_blocks!r} differ from the aggregated {aggregated!r}")
    if ended and last_usage is not None:
        end_usage = events[-1].usage
        if end_usage != last_usage:
            problems.append(f"end.usage {end_usage!r} is not the last usage event's {last_usage!r}")
    return problems


def check_invariants(events: Sequence[Any]) -> None:
    """Assert the invariants of docs/events.md (see :func:`invariant_problems`)."""
    problems = invariant_problems(events)
    if problems:
        raise AssertionError("stream invariants broken:\n  " + "\n  ".join(problems))


def split_points(body: bytes, *, seeds: int = 20, seed: int = 0) -> list[tuple[str, list[int]]]:
    """Labelled lists of cut offsets to feed ``body`` in pieces.

    ``whole`` (no cut), ``bytewise`` (every offset), ``utf8`` (inside every multi-byte
    UTF-8 character), ``crlf`` (between every CR and LF), ``frames`` (just after each
    blank line, where a server flushes) and ``seeds`` seeded random splittings.
    """
    size = len(body)
    plans: list[tuple[str, list[int]]] = [("whole", []), ("bytewise", list(range(1, size)))]
    inside_utf8 = [i for i in range(1, size) if 0x80 <= body[i] <= 0xBF]
    if inside_utf8:
        plans.append(("utf8", inside_utf8))
    crlf = [i + 1 for i in range(size - 1) if body[i : i + 2] == b"\r\n"]
    if crlf:
        plans.append(("crlf", crlf))
    frames = [i for i in range(2, size) if body[i - 1 : i] == b"\n" and body[i - 2 : i - 1] in (b"\n", b"\r")]
    if frames:
        plans.append(("frames", frames))
    for number in range(seeds):
        rng = random.Random(seed * 1000 + number)
        if size < 2:
            break
        count = min(size - 1, rng.randint(1, 40))
        plans.append((f"random{number}", sorted(rng.sample(range(1, size), count))))
    return plans


def chunks_at(body: bytes, cuts: Sequence[int]) -> list[bytes]:
    """``body`` cut at the sorted offsets ``cuts``."""
    edges = [0, *cuts, len(body)]
    return [body[start:stop] for start, stop in zip(edges, edges[1:]) if stop > start]


def capability_evidence(event_lists: Iterable[Sequence[Any]]) -> dict[str, bool]:
    """Which capabilities the streams show: tools, parallel_tools, reasoning, usage_in_stream."""
    shown = {"tools": False, "parallel_tools": False, "reasoning": False, "usage_in_stream": False}
    for events in event_lists:
        calls = {event.index for event in events if event.type == "tool_call"}
        shown["tools"] |= bool(calls)
        shown["parallel_tools"] |= len(calls) >= 2
        shown["reasoning"] |= any(event.type == "reasoning" for event in events)
        shown["usage_in_stream"] |= any(
            event.type == "usage" or (event.type == "end" and event.usage is not None) for event in events
        )
    return shown
