"""rillet-ollama under the conformance kit: its own cassettes and every shared recording of its wire format."""

from __future__ import annotations

from pathlib import Path

import rillet_ollama

from rillet.testing import GREETING, ProviderConformance, SharedRecordings

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SHARED = SharedRecordings(REPO.parent / "shared" / "cassettes")


class TestOllamaConformance(ProviderConformance):
    plugin = rillet_ollama
    provider = "ollama"
    cassette_paths = [REPO / "cassettes" / "ollama", *SHARED.paths(SHARED / "ollama")]
    expected_dirs = [HERE / "expected"]
    scenarios = {"ollama_scenario_text": GREETING}
    scenario_model = "llama3.2"
    scenario_cassette_dir = REPO / "cassettes" / "ollama"
