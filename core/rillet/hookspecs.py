"""The plugin contract: rillet's pluggy hook specifications.

A plugin is a module registered under the ``rillet`` entry-point group, e.g.::

    [project.entry-points.rillet]
    mistral = "rillet_mistral"

that defines functions decorated with ``@rillet.hookimpl`` named after the hooks below.
Hooks are called with keyword arguments; an implementation may accept fewer arguments
than the specification, so hooks can grow without breaking plugins.

Keep the plugin module's top level light — ``rillet providers`` imports it — and import
request builders and decoders inside ``stream_tokens``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from ._decoding import Decoder
    from ._model import StreamingChatModel
    from ._providers import ProviderInfo
    from ._request import ChatRequest
    from ._stream import AggregatedStream, TokenStream

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("rillet")
hookimpl = pluggy.HookimplMarker("rillet")


@hookspec
def rillet_providers() -> list[ProviderInfo]:
    """Describe the providers this plugin serves.

    Called by ``rillet providers``, ``rillet.get_model`` and the gateway; it must not do
    I/O or import heavy modules.

    :return: a list of :class:`rillet.ProviderInfo`, one per provider name.
    """


@hookspec(firstresult=True)
def stream_tokens(model: StreamingChatModel, request: ChatRequest) -> TokenStream | None:
    """Open a token stream for ``request`` if this plugin owns ``model.provider``.

    Build an ``httpx.Request`` from ``request`` and return
    ``rillet.TokenStream(model, http_request, make_decoder)``: the core performs all I/O
    (retries, timeouts, cancellation) and feeds the body to the decoder. Return ``None``
    for any provider you do not serve. Raise ``rillet.MissingKeyError`` (via
    ``model.require_key()``) when a key is needed and absent.

    Stops at the first non-None result.

    :param model: the model to stream from: ``provider``, ``name``, ``base_url``, key.
    :param request: the provider-neutral request.
    :return: a lazy :class:`rillet.TokenStream` (nothing is sent until it is iterated), or
        ``None``. Hook wrappers (middleware such as rillet's logger) may hand the caller a
        wrapper of it with the same interface (``rillet.logs.ObservedStream``).
    """


@hookspec(firstresult=True)
def stream_with_aggregation(model: StreamingChatModel, request: ChatRequest) -> AggregatedStream | None:
    """Open a stream that also aggregates: ``content`` snapshots and a final message.

    rillet's own implementation (``trylast``) wraps ``stream_tokens`` in a
    :class:`rillet.StreamAggregator`; override it only when your provider aggregates
    natively. Return ``None`` for providers you do not serve.

    Stops at the first non-None result.

    :param model: the model to stream from.
    :param request: the provider-neutral request.
    :return: a lazy :class:`rillet.AggregatedStream`, or ``None``.
    """


@hookspec
def rillet_commands(cli: click.Group) -> None:
    """Add subcommands to the ``rillet`` command line.

    :param cli: the root ``click.Group``; call ``cli.add_command(...)`` or decorate with
        ``@cli.command()``.
    """


@hookspec(firstresult=True)
def rillet_replay_decoder(method: str, url: str, request_body: Any, provider: str | None) -> Decoder | None:
    """Return a decoder for a recorded exchange, if this plugin owns its URL.

    Used by ``rillet replay`` and the conformance kit to decode cassettes without a
    network. Recognise the request by its URL path (``/v1/chat/completions``,
    ``:streamGenerateContent`` …), whatever its query string holds; the body is the parsed
    JSON request when it had one. Own non-streaming exchanges too (a request without
    ``"stream": true``): their answer is one JSON object, or an HTTP error, and the decoder
    should read it whole (``rillet.provider.BodyKind`` tells the two shapes apart by the
    body's first byte).

    rillet asks the plugin of the provider whose default base URL has the recorded host
    first, passing that ``provider``; a ``--provider NAME`` given to ``rillet replay``
    passes it too, and then ``url`` may be empty (a raw body captured with ``curl -N``):
    return your decoder for ``provider`` whatever the URL. With ``provider=None`` claim
    only URLs that are surely yours (a path shared by many servers, like ``/api/chat``,
    needs the host too).

    Stops at the first non-None result.

    :param method: the HTTP method, upper case.
    :param url: the full request URL, or ``""`` for a raw body.
    :param request_body: the recorded request body parsed as JSON, or ``None``.
    :param provider: the provider to decode as (one of yours when given), or ``None``.
    :return: a fresh decoder, or ``None``.
    """


@hookspec(firstresult=True)
def rillet_list_models(provider: ProviderInfo, base_url: str) -> list[str] | None:
    """Return the models a provider offers right now, read live (e.g. Ollama's ``/api/tags``).

    Only for providers whose model list lives on the server. Raise a
    :class:`rillet.RilletError` (``ConnectError`` when no server answers) on failure.

    Stops at the first non-None result.

    :param provider: the provider to list.
    :param base_url: the base URL in effect.
    :return: model ids, or ``None`` when this plugin does not list ``provider`` live.
    """
