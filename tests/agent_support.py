"""An offline double for agent runs: a loopback server that answers each request with the
next recorded response of a cassette, so a run of N steps plays interactions 0 … N-1
through the real plugin (request builder, transport, decoder), and the requests the
plugin sent can be compared with the recorded ones."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from loopback import LoopbackServer, Reply

from rillet._replay import split_frames
from rillet.cassettes import Interaction, load_cassette

REPO = Path(__file__).resolve().parents[1]
AGENT_CASSETTES = REPO / "cassettes" / "agent"
#: The shared real recordings (``$RILLET_SHARED_CASSETTES``, else beside the repository).
SHARED = Path(os.environ.get("RILLET_SHARED_CASSETTES") or REPO.parent / "shared" / "cassettes")


def serve_cassette(server: LoopbackServer, path: Path) -> list[Interaction]:
    """Queue every interaction of ``path`` on ``server``, in order; return them."""
    interactions = load_cassette(path)
    for interaction in interactions:
        response = interaction.response
        server.queue(
            Reply(
                status=response.status,
                headers={"content-type": response.header("content-type") or "text/event-stream"},
                body=list(split_frames(response.body)),
            )
        )
    return interactions


def sent_bodies(server: LoopbackServer) -> list[dict[str, Any]]:
    """The JSON bodies of the requests the server received, in order."""
    return [json.loads(body) for _, _, body in server.requests]


def kinds(events: list[Any]) -> list[str]:
    """The event types, with runs of the same delta type collapsed (for readable asserts)."""
    collapsed: list[str] = []
    for event in events:
        if not collapsed or event.type != collapsed[-1] or event.type not in ("token", "tool_call_delta", "reasoning"):
            collapsed.append(event.type)
    return collapsed
