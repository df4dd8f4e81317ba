"""Check a hand-written cassette's request against what a plugin sends now."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["assert_plugin_sends_recorded_request"]


def assert_plugin_sends_recorded_request(plugin: Any, model: Any, request: Any, cassette: str | Path) -> None:
    """Assert that ``plugin.stream_tokens(model=model, request=request)`` builds the request
    of the cassette's first interaction: same method, URL and JSON body.

    For hand-written cassettes whose request the conformance kit's scenarios cannot send
    (another model than ``scenario_model``, say): it keeps them honest about the wire format.
    """
    from ..cassettes import load_cassette

    recorded = load_cassette(cassette)[0].request
    stream = plugin.stream_tokens(model=model, request=request)
    assert stream is not None, f"{plugin.__name__}.stream_tokens returned None for {model.id}"
    sent = stream.request
    assert (sent.method, str(sent.url)) == (recorded.method, recorded.uri), f"{cassette}: the request line differs"
    assert json.loads(sent.content) == recorded.json(), f"{cassette}: the plugin sends another body than the recorded one"
