"""The built-in ``replay`` provider: stream a recorded response offline, at a set pace.

``replay/demo`` plays rillet's own demo recording; ``replay/PATH`` plays any vcrpy
cassette (``replay/PATH#N`` picks interaction N). Without ``#N`` a request that already
holds K assistant turns plays the K-th recorded response, so an agent's steps or a chat's
turns replay a multi-turn recording in order. The recording is decoded by the plugin
that owns its URL, through the same transport as a live stream.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator

import httpx

from ._errors import ConfigurationError, UnknownProviderError
from .cassettes import Interaction, load_cassette

if TYPE_CHECKING:
    from ._model import StreamingChatModel
    from ._request import ChatRequest
    from ._stream import TokenStream

__all__ = ["ReplayTransport", "find_recording", "replay_decoder", "replay_stream", "split_frames", "tokens_per_second"]

DEMO_DIR = Path(__file__).parent / "demo"
DEFAULT_TOKENS_PER_SECOND = 40.0
_FRAME_END = re.compile(rb"(?<=\n\n)|(?<=\r\n\r\n)")
_DROPPED_HEADERS = {"content-length", "transfer-encoding", "content-encoding"}


def find_recording(name: str) -> tuple[Path, int | None]:
    """Resolve ``demo``, ``NAME`` (a bundled demo) or ``PATH[#N]`` to a cassette and interaction."""
    base, _, number = name.partition("#")
    candidates = [Path(base), DEMO_DIR / base, DEMO_DIR / f"{base}.yaml"]
    for path in candidates:
        if path.is_file():
            return path, int(number) if number else None
    bundled = ", ".join(sorted(p.stem for p in DEMO_DIR.glob("*.yaml")))
    raise ConfigurationError(f"no recording named {base!r}: give a cassette path or one of: {bundled}")


def replay_decoder(interaction: Interaction, provider: str | None = None) -> Any:
    """A fresh decoder from the plugin that owns the recorded host or URL (or serves
    ``provider``), or ``None`` (see :func:`choose_decoder`)."""
    from ._decoder_choice import choose_decoder

    request = interaction.request
    return choose_decoder(request.method, request.uri, request.json(), provider)


def pick_interaction(interactions: list[Interaction], number: int | None, turn: int = 0) -> Interaction:
    """Interaction ``number``; without one, the ``turn``-th one a plugin can decode (the
    last one when there are fewer), so each step of a multi-turn conversation plays the
    next recorded response."""
    if number is not None:
        if not 0 <= number < len(interactions):
            raise ConfigurationError(f"the cassette has interactions 0 to {len(interactions) - 1}, not {number}")
        return interactions[number]
    decodable = [interaction for interaction in interactions if replay_decoder(interaction) is not None]
    if not decodable:
        return interactions[0]
    return decodable[min(turn, len(decodable) - 1)]


def tokens_per_second(value: Any) -> float:
    """The replay pace option: a number of tokens per second, 0 or more (0 = no pause)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    raise ConfigurationError(
        f"the replay option tokens_per_second must be a number 0 or more (0 = as fast as possible), "
        f"not {value!r}: -o tokens_per_second 100"
    )


def split_frames(body: bytes) -> list[bytes]:
    """Cut a body where a server would flush: after each SSE event, else after each line."""
    if b"\n\n" in body or b"\r\n\r\n" in body:
        frames = _FRAME_END.split(body)
    else:
        frames = body.splitlines(keepends=True)
    return [frame for frame in frames if frame]


def replay_stream(model: StreamingChatModel, request: ChatRequest) -> TokenStream:
    """The ``stream_tokens`` of the replay provider."""
    from ._stream import TokenStream

    path, number = find_recording(model.name)
    turn = sum(1 for message in request.messages if message.role == "assistant")
    interaction = pick_interaction(load_cassette(path), number, turn)
    if replay_decoder(interaction) is None:
        from ._plugin_sources import install_command

        raise UnknownProviderError(
            f"no installed plugin decodes {interaction.request.uri}; install the plugin for that "
            f"provider (the demo needs rillet-openai: `{install_command('rillet-openai')}`)"
        )
    speed = tokens_per_second(request.extra.get("tokens_per_second", DEFAULT_TOKENS_PER_SECOND))
    http_request = httpx.Request(
        interaction.request.method, interaction.request.uri, content=interaction.request.body
    )
    transport = ReplayTransport(interaction, tokens_per_second=speed)
    return TokenStream(model, http_request, lambda: replay_decoder(interaction), transport=transport)


class ReplayTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport that answers with a recorded response, one frame at a time.

    ``tokens_per_second`` paces the frames (``0`` sends them as fast as possible).
    """

    def __init__(self, interaction: Interaction, *, tokens_per_second: float = DEFAULT_TOKENS_PER_SECOND) -> None:
        self.interaction = interaction
        self.delay = 1.0 / tokens_per_second if tokens_per_second > 0 else 0.0

    def _response(self, stream: Any) -> httpx.Response:
        recorded = self.interaction.response
        headers = [(k, v) for k, values in recorded.headers.items() if k not in _DROPPED_HEADERS for v in values]
        return httpx.Response(recorded.status, headers=headers, stream=stream)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._response(_PacedFrames(split_frames(self.interaction.response.body), self.delay))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self._response(_PacedFrames(split_frames(self.interaction.response.body), self.delay))


class _PacedFrames(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, frames: list[bytes], delay: float) -> None:
        self.frames = frames
        self.delay = delay

    def __iter__(self) -> Iterator[bytes]:
        for number, frame in enumerate(self.frames):
            if number and self.delay:
                time.sleep(self.delay)
            yield frame

    async def __aiter__(self) -> AsyncIterator[bytes]:
        import anyio

        for number, frame in enumerate(self.frames):
            if number and self.delay:
                await anyio.sleep(self.delay)
            yield frame
