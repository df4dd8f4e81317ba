"""StreamAggregator: folding events into a message, and the event grammar guard."""

from __future__ import annotations

import rillet
from rillet import (
    EndEvent,
    ErrorEvent,
    EventSequencer,
    ReasoningEvent,
    StartEvent,
    StreamAggregator,
    TokenEvent,
    ToolCallDeltaEvent,
    ToolCallEvent,
    ToolCallStartEvent,
    Usage,
    UsageEvent,
)


def test_text_and_reasoning_join_per_block_in_order_of_appearance() -> None:
    result = StreamAggregator.fold(
        [
            StartEvent(response_id="r"),
            ReasoningEvent(text="think "),
            ReasoningEvent(text="more", signature="sig-a"),
            ReasoningEvent(signature="sig-b"),
            TokenEvent(text="Hel"),
            TokenEvent(text="lo", index=0),
            TokenEvent(text="Second", index=1),
            EndEvent(finish_reason="stop", raw_finish_reason="end_turn"),
        ]
    )
    kinds = [part.type for part in result.message.content]
    assert kinds == ["reasoning", "text", "text"]
    assert result.message.reasoning == "think more"
    assert result.message.content[0].signature == "sig-asig-b"
    assert result.text == "HelloSecond"
    assert (result.finish_reason, result.raw_finish_reason, result.response_id) == ("stop", "end_turn", "r")


def test_tool_calls_take_their_final_arguments_from_the_tool_call_event() -> None:
    result = StreamAggregator.fold(
        [
            StartEvent(),
            ToolCallStartEvent(index=0, call_id="c0", name="weather"),
            ToolCallStartEvent(index=1, call_id="c1", name="time"),
            ToolCallDeltaEvent(index=0, arguments_delta='{"city": '),
            ToolCallDeltaEvent(index=1, arguments_delta="{}"),
            ToolCallDeltaEvent(index=0, arguments_delta='"Paris"}'),
            ToolCallEvent(index=0, call_id="c0", name="weather", arguments={"city": "Paris"}, raw_arguments='{"city": "Paris"}'),
            ToolCallEvent(index=1, call_id="c1", name="time", arguments={}, raw_arguments="{}"),
            EndEvent(finish_reason="tool_calls"),
        ]
    )
    calls = result.message.tool_calls
    assert [(c.call_id, c.name, c.arguments) for c in calls] == [("c0", "weather", {"city": "Paris"}), ("c1", "time", {})]


def test_an_unfinished_tool_call_keeps_its_raw_text_but_no_arguments() -> None:
    aggregator = StreamAggregator()
    for event in [ToolCallStartEvent(index=0, call_id="c", name="f"), ToolCallDeltaEvent(index=0, arguments_delta='{"a": 1}')]:
        aggregator.add(event)
    (call,) = aggregator.message().tool_calls
    assert call.raw_arguments == '{"a": 1}' and call.arguments is None


def test_usage_is_replaced_never_summed() -> None:
    result = StreamAggregator.fold(
        [
            UsageEvent(usage=Usage(input_tokens=10, output_tokens=1)),
            UsageEvent(usage=Usage(input_tokens=10, output_tokens=5)),
            EndEvent(usage=Usage(input_tokens=10, output_tokens=7)),
        ]
    )
    assert result.usage == Usage(input_tokens=10, output_tokens=7)


def test_sequencer_adds_a_missing_start_and_drops_everything_after_the_terminal_event() -> None:
    sequencer = EventSequencer("p", "m")
    out = sequencer.accept([TokenEvent(text="a"), EndEvent(), TokenEvent(text="late")])
    assert [e.type for e in out] == ["start", "token", "end"]
    assert out[0].provider == "p" and out[0].model == "m"
    assert sequencer.accept([TokenEvent(text="later")]) == []


def test_sequencer_drops_a_second_start_and_fills_the_partial_of_errors() -> None:
    sequencer = EventSequencer()
    out = sequencer.accept([StartEvent(), TokenEvent(text="par"), StartEvent(), TokenEvent(text="tial"), ErrorEvent(code="server", message="x")])
    assert [e.type for e in out] == ["start", "token", "token", "error"]
    assert out[-1].partial.text == "partial"


def test_decode_chunks_turns_a_decoder_crash_into_a_protocol_error_with_partial() -> None:
    class Crashing:
        def feed(self, data: bytes) -> list:
            if b"boom" in data:
                raise KeyError("choices")
            return [TokenEvent(text=data.decode())]

        def close(self) -> list:
            return [EndEvent()]

    events = rillet.decode_chunks(Crashing(), [b"ok", b"boom"], provider="x")
    assert [e.type for e in events] == ["start", "token", "error"]
    assert events[-1].code == "protocol" and "KeyError" in events[-1].message
    assert events[-1].partial.text == "ok"


