"""rillet-anthropic under the conformance kit: its own cassettes and every shared recording of its wire format."""

from __future__ import annotations

from pathlib import Path

import rillet_anthropic

from rillet.testing import GREETING, ProviderConformance, SharedRecordings, WEATHER_QUESTION

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SHARED = SharedRecordings(REPO.parent / "shared" / "cassettes")
OWN = REPO / "cassettes" / "anthropic"


class TestAnthropicConformance(ProviderConformance):
    plugin = rillet_anthropic
    provider = "anthropic"
    cassette_paths = [OWN, *SHARED.paths(SHARED / "anthropic", str(SHARED / "errors" / "*anthropic*.yaml"))]
    expected_dirs = [HERE / "expected"]
    scenarios = {"anthropic_scenario_text": GREETING, "anthropic_scenario_tool_call": WEATHER_QUESTION}
    scenario_model = "claude-sonnet-4-5"
    scenario_cassette_dir = OWN
