"""rillet-anthropic under the conformance kit: its own cassettes and every shared recording of its wire format."""

from __future__ import annotations

import os
from pathlib import Path

import rillet
import rillet_anthropic

from rillet.testing import ProviderConformance

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SHARED = Path(os.environ.get("RILLET_SHARED_CASSETTES", REPO.parent / "shared" / "cassettes"))
OWN = REPO / "cassettes" / "anthropic"

WEATHER_QUESTION = rillet.ChatRequest(
    messages=[rillet.Message.user("What is the weather in Paris?")],
    tools=[
        rillet.Tool(
            name="get_weather",
            description="Current weather in a city.",
            parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        )
    ],
)


class TestAnthropicConformance(ProviderConformance):
    plugin = rillet_anthropic
    provider = "anthropic"
    cassette_paths = [OWN, SHARED / "anthropic", str(SHARED / "errors" / "*anthropic*.yaml")]
    expected_dirs = [HERE / "expected"]
    scenarios = {"anthropic_scenario_text": "Say hello in three words.", "anthropic_scenario_tool_call": WEATHER_QUESTION}
    scenario_model = "claude-sonnet-4-5"
    scenario_cassette_dir = OWN
