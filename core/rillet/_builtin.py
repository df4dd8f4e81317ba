"""rillet's own hook implementations: default aggregation and the offline replay provider."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._providers import Capabilities, ProviderInfo
from .hookspecs import hookimpl

if TYPE_CHECKING:
    from ._model import StreamingChatModel
    from ._request import ChatRequest
    from ._stream import AggregatedStream, TokenStream

REPLAY = ProviderInfo(
    name="replay",
    description="Replays a recorded stream offline (rillet's demo, or any cassette path)",
    models=("demo",),
    key_env_var=None,
    capabilities=Capabilities(tools=True, parallel_tools=True, reasoning=True, usage_in_stream=True),
    plugin="rillet",
)


@hookimpl
def rillet_providers() -> list[ProviderInfo]:
    """rillet ships the ``replay`` provider."""
    from . import __version__
    from dataclasses import replace

    return [replace(REPLAY, plugin_version=__version__)]


@hookimpl(trylast=True)
def stream_with_aggregation(model: StreamingChatModel, request: ChatRequest) -> AggregatedStream | None:
    """Aggregate any provider's token stream."""
    from ._discovery import plugin_manager
    from ._stream import AggregatedStream

    stream: TokenStream | None = plugin_manager().hook.stream_tokens(model=model, request=request)
    return None if stream is None else AggregatedStream(stream)


@hookimpl
def stream_tokens(model: StreamingChatModel, request: ChatRequest) -> TokenStream | None:
    """Stream a recording when the provider is ``replay``."""
    if model.provider != "replay":
        return None
    from ._replay import replay_stream

    return replay_stream(model, request)
