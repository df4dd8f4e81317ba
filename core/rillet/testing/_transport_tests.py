"""Standard tests that run through the real transport: sync/async parity and cancellation.

The recorded response is served from a loopback socket (:mod:`._server`), so the core's
httpx drivers, the plugin's decoder and connection handling run as against a provider.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest

from ._cases import Case, split_frames
from ._checks import dump_events

__all__ = ["TransportTests"]


class TransportTests:
    """Mixed into :class:`rillet.testing.ProviderConformance`."""

    provider: ClassVar[str]
    make_decoder: Any
    decode: Any
    cases: Any

    def token_stream(self, case: Case, base_url: str, **limits: Any) -> Any:
        """A real :class:`rillet.TokenStream` for the recorded request, aimed at ``base_url``
        (``limits`` override the generous timeouts it uses by default)."""
        import httpx

        from .._model import StreamingChatModel
        from .._providers import ProviderInfo
        from .._stream import TokenStream
        from .._transport import StreamOptions

        recorded = case.interaction.request
        parts = urlsplit(recorded.uri)
        target = base_url + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"content-type": "application/json"} if recorded.body else {}
        request = httpx.Request(recorded.method, target, content=recorded.body, headers=headers)
        options = StreamOptions(**{"max_retries": 0, "connect_timeout": 10.0, "first_token_timeout": 30.0, "gap_timeout": 30.0, **limits})
        model = StreamingChatModel(ProviderInfo(name=self.provider), case.model_name, key="conformance", options=options)
        return TokenStream(model, request, lambda: self.make_decoder(case))

    def test_sync_async_parity(self, cassette_case: Case) -> None:
        """Served from a loopback socket through the real transport, ``for`` and
        ``async for`` give the events the sans-IO decode gives (timing aside)."""
        case = cassette_case
        expected = dump_events(self.decode(case))
        response = case.interaction.response
        with _server(response.status, response.headers, split_frames(case.body)) as server:
            synchronous = dump_events(list(self.token_stream(case, server.url)))
            asynchronous = dump_events(asyncio.run(self._collect_async(case, server.url)))
        assert synchronous == expected, f"{case.id}: sync events differ from the decoded recording"
        assert asynchronous == synchronous, f"{case.id}: async events differ from sync events"

    async def _collect_async(self, case: Case, base_url: str) -> list[Any]:
        from .._clients import async_client

        try:
            return [event async for event in self.token_stream(case, base_url)]
        finally:
            await async_client().aclose()

    def _cancellable(self) -> tuple[Case, int]:
        """A streamed case and how many frames hold its first delta (with frames left after)."""
        from .._decoding import EventSequencer, decode_step

        for case in self.cases():
            if not case.owned or case.status >= 400:
                continue
            frames = split_frames(case.body)
            decoder, sequencer = self.make_decoder(case), EventSequencer(self.provider, case.model_name)
            for number, frame in enumerate(frames[:-1]):
                events = sequencer.accept(decode_step(decoder, frame, self.provider))
                if sequencer.finished:
                    break
                if any(event.type not in ("start", "end", "error") for event in events):
                    return case, number + 1
        pytest.fail("no cassette streams a delta before its last frame, so cancellation cannot be tested")

    def test_cancellation_sync(self) -> None:
        """Leaving ``with stream:`` (``close()``) after the first delta closes the HTTP
        connection at once."""
        case, frames_before_hold = self._cancellable()
        response = case.interaction.response
        with _server(response.status, response.headers, split_frames(case.body), hold_after=frames_before_hold) as server:
            seen = []
            with self.token_stream(case, server.url) as stream:
                for event in stream:
                    seen.append(event.type)
                    if event.type != "start":
                        break
            assert server.client_closed.wait(5.0), f"{case.id}: the connection stayed open after close()"
        assert stream.cancelled, "the stream does not say it was cancelled"
        assert seen[-1] not in ("end", "error"), f"{case.id}: the stream ended ({seen}) before it could be cancelled"

    def test_cancellation_async(self) -> None:
        """``aclose()`` (leaving ``async with``) after the first delta closes the connection."""
        case, frames_before_hold = self._cancellable()
        response = case.interaction.response

        async def consume(url: str) -> tuple[Any, list[str]]:
            from .._clients import async_client

            seen = []
            stream = self.token_stream(case, url)
            try:
                async with stream:
                    async for event in stream:
                        seen.append(event.type)
                        if event.type != "start":
                            break
            finally:
                await async_client().aclose()
            return stream, seen

        with _server(response.status, response.headers, split_frames(case.body), hold_after=frames_before_hold) as server:
            stream, seen = asyncio.run(consume(server.url))
            assert server.client_closed.wait(5.0), f"{case.id}: the connection stayed open after aclose()"
        assert stream.cancelled, "the stream does not say it was cancelled"
        assert seen[-1] not in ("end", "error"), f"{case.id}: the stream ended ({seen}) before it could be cancelled"


    @pytest.mark.parametrize("mode", ["sync", "async"])
    def test_a_stall_mid_stream_is_a_gap_timeout(self, mode: str) -> None:
        """A server that stops sending after the first delta ends the stream with a
        ``timeout`` (``phase="gap"``) at the gap limit, keeping what arrived, and the
        connection is closed."""
        from .._aggregate import StreamAggregator

        case, frames_before_hold = self._cancellable()
        response = case.interaction.response
        gap = 0.3
        with _server(response.status, response.headers, split_frames(case.body), hold_after=frames_before_hold) as server:
            started = time.monotonic()
            events = self._collect(self.token_stream(case, server.url, gap_timeout=gap), mode)
            elapsed = time.monotonic() - started
            assert server.client_closed.wait(5.0), f"{case.id}: the connection stayed open after the timeout"
        error = events[-1]
        assert (error.type, getattr(error, "code", None), getattr(error, "phase", None)) == ("error", "timeout", "gap"), error
        delivered = StreamAggregator.fold(events[:-1]).message
        assert error.partial == delivered and len(events) > 2, f"{case.id}: the partial result was lost"
        assert elapsed < gap + 2.0, f"{case.id}: the {gap}s gap limit fired after {elapsed:.2f}s"

    def test_an_endless_frame_is_a_protocol_error(self) -> None:
        """Bytes that never complete a frame end the decode with a ``protocol`` error once
        ``max_frame_bytes`` of them produced no event (the decoder holds no more)."""
        from .._decoding import decode_chunks

        case, frames_before_hold = self._cancellable()
        frames = split_frames(case.body)[:frames_before_hold]
        endless = [b'"' + b"a" * 4095] * 64  # 256 KiB of an unterminated string, line and frame
        events = decode_chunks(self.make_decoder(case), [*frames, *endless], provider=self.provider, model=case.model_name, max_frame_bytes=64 * 1024)
        error = events[-1]
        assert (error.type, getattr(error, "code", None)) == ("error", "protocol"), f"{case.id}: {error}"

    def _collect(self, stream: Any, mode: str) -> list[Any]:
        if mode == "sync":
            return list(stream)

        async def gather() -> list[Any]:
            from .._clients import async_client

            try:
                return [event async for event in stream]
            finally:
                await async_client().aclose()

        return asyncio.run(gather())


def _server(status: int, headers: dict[str, list[str]], frames: list[bytes], hold_after: int | None = None) -> Any:
    from ._server import RecordedResponseServer

    return RecordedResponseServer(status, headers, frames, hold_after=hold_after)
