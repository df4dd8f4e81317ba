"""Terminal rendering: the frame-rate cap and the event renderer."""

from __future__ import annotations

import io
import time
from typing import Any

import rillet
from rillet.cli.output import DIM, RESET, FrameWriter, Renderer, format_usage


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flush_count = 0
        self.snapshots: list[str] = []

    def flush(self) -> None:
        self.flush_count += 1
        self.snapshots.append(self.getvalue())


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_live_writer_flushes_the_first_token_at_once_and_caps_the_rate() -> None:
    stream, clock = CountingStream(), FakeClock()
    writer = FrameWriter(stream, live=True, max_fps=60, clock=clock, background=False)
    writer.write("a")
    assert stream.flush_count == 1 and stream.getvalue() == "a"  # first token: no delay
    for number in range(1000):  # a very fast stream: 1000 tokens in 0.1 s
        clock.now += 0.0001
        writer.write(str(number % 10))
    assert stream.flush_count <= 1 + 0.1 * 60 + 1
    writer.close()
    assert stream.getvalue() == "a" + "".join(str(n % 10) for n in range(1000))


def test_live_writer_flushes_every_token_of_a_slow_stream() -> None:
    stream, clock = CountingStream(), FakeClock()
    writer = FrameWriter(stream, live=True, clock=clock, background=False)
    for word in ("one ", "two ", "three"):
        writer.write(word)
        clock.now += 0.1  # slower than a frame
    assert stream.snapshots == ["one ", "one two ", "one two three"]


def test_held_text_is_flushed_when_the_stream_pauses() -> None:
    stream = CountingStream()
    writer = FrameWriter(stream, live=True, max_fps=20)
    writer.write("fast ")
    writer.write("burst")  # within the same frame: held
    assert stream.getvalue() == "fast "
    deadline = time.monotonic() + 2
    while stream.getvalue() != "fast burst" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stream.getvalue() == "fast burst"  # flushed by the timer, no further write needed
    writer.close()
    assert stream.flush_count == 2


def test_piped_writer_never_flushes_per_token() -> None:
    stream = CountingStream()
    writer = FrameWriter(stream, live=False)
    for _ in range(100):
        writer.write("x")
    assert stream.flush_count == 0
    writer.close()
    assert stream.flush_count == 1 and stream.getvalue() == "x" * 100


def _events(*tokens: str) -> list[Any]:
    return [
        rillet.StartEvent(provider="p", model="m"),
        rillet.ReasoningEvent(text="let me "),
        rillet.ReasoningEvent(text="think"),
        *[rillet.TokenEvent(text=t) for t in tokens],
        rillet.ToolCallEvent(index=1, call_id="c1", name="lookup", arguments={"q": 1}, raw_arguments='{"q": 1}'),
        rillet.EndEvent(finish_reason="length", raw_finish_reason="max_tokens", usage=rillet.Usage(input_tokens=3, output_tokens=4)),
    ]


def _render(events: list[Any], **options: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    renderer = Renderer(FrameWriter(out, live=False), FrameWriter(err, live=False), **options)
    for event in events:
        renderer.handle(event)
    renderer.close()
    return out.getvalue(), err.getvalue()


def test_chat_rendering_dims_reasoning_on_the_side() -> None:
    out, err = _render(_events("Hel", "lo"), dim=True)
    assert out == "Hello\n"
    assert err.startswith(f"{DIM}let me think{RESET}\n")
    assert "[tool call] lookup({\"q\": 1}) id=c1" in err
    assert "[finished: length (max_tokens)]" in err


def test_chat_rendering_without_reasoning() -> None:
    out, err = _render(_events("Hello"), show_reasoning=False)
    assert out == "Hello\n"
    assert "think" not in err


def test_labelled_rendering_does_not_depend_on_token_splits() -> None:
    def labelled(events: list[Any]) -> str:
        stream = io.StringIO()
        writer = FrameWriter(stream, live=False)
        renderer = Renderer(writer, writer, labels=True)
        for event in events:
            renderer.handle(event)
        renderer.close()
        return stream.getvalue()

    whole = labelled(_events("Hello world"))
    assert whole == labelled(_events("H", "ello", " wor", "ld"))
    assert whole.splitlines() == [
        "[start] p/m",
        "[reasoning] let me think",
        "Hello world",
        '[tool call] lookup({"q": 1}) id=c1',
        "[usage] 3 input · 4 output tokens",
        "[end] length (max_tokens)",
    ]


def test_format_usage() -> None:
    usage = rillet.Usage(input_tokens=10, output_tokens=50, reasoning_tokens=5, cache_read_tokens=2)
    timing = rillet.Timing(time_to_first_token=0.5, duration=3.0)
    assert format_usage(usage, timing) == (
        "10 input · 50 output (5 reasoning) · 2 cache read tokens · first token 0.50s · 3.00s · 20.0 tokens/s"
    )
    assert format_usage(None) == "usage not reported"