def test_decode_chunks_reports_a_decoder_that_never_ends_as_truncated() -> None:
    class Silent:
        def feed(self, data: bytes) -> list:
            return [TokenEvent(text="x")]

        def close(self) -> list:
            return []

    events = rillet.decode_chunks(Silent(), [b"a"])
    assert events[-1].code == "truncated" and events[-1].partial.text == "x"


def test_stream_with_aggregation_adds_snapshots_and_the_final_message(server, fast_plugin_model) -> None:  # type: ignore[no-untyped-def]
    from loopback import Reply

    server.queue(Reply(body=[b'{"t": "Hel"}\n{"t": "lo"}\n{"done": "stop"}\n']))
    events = list(fast_plugin_model(server).stream_with_aggregation("hi"))
    snapshots = [e.message.text for e in events if e.type == "content"]
    assert snapshots == ["Hel", "Hello"]
    assert events[-1].type == "end" and events[-1].message.text == "Hello"


def test_a_malformed_frame_found_at_close_is_truncation() -> None:
    from rillet.framing import SSEParser

    class Sse:
        def __init__(self) -> None:
            self.parser = SSEParser()

        def _events(self, frames: list) -> list:
            import json

            out = []
            for frame in frames:
                try:
                    out.append(TokenEvent(text=json.loads(frame.data)["t"]))
                except ValueError:
                    out.append(ErrorEvent.from_exception(rillet.RemoteProtocolError(f"bad frame {frame.data!r}")))
            return out

        def feed(self, data: bytes) -> list:
            return self._events(self.parser.feed(data))

        def close(self) -> list:
            return self._events(self.parser.close())

    events = rillet.decode_chunks(Sse(), [b'data: {"t": "a"}\n\ndata: {"t": "b'])
    assert [e.type for e in events] == ["start", "token", "error"]
    assert events[-1].code == "truncated" and events[-1].partial.text == "a"
    mid_body = rillet.decode_chunks(Sse(), [b'data: {"t": "a"}\n\ndata: {"t\n\n'])
    assert mid_body[-1].code == "protocol"  # a bad frame followed by more data is the peer's fault


def test_alternative_choices_are_kept_apart_and_choice_zero_is_the_message() -> None:
    result = StreamAggregator.fold(
        [
            StartEvent(),
            TokenEvent(text="Red"),
            TokenEvent(text="Blue", choice=1),
            ToolCallStartEvent(index=0, call_id="c", name="f", choice=1),
            ToolCallEvent(index=0, call_id="c", name="f", arguments={}, raw_arguments="{}", choice=1),
            TokenEvent(text=" wine"),
            TokenEvent(text=" sky", choice=1),
            EndEvent(),
        ]
    )
    assert result.text == "Red wine" and result.message.tool_calls == []
    assert [choice.text for choice in result.choices] == ["Red wine", "Blue sky"]
    assert result.choices[0] == result.message and [c.name for c in result.choices[1].tool_calls] == ["f"]


def test_a_single_choice_stream_has_one_choice_and_text_metadata_lists_grow() -> None:
    result = StreamAggregator.fold(
        [
            TokenEvent(text="See "),
            TokenEvent(text="", provider_metadata={"citations": [{"url": "a"}]}),
            TokenEvent(text="here", provider_metadata={"citations": [{"url": "b"}]}),
            EndEvent(),
        ]
    )
    assert result.choices == [result.message]
    (part,) = result.message.content
    assert part.text == "See here" and part.provider_metadata == {"citations": [{"url": "a"}, {"url": "b"}]}


def test_server_tool_events_become_their_own_parts_not_reasoning() -> None:
    result = StreamAggregator.fold(
        [
            rillet.ServerToolEvent(index=0, kind="call", call_id="s1", name="web_search", arguments={"query": "q"}),
            rillet.ServerToolEvent(index=1, kind="result", call_id="s1", name="web_search_tool_result", content=[]),
            TokenEvent(text="Answer", index=2),
            EndEvent(),
        ]
    )
    call, answer, text = result.message.content
    assert (call.type, call.kind, call.arguments) == ("server_tool", "call", {"query": "q"})
    assert (answer.kind, answer.call_id) == ("result", "s1") and text.text == "Answer"
    assert result.message.reasoning == "" and result.message.tool_calls == []
