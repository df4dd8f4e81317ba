"""rillet.testing: the conformance kit every provider plugin runs.

Subclass :class:`ProviderConformance` in your plugin's tests, the way provider packages
subclass ``langchain-tests``; the kit runs every standard test over every recorded
interaction of your cassettes::

    # plugins/mistral/tests/test_mistral_conformance.py
    from pathlib import Path

    import rillet
    import rillet_mistral
    from rillet.testing import GREETING, WEATHER_QUESTION, ProviderConformance, SharedRecordings

    HERE = Path(__file__).resolve().parent
    REPO = HERE.parents[2]
    SHARED = SharedRecordings(REPO.parent / "shared" / "cassettes")  # or $RILLET_SHARED_CASSETTES


    class TestMistralConformance(ProviderConformance):
        plugin = rillet_mistral                      # the plugin module (its hookimpls)
        provider = "mistral"                         # the provider name events carry
        capabilities = rillet.Capabilities(tools=True, parallel_tools=True, usage_in_stream=True)
        cassette_paths = [REPO / "cassettes" / "mistral", *SHARED.paths(str(SHARED / "errors" / "*mistral*.yaml"))]
        expected_dirs = [HERE / "expected"]          # <cassette-stem>.json files
        scenarios = {"mistral_text": GREETING, "mistral_tools": WEATHER_QUESTION}  # recorded with a real key
        scenario_model = "mistral-small-latest"
        scenario_cassette_dir = REPO / "cassettes" / "mistral"
        kit_level = 2                                # the checks this plugin passes (KIT_LEVELS)
        # optional:
        require_capability_evidence = False          # only while recording it: on by default

Run ``pytest plugins/mistral``. For each interaction ``stem#N`` the kit checks the event
grammar and the invariants of docs/events.md; the same events whole, byte by byte, inside
UTF-8 characters and CRLF and at random split points; truncation (the body cut before its
terminal condition gives ``error`` code ``truncated`` with the partial result); sync/async
parity and cancellation through the real transport and a loopback socket; HTTP error
mapping (recorded and synthetic 400/401/403/404/429/5xx); that the capabilities match what
the cassettes show, each declared one backed by evidence; that no credential is recorded;
and that the outcome matches the expected file (``pytest --rillet-draft-expected`` drafts
missing ones for review). A failure with the mark of a streaming bug real plugins shipped
names it (``known bug: …``). ``kit_level`` pins the checks: a new check comes at a new
level (:data:`KIT_LEVELS` says what each added), so upgrading rillet never fails a
plugin's CI by surprise. Each live
scenario replays through the plugin's real ``stream_tokens`` with vcrpy, its request
matched on method, URL and body. A standard test with nothing to run on (no scenario, no
recorded HTTP error) errors and says what to add instead of being skipped.

Removing a standard test, or overriding it without ``@pytest.mark.xfail(reason=…)``,
makes the class fail to import. Re-record the live scenarios with a real key::

    MISTRAL_API_KEY=… pytest plugins/mistral -k test_scenario_replays --rillet-record-mode=rewrite

Names are imported on first use: pytest loads :mod:`rillet.testing.pytest_plugin` (and so
this package) in every session where rillet is installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._lazy import lazy_attribute

_EXPORTS = {
    "Case": "._cases",
    "ExpectedOutcome": "._expected",
    "GREETING": "._standard_requests",
    "IMAGE_QUESTION": "._standard_requests",
    "KIT_LEVELS": "._levels",
    "LATEST_KIT_LEVEL": "._levels",
    "ProviderConformance": "._kit",
    "WEATHER_QUESTION": "._standard_requests",
    "assert_plugin_sends_recorded_request": "._request_check",
    "RecordedResponseServer": "._server",
    "SharedRecordings": "._shared",
    "capability_evidence": "._checks",
    "check_grammar": "._checks",
    "check_invariants": "._checks",
    "chunks_at": "._checks",
    "draft_expected": "._expected",
    "dump_events": "._checks",
    "make_vcr": "._vcr",
    "secret_problems": "._secrets",
    "split_frames": "._cases",
    "split_points": "._checks",
    "standard_test_violations": "._kit",
    "vcr_config": "._vcr",
}

# A literal list, so type checkers see each name as re-exported; a test checks that it
# lists exactly the names of _EXPORTS.
__all__ = [
    "Case",
    "ExpectedOutcome",
    "GREETING",
    "IMAGE_QUESTION",
    "KIT_LEVELS",
    "LATEST_KIT_LEVEL",
    "ProviderConformance",
    "RecordedResponseServer",
    "SharedRecordings",
    "WEATHER_QUESTION",
    "assert_plugin_sends_recorded_request",
    "capability_evidence",
    "check_grammar",
    "check_invariants",
    "chunks_at",
    "draft_expected",
    "dump_events",
    "make_vcr",
    "secret_problems",
    "split_frames",
    "split_points",
    "standard_test_violations",
    "vcr_config",
]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from ._cases import Case, split_frames
    from ._checks import capability_evidence, check_grammar, check_invariants, chunks_at, dump_events, split_points
    from ._expected import ExpectedOutcome, draft_expected
    from ._kit import ProviderConformance, standard_test_violations
    from ._request_check import assert_plugin_sends_recorded_request
    from ._levels import KIT_LEVELS, LATEST_KIT_LEVEL
    from ._secrets import secret_problems
    from ._server import RecordedResponseServer
    from ._shared import SharedRecordings
    from ._standard_requests import GREETING, IMAGE_QUESTION, WEATHER_QUESTION
    from ._vcr import make_vcr, vcr_config
