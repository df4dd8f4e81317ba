"""rillet-openai under the conformance kit: Chat Completions and the Responses API, each over
its own cassettes and every shared recording of its wire format."""

from __future__ import annotations

from pathlib import Path

import rillet_openai

from rillet.testing import GREETING, ProviderConformance, SharedRecordings, WEATHER_QUESTION

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SHARED = SharedRecordings(REPO.parent / "shared" / "cassettes")
OWN = REPO / "cassettes" / "openai"


class TestOpenAIChatConformance(ProviderConformance):
    plugin = rillet_openai
    provider = "openai"
    cassette_paths = [
        str(OWN / "openai_chat_*.yaml"),
        str(OWN / "vllm*.yaml"),
        *SHARED.paths(
            SHARED / "openai_chat",
            str(SHARED / "errors" / "*openai*.yaml"),
            str(SHARED / "errors" / "*openrouter*.yaml"),
        ),
    ]
    expected_dirs = [HERE / "expected"]
    scenarios = {"openai_chat_scenario_text": GREETING, "openai_chat_scenario_tool_call": WEATHER_QUESTION}
    scenario_model = "gpt-4o-mini"
    scenario_cassette_dir = OWN


class TestOpenAIResponsesConformance(ProviderConformance):
    plugin = rillet_openai
    provider = "openai-responses"
    cassette_paths = [str(OWN / "responses_*.yaml"), *SHARED.paths(SHARED / "openai_responses")]
    expected_dirs = [HERE / "expected"]
    scenarios = {"responses_scenario_text": GREETING}
    scenario_model = "gpt-4o-mini"
    scenario_cassette_dir = OWN