def test_the_outcome_says_how_the_stream_ended_and_only_a_complete_one_has_a_finish_reason() -> None:
    tokens = [StartEvent(), TokenEvent(text="Hel")]
    assert StreamAggregator.fold([*tokens, EndEvent(finish_reason="length")]).outcome == "complete"
    failed = StreamAggregator.fold([*tokens, ErrorEvent(code="truncated", message="cut")])
    assert (failed.outcome, failed.finish_reason, failed.text) == ("error", None, "Hel")
    running = StreamAggregator()
    for event in tokens:
        running.add(event)
    assert running.result().outcome == "incomplete"
    running.cancel()
    cancelled = running.result()
    assert (cancelled.outcome, cancelled.finish_reason, cancelled.text) == ("cancelled", None, "Hel")
    ended = StreamAggregator()
    ended.add(EndEvent())
    ended.cancel()  # closing a stream after its end changes nothing
    assert ended.result().outcome == "complete"


STREAM = [
    StartEvent(),
    ReasoningEvent(text="think"),
    ReasoningEvent(signature="sig"),
    TokenEvent(text="Hel"),
    ToolCallStartEvent(index=0, call_id="c1", name="f"),
    ToolCallDeltaEvent(index=0, arguments_delta='{"x"'),
    TokenEvent(text="lo"),
    ToolCallDeltaEvent(index=0, arguments_delta=": 1}"),
    ToolCallEvent(index=0, call_id="c1", name="f", arguments={"x": 1}, raw_arguments='{"x": 1}'),
    EndEvent(finish_reason="tool_calls"),
]


def test_content_snapshots_read_after_the_stream_show_the_message_as_it_was() -> None:
    events = list(rillet.AggregatedStream(STREAM))
    eager = [rillet.ContentEvent(message=StreamAggregator.fold(STREAM[: n + 1]).message) for n, e in enumerate(STREAM) if e.type not in ("start", "end")]
    snapshots = [event for event in events if event.type == "content"]
    assert snapshots == eager  # built now, after the end: each still shows its own moment
    assert [s.message.content[0].signature for s in snapshots][:2] == [None, "sig"]
    calls = [s.message.tool_calls[0] for s in snapshots if s.message.tool_calls]
    assert [(c.raw_arguments, c.arguments) for c in calls] == [("", None), ('{"x"', None), ('{"x"', None), ('{"x": 1}', None), ('{"x": 1}', {"x": 1})]


def test_content_snapshots_are_built_only_when_read(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rillet import _aggregate

    built = []
    real = _aggregate._message_at
    monkeypatch.setattr(_aggregate, "_message_at", lambda marks: built.append(1) or real(marks))
    stream = [StartEvent(), *[TokenEvent(text="w ") for _ in range(5000)], EndEvent()]
    events = list(rillet.AggregatedStream(stream))
    assert len(built) == 1 and events[-1].message.text == "w " * 5000  # only the end's message
    assert events[-2].message.text == "w " * 5000 and len(built) == 2


def test_a_lazy_content_event_serialises_compares_and_prints_like_a_built_one() -> None:
    import pickle

    from rillet._events import _event_adapter

    built = rillet.ContentEvent(message=rillet.Message.assistant("Hel"))

    def lazy(read_first: bool) -> rillet.ContentEvent:
        event = rillet.ContentEvent.lazy(lambda: rillet.Message.assistant("Hel"))
        if read_first:
            assert event.message.text == "Hel"
        return event

    for read_first in (False, True):
        assert lazy(read_first).model_dump_json() == built.model_dump_json()
        assert _event_adapter().dump_json(lazy(read_first)) == _event_adapter().dump_json(built)
        assert lazy(read_first) == built and built == lazy(read_first)
        assert repr(lazy(read_first)) == repr(built)
        assert lazy(read_first).model_dump(exclude_unset=True) == built.model_dump(exclude_unset=True)
        assert lazy(read_first).model_copy() == built
        assert pickle.loads(pickle.dumps(lazy(read_first))) == built


def test_snapshots_taken_across_the_joins_of_a_long_answer_keep_their_moment() -> None:
    aggregator = StreamAggregator()
    aggregator.add(StartEvent())
    snapshots = []
    for number in range(1000):  # past the 64 loose pieces at which a part joins its text
        aggregator.add(TokenEvent(text=f"{number},"))
        aggregator.add(ToolCallDeltaEvent(index=1, arguments_delta=f"{number} "))
        snapshots.append(aggregator.snapshot())
    for number in (0, 63, 64, 65, 500, 999):
        message = snapshots[number]()
        assert message.text == "".join(f"{n}," for n in range(number + 1))
        assert message.tool_calls[0].raw_arguments == "".join(f"{n} " for n in range(number + 1))
