"""``rillet replay``: feed a recorded vcrpy cassette, or a raw captured body, through a plugin's decoder."""

from __future__ import annotations

import random
import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click

from ._common import debug_option
from .output import FrameWriter, Renderer, use_color

__all__ = ["replay", "split_body"]

#: Largest piece ``--split-seed`` cuts; small enough to split UTF-8 characters and lines.
MAX_RANDOM_CHUNK = 64


def split_body(body: bytes, chunk_size: int | None = None, seed: int | None = None) -> list[bytes]:
    """The body whole, in ``chunk_size`` pieces, or cut at random points drawn from ``seed``."""
    if chunk_size is not None:
        return [body[i : i + chunk_size] for i in range(0, len(body), chunk_size)]
    if seed is not None:
        rng = random.Random(seed)
        pieces, start = [], 0
        while start < len(body):
            end = start + rng.randint(1, MAX_RANDOM_CHUNK)
            pieces.append(body[start:end])
            start = end
        return pieces
    return [body] if body else []


def _shown_url(uri: str) -> str:
    """The URL without its query string (which may hold a ``key=``)."""
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _provider_of(decoder: Any, uri: str) -> str:
    provider = getattr(decoder, "provider", None)
    if isinstance(provider, str) and provider:
        return provider
    return urlsplit(uri).hostname or ""


@click.command()
@click.argument("cassette", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option(
    "-i",
    "--interaction",
    "number",
    type=click.IntRange(min=0),
    metavar="N",
    help="Replay only interaction N (numbered from 0 in file order).  [default: every interaction a plugin decodes]",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    metavar="K",
    help="Feed the body to the decoder K bytes at a time.  [default: the whole body at once]",
)
@click.option(
    "--split-seed",
    type=int,
    metavar="S",
    help=f"Feed the body in pieces of 1 to {MAX_RANDOM_CHUNK} bytes, cut at random points from seed S.  [default: off]",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the events as NDJSON, one per line (model_dump_json(exclude_none=True)).  [default: text]",
)
@click.option(
    "-p",
    "--provider",
    "provider_name",
    metavar="NAME",
    help="Decode as provider NAME, whatever the recorded URL; needed for a raw body.  [default: by the recorded host, then path]",
)
@debug_option
def replay(
    cassette: str, number: int | None, chunk_size: int | None, split_seed: int | None, as_json: bool, provider_name: str | None
) -> None:
    """Decode a recorded response and print its events.

    CASSETTE is a vcrpy YAML file, or with --provider a raw response body as captured (SSE
    text from `curl -N`, NDJSON lines, a JSON array). Each interaction is decoded by the
    plugin of the provider whose default base URL has the recorded host (a recording of
    api.deepseek.com replays as deepseek), else by the plugin that claims its URL path;
    --provider forces one. The body is fed to that decoder whole, in K-byte chunks, or
    split at random points, and every split gives the same events. Streamed answers,
    non-streaming ones (one JSON object) and HTTP errors to either decode alike. An
    interaction no installed plugin decodes is reported on stderr and skipped.

    \b
    Examples:
      rillet replay cassettes/anthropic/text.yaml
      rillet replay recording.yaml --interaction 1 --json
      rillet replay recording.yaml --chunk-size 1 --json > split.ndjson
      rillet replay recording.yaml --split-seed 7
      curl -N https://api.deepseek.com/chat/completions … > body.txt
      rillet replay body.txt --provider deepseek
    """
    if chunk_size is not None and split_seed is not None:
        raise click.UsageError("give --chunk-size or --split-seed, not both")
    from .._decoding import decode_response
    from .._raw_capture import load_capture
    from .._replay import replay_decoder

    interactions, raw = load_capture(cassette, provider_name)
    if number is not None:
        if number >= len(interactions):
            raise click.BadParameter(
                f"{cassette} has {len(interactions)} interaction(s), numbered 0 to {len(interactions) - 1}",
                param_hint="--interaction",
            )
        interactions = [interactions[number]]
    writer = FrameWriter(sys.stdout, live=False)
    dim = use_color(sys.stdout)
    decoded = 0
    for interaction in interactions:
        request, response = interaction.request, interaction.response
        described = (
            f"raw body of {cassette}"
            if raw
            else f"interaction {interaction.number}: {request.method} {_shown_url(request.uri)} -> {response.status}"
        )
        decoder = replay_decoder(interaction, provider_name)
        if decoder is None:
            click.echo(f"Skipped {described}: no installed plugin decodes this URL", err=True)
            continue
        decoded += 1
        provider = _provider_of(decoder, request.uri)
        chunks = split_body(response.body, chunk_size, split_seed)
        events = decode_response(decoder, response.status, response.headers, chunks, provider=provider)
        if as_json:
            for event in events:
                writer.write(event.model_dump_json(exclude_none=True) + "\n")
            continue
        writer.ensure_newline()
        if decoded > 1:
            writer.write("\n")
        header = f"=== {described} ({provider})"
        writer.write((click.style(header, bold=True) if dim else header) + "\n")
        renderer = Renderer(writer, writer, dim=dim, labels=True)
        for event in events:
            renderer.handle(event)
        renderer.finish()
    writer.close()
    if decoded == 0:
        click.echo(
            f"Error: no installed plugin decodes the interactions of {cassette}; install the plugin "
            f"of that provider (`rillet plugins` lists the installed ones)",
            err=True,
        )
        raise click.exceptions.Exit(1)
