"""vcrpy defaults for plugin authors: record mode, filtered credentials, decoded bodies.

``vcr_config()`` is the configuration dict (usable as pytest-recording's ``vcr_config``
fixture); ``make_vcr()`` builds a ``vcr.VCR`` with it and registers the ``rillet-yaml``
serializer, which also reads cassettes whose bodies are pydantic-ai ``parsed_body``
mappings. Nothing here imports vcrpy until it is called.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = [
    "FILTERED",
    "RECORD_MODES",
    "SECRET_REQUEST_HEADERS",
    "make_vcr",
    "register_serializer",
    "resolve_record_mode",
    "vcr_config",
]

#: What a filtered credential is replaced with in a recorded cassette.
FILTERED = "<filtered>"
#: Request headers that carry credentials or identify the account.
SECRET_REQUEST_HEADERS = (
    "authorization",
    "x-api-key",
    "x-goog-api-key",
    "api-key",
    "openai-organization",
    "openai-project",
    "anthropic-organization-id",
    "cookie",
)
#: Response headers dropped before a response is recorded.
DROPPED_RESPONSE_HEADERS = ("set-cookie", "openai-organization", "openai-project", "anthropic-organization-id")
#: Record modes: vcrpy's, plus ``rewrite`` (delete the cassette, then record it anew).
RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")
SERIALIZER = "rillet-yaml"


def resolve_record_mode(config: Any = None) -> str:
    """The record mode in force: ``--rillet-record-mode``, else ``--record-mode`` (when
    pytest-recording or rillet defines it), else ``RILLET_RECORD_MODE``, else ``none``."""
    mode = None
    if config is not None:
        mode = config.getoption("rillet_record_mode", default=None)
        if mode is None:
            other = config.getoption("record_mode", default=None)
            mode = other if other not in (None, "none") else None
    mode = mode or os.environ.get("RILLET_RECORD_MODE") or "none"
    if mode not in RECORD_MODES:
        raise ValueError(f"record mode {mode!r} is not one of {', '.join(RECORD_MODES)}")
    return mode


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in DROPPED_RESPONSE_HEADERS:
            del headers[name]
    return response


def vcr_config(record_mode: str | None = None) -> dict[str, Any]:
    """The kit's vcrpy settings.

    Record mode ``none`` unless asked (CI never reaches the network); credentials
    (``authorization``, ``x-api-key``, ``x-goog-api-key``, ``api-key``, organisation and
    project headers, cookies) replaced by ``<filtered>``; the ``key`` query parameter
    filtered; compressed bodies stored decoded; each recorded interaction plays at most
    once (the kit fails when one goes unplayed); requests matched on method, URL without
    the query (which held the key) and body (JSON bodies compared as JSON), so a change to
    what the plugin sends shows up as a cassette that no longer matches.
    """
    mode = record_mode or resolve_record_mode()
    return {
        "record_mode": "once" if mode == "rewrite" else mode,
        "filter_headers": [(name, FILTERED) for name in SECRET_REQUEST_HEADERS],
        "filter_query_parameters": [("key", FILTERED)],
        "decode_compressed_response": True,
        "before_record_response": _scrub_response,
        "match_on": ["method", "scheme", "host", "port", "path", "body"],
        "allow_playback_repeats": False,
        "serializer": SERIALIZER,
    }


class _RilletYAMLSerializer:
    """vcrpy's YAML format; on load, pydantic-ai ``parsed_body`` mappings become bodies."""

    @staticmethod
    def deserialize(cassette_string: str) -> dict[str, Any]:
        from vcr.serializers import yamlserializer

        data: dict[str, Any] = yamlserializer.deserialize(cassette_string)
        for interaction in data.get("interactions", []):
            request, response = interaction.get("request", {}), interaction.get("response", {})
            if "parsed_body" in request:
                request["body"] = json.dumps(request.pop("parsed_body"))
            if "parsed_body" in response:
                response["body"] = {"string": json.dumps(response.pop("parsed_body"))}
        return data

    @staticmethod
    def serialize(cassette_dict: dict[str, Any]) -> str:
        from vcr.serializers import yamlserializer

        text: str = yamlserializer.serialize(cassette_dict)
        return text


def register_serializer(recorder: Any) -> Any:
    """Register the ``rillet-yaml`` serializer on a ``vcr.VCR``; return it."""
    recorder.register_serializer(SERIALIZER, _RilletYAMLSerializer)
    return recorder


def make_vcr(record_mode: str | None = None, cassette: str | os.PathLike[str] | None = None) -> Any:
    """A ``vcr.VCR`` with :func:`vcr_config`. In ``rewrite`` mode ``cassette`` is deleted
    first, so it is recorded anew."""
    import vcr

    mode = record_mode or resolve_record_mode()
    if mode == "rewrite" and cassette is not None:
        Path(cassette).unlink(missing_ok=True)
    config = vcr_config(mode)
    config.pop("allow_playback_repeats")  # a use_cassette() option, False by default
    return register_serializer(vcr.VCR(**config))
