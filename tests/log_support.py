"""What the log tests share: the fake wire's lines, the fake model, reading back the store."""

from __future__ import annotations

from typing import Any

import pytest
from loopback import LoopbackServer

import rillet
import rillet.logs

TOKENS = [b'{"t": "Hel", "id": "r1"}\n', b'{"t": "lo"}\n']
DONE = b'{"done": "stop"}\n'

#: Run a test once iterating with ``for`` and once with ``async for``.
both = pytest.mark.parametrize("mode", ["sync", "async"])


def fake_model(server: LoopbackServer, options: rillet.StreamOptions, **kwargs: Any) -> rillet.StreamingChatModel:
    """The fake provider's model, pointed at ``server``."""
    return rillet.get_model("fake/fake-1", base_url=server.url, options=options, **kwargs)


def logged(location: str) -> list[Any]:
    """The streams logged at ``location``, oldest first (after the writer caught up)."""
    assert rillet.logs.flush(10), "the log writer did not catch up"
    with rillet.logs.open_store(location) as store:
        return store.streams(limit=None, oldest_first=True)
