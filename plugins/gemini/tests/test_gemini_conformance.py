"""rillet-gemini under the conformance kit: its own cassettes and every shared recording of its wire format."""

from __future__ import annotations

from pathlib import Path

import rillet_gemini

from rillet.testing import GREETING, ProviderConformance, SharedRecordings

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SHARED = SharedRecordings(REPO.parent / "shared" / "cassettes")


class TestGeminiConformance(ProviderConformance):
    plugin = rillet_gemini
    provider = "gemini"
    cassette_paths = [REPO / "cassettes" / "gemini", *SHARED.paths(SHARED / "gemini", str(SHARED / "errors" / "*gemini*.yaml"))]
    expected_dirs = [HERE / "expected"]
    scenarios = {"gemini_scenario_text": GREETING}
    scenario_model = "gemini-2.5-flash"
    scenario_cassette_dir = REPO / "cassettes" / "gemini"
