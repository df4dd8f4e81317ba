"""Frame-level checks of one streamed answer, per format.

Each function takes the answer's server-sent events as ``(event name, data)`` pairs and
the play (``"text"`` or ``"tool-call"``) and returns, for every check it ran, the problems
it found (an empty list: the check passed). Check names are what a report shows.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["anthropic_problems", "chat_problems", "responses_problems"]

Frames = list[tuple[str, str]]
Checks = dict[str, list[str]]


def _json_frames(frames: Frames, skip: tuple[str, ...] = ()) -> tuple[list[tuple[str, Any]], list[str]]:
    """The frames whose data is a JSON object, and the problems of those that are not."""
    parsed, problems = [], []
    for name, data in frames:
        if data in skip:
            continue
        try:
            value = json.loads(data)
        except ValueError:
            problems.append(f"a frame's data is not JSON: {data[:120]!r}")
            continue
        if isinstance(value, dict):
            parsed.append((name, value))
        else:
            problems.append(f"a frame's data is not a JSON object: {data[:120]!r}")
    return parsed, problems


def _arguments_problems(label: str, arguments: str) -> list[str]:
    try:
        json.loads(arguments or "{}")
    except ValueError:
        return [f"{label}: the arguments {arguments[:120]!r} are not JSON"]
    return []


def _names_match(chunks: list[tuple[str, Any]]) -> list[str]:
    return [f"an `event: {name}` frame carries type {data.get('type')!r}" for name, data in chunks if name != data.get("type")]


def chat_problems(frames: Frames, play: str) -> Checks:
    """OpenAI Chat Completions chunks: JSON chunks, role first, one id, one finish reason,
    the usage chunk (``choices: []``, asked for with ``stream_options.include_usage``) last,
    ``[DONE]`` at the end; in the tool play, tool-call deltas with stable indexes and ids."""
    data = [item for _, item in frames]
    parsed, not_json = _json_frames(frames, skip=("[DONE]",))
    chunks = [chunk for _, chunk in parsed]
    checks: Checks = {"json-chunks": not_json}
    if not data or data[-1] != "[DONE]":
        checks["terminal-marker"] = [f"the stream does not end with `data: [DONE]` (its last frame: {data[-1][:80] if data else 'none'!r})"]
    else:
        checks["terminal-marker"] = ["`data: [DONE]` comes more than once"] if data.count("[DONE]") > 1 else []
    with_choices = [chunk for chunk in chunks if chunk.get("choices")]
    first_delta = (with_choices[0]["choices"][0].get("delta") or {}) if with_choices else {}
    checks["role-first"] = [] if first_delta.get("role") == "assistant" else [
        f"the first chunk's delta does not say role \"assistant\": {json.dumps(first_delta)[:120]}"
    ]
    ids = sorted({str(chunk.get("id")) for chunk in chunks})
    checks["stable-id"] = [] if len(ids) == 1 else [f"the chunks carry {len(ids)} ids: {ids[:4]}"]
    choices = [choice for chunk in chunks for choice in chunk.get("choices") or () if choice.get("index", 0) == 0]
    reasons = [choice["finish_reason"] for choice in choices if choice.get("finish_reason")]
    checks["finish-reason"] = [] if len(reasons) == 1 else [f"{len(reasons)} chunks carry a finish_reason (exactly one expected): {reasons}"]
    last = chunks[-1] if chunks else {}
    usage = last.get("usage")
    usage_problems = []
    if last.get("choices") != [] or not isinstance(usage, dict):
        usage_problems.append("usage was asked for (stream_options.include_usage) but the last chunk is not a usage chunk with `choices: []`")
    elif not all(isinstance(usage.get(name), int) for name in ("prompt_tokens", "completion_tokens")):
        usage_problems.append(f"the usage chunk lacks integer prompt_tokens and completion_tokens: {json.dumps(usage)[:120]}")
    if any(chunk.get("usage") for chunk in chunks[:-1]):
        usage_problems.append("a chunk before the last carries usage")
    checks["usage-chunk"] = usage_problems
    if play == "tool-call":
        checks["tool-call-deltas"] = _chat_tool_problems(choices, reasons)
    return checks


def _chat_tool_problems(choices: list[Any], reasons: list[str]) -> list[str]:
    calls: dict[int, dict[str, Any]] = {}
    problems = []
    for choice in choices:
        for delta in (choice.get("delta") or {}).get("tool_calls") or ():
            index = delta.get("index")
            if not isinstance(index, int):
                problems.append(f"a tool-call delta has no integer index: {json.dumps(delta)[:120]}")
                continue
            function = delta.get("function") or {}
            call = calls.get(index)
            if call is None:
                if not delta.get("id") or not function.get("name"):
                    problems.append(f"tool call {index}: its first delta lacks an id or a function name")
                calls[index] = call = {"id": delta.get("id"), "arguments": ""}
            elif delta.get("id") and delta["id"] != call["id"]:
                problems.append(f"tool call {index}: its id changed from {call['id']!r} to {delta['id']!r}")
            call["arguments"] += function.get("arguments") or ""
    if calls and sorted(calls) != list(range(len(calls))):
        problems.append(f"the tool-call indexes {sorted(calls)} are not 0, 1, …")
    for index, call in sorted(calls.items()):
        problems += _arguments_problems(f"tool call {index}", call["arguments"])
    if calls and reasons and reasons[-1] != "tool_calls":
        problems.append(f"the answer calls tools but its finish_reason is {reasons[-1]!r}, not 'tool_calls'")
    return problems


def anthropic_problems(frames: Frames, play: str) -> Checks:
    """Anthropic Messages events: names match types, message_start first, content blocks
    opened, filled and closed in order, one stop reason, usage, message_stop last; in the
    tool play, tool_use blocks with an id, a name and JSON input."""
    events, not_json = _json_frames(frames)
    checks: Checks = {"json-events": not_json, "event-names": _names_match(events)}
    kinds = [name for name, _ in events]
    start = events[0][1].get("message") if events and kinds[0] == "message_start" else None
    checks["message-start-first"] = [] if isinstance(start, dict) and start.get("id") else [
        f"the first event is {kinds[0] if kinds else 'missing'!r}, not a message_start with a message id"
    ]
    open_blocks: dict[int, dict[str, Any]] = {}
    closed: list[int] = []
    order, tools = [], []
    for name, data in events:
        index = data.get("index")
        if name == "content_block_start":
            if index in open_blocks or index in closed or (closed + list(open_blocks) and index <= max(closed + list(open_blocks))):
                order.append(f"content block {index} starts out of order")
            block = dict(data.get("content_block") or {}, partial="")
            open_blocks[index] = block
            if block.get("type") == "tool_use":
                tools.append((index, block))
        elif name == "content_block_delta":
            if index not in open_blocks:
                order.append(f"a delta for content block {index}, which is not open")
            elif (data.get("delta") or {}).get("type") == "input_json_delta":
                open_blocks[index]["partial"] += (data.get("delta") or {}).get("partial_json") or ""
        elif name == "content_block_stop":
            if index not in open_blocks:
                order.append(f"content block {index} stops without having started")
            else:
                closed.append(index)
                open_blocks.pop(index)
    if open_blocks:
        order.append(f"content blocks {sorted(open_blocks)} never stop")
    checks["block-order"] = order
    deltas = [data for name, data in events if name == "message_delta"]
    reasons = [(data.get("delta") or {}).get("stop_reason") for data in deltas]
    checks["stop-reason"] = [] if len(reasons) == 1 and isinstance(reasons[0], str) else [
        f"{len(deltas)} message_delta events with stop reasons {reasons} (one expected)"
    ]
    checks["usage"] = [] if deltas and isinstance((deltas[-1].get("usage") or {}).get("output_tokens"), int) else [
        "the message_delta carries no usage.output_tokens"
    ]
    checks["terminal-marker"] = [] if kinds and kinds[-1] == "message_stop" else [
        f"the stream does not end with message_stop (its last event: {kinds[-1] if kinds else 'none'!r})"
    ]
    if play == "tool-call":
        problems = []
        for index, block in tools:
            if not block.get("id") or not block.get("name"):
                problems.append(f"tool_use block {index} lacks an id or a name")
            problems += _arguments_problems(f"tool_use block {index}", block["partial"])
        if tools and reasons and reasons[-1] != "tool_use":
            problems.append(f"the answer calls tools but its stop_reason is {reasons[-1]!r}, not 'tool_use'")
        checks["tool-call-deltas"] = problems
    return checks


def responses_problems(frames: Frames, play: str) -> Checks:
    """OpenAI Responses events: names match types, response.created first, sequence numbers
    rising, a terminal response event last with usage; in the tool play, function_call
    items with a call id, a name, and argument deltas that add up to the final arguments."""
    events, not_json = _json_frames(frames)
    checks: Checks = {"json-events": not_json, "event-names": _names_match(events)}
    kinds = [name for name, _ in events]
    checks["created-first"] = [] if kinds and kinds[0] == "response.created" else [
        f"the first event is {kinds[0] if kinds else 'missing'!r}, not response.created"
    ]
    numbers = [data.get("sequence_number") for _, data in events]
    rising = all(isinstance(n, int) for n in numbers) and all(a < b for a, b in zip(numbers, numbers[1:]))
    checks["sequence-numbers"] = [] if rising else [f"sequence_number is not a rising integer: {numbers[:8]}…"]
    terminal = ("response.completed", "response.incomplete", "response.failed")
    checks["terminal-marker"] = [] if kinds and kinds[-1] in terminal and kinds.count(kinds[-1]) == 1 else [
        f"the stream does not end with one of {', '.join(terminal)} (its last event: {kinds[-1] if kinds else 'none'!r})"
    ]
    usage = ((events[-1][1].get("response") or {}).get("usage") or {}) if events else {}
    checks["usage"] = [] if all(isinstance(usage.get(n), int) for n in ("input_tokens", "output_tokens")) else [
        "the terminal response carries no usage with input_tokens and output_tokens"
    ]
    if play == "tool-call":
        checks["tool-call-deltas"] = _responses_tool_problems(events)
    return checks


def _responses_tool_problems(events: list[tuple[str, Any]]) -> list[str]:
    items: dict[str, dict[str, Any]] = {}
    problems = []
    for name, data in events:
        if name == "response.output_item.added" and (data.get("item") or {}).get("type") == "function_call":
            item = data["item"]
            if not item.get("call_id") or not item.get("name"):
                problems.append(f"function_call item {item.get('id')!r} lacks a call_id or a name")
            items[str(item.get("id"))] = {"arguments": ""}
        elif name == "response.function_call_arguments.delta":
            if str(data.get("item_id")) not in items:
                problems.append(f"argument delta for item {data.get('item_id')!r}, which was never added")
            else:
                items[str(data.get("item_id"))]["arguments"] += data.get("delta") or ""
        elif name == "response.function_call_arguments.done" and str(data.get("item_id")) in items:
            streamed = items[str(data.get("item_id"))]["arguments"]
            if data.get("arguments") != streamed:
                problems.append(f"item {data.get('item_id')!r}: the deltas add up to {streamed[:80]!r}, done says {str(data.get('arguments'))[:80]!r}")
            problems += _arguments_problems(f"item {data.get('item_id')!r}", str(data.get("arguments")))
    return problems
