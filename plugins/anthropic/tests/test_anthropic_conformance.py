"""rillet-anthropic under the conformance kit: its own cassettes and every shared recording of its wire format."""

from __future__ import annotations

import os
from pathlib import Path

import rillet_anthropic

from rillet.testing import ProviderConformance

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SHARED = Path(os.environ.get("RILLET_SHARED_CASSETTES", REPO.parent / "shared" / "cassettes"))


class TestAnthropicConformance(ProviderConformance):
    plugin = rillet_anthropic
    provider = "anthropic"
    cassette_paths = [REPO / "cassettes" / "anthropic", SHARED / "anthropic", str(SHARED / "errors" / "*anthropic*.yaml")]
    expected_dirs = [HERE / "expected"]
