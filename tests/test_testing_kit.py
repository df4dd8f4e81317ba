"""The conformance kit (``rillet.testing``) run on the fake provider, and made to fail.

``TestFakeConformance`` is a real kit subclass over the hand-written cassettes in
``fixtures/kit/``: every standard test must pass. The pytester tests run subclasses in a
fresh pytest session and check that a broken decoder, a removed or overridden standard
test, a missing expected file, a capability mismatch, a leaked key and an unowned
interaction are all reported as failures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

import fake_provider
import rillet
from rillet.testing import (
    ProviderConformance,
    check_grammar,
    check_invariants,
    draft_expected,
    split_points,
    standard_test_violations,
    vcr_config,
)

pytest_plugins = ["pytester"]

KIT = Path(__file__).resolve().parent / "fixtures" / "kit"
sys.path.insert(0, str(KIT))

import fake_kit_plugin  # noqa: E402


class TestFakeConformance(ProviderConformance):
    """The kit on the fake provider: every standard test passes."""

    plugin = fake_kit_plugin
    provider = "fake"
    capabilities = fake_provider.INFO.capabilities
    cassette_paths = [KIT / "cassettes", KIT / "scenarios"]
    expected_dirs = [KIT / "expected"]
    scenarios = {"fake_scenario_hello": "Say hello"}
    scenario_model = "fake-1"
    scenario_cassette_dir = KIT / "scenarios"
    scenario_base_url = "http://fake.test"


# Helpers ---------------------------------------------------------------------------------


def _events(*events: object) -> list[object]:
    return [rillet.StartEvent(provider="fake"), *events]


def test_grammar_helper_reports_every_problem() -> None:
    with pytest.raises(AssertionError) as caught:
        check_grammar([rillet.TokenEvent(text="x"), rillet.EndEvent(), rillet.EndEvent()], provider="fake")
    message = str(caught.value)
    assert "first event is 'token'" in message
    assert "2 terminal" in message


def test_invariant_helper_catches_an_early_tool_call() -> None:
    events = _events(
        rillet.ToolCallStartEvent(index=0, call_id="c1", name="f"),
        rillet.ToolCallDeltaEvent(index=0, arguments_delta='{"a": '),
        rillet.ToolCallEvent(index=0, call_id="c1", name="f", arguments={"a": 1}, raw_arguments='{"a": 1}'),
        rillet.ToolCallDeltaEvent(index=0, arguments_delta="1}"),
        rillet.EndEvent(finish_reason="tool_calls"),
    )
    with pytest.raises(AssertionError, match="after its tool_call"):
        check_invariants(events)


def test_invariant_helper_requires_one_tool_call_per_index() -> None:
    events = _events(
        rillet.ToolCallStartEvent(index=0, call_id="c1", name="f"),
        rillet.ToolCallStartEvent(index=1, call_id="c2", name="g"),
        rillet.ToolCallDeltaEvent(index=1, arguments_delta="{}"),
        rillet.ToolCallEvent(index=1, call_id="c2", name="g", arguments={}, raw_arguments="{}"),
        rillet.EndEvent(finish_reason="tool_calls"),
    )
    with pytest.raises(AssertionError, match="tool call 0: started but never finished"):
        check_invariants(events)


def test_invariant_helper_accepts_a_good_parallel_stream() -> None:
    events = _events(
        rillet.TokenEvent(text="ok"),
        rillet.ToolCallStartEvent(index=0, call_id="c1", name="f"),
        rillet.ToolCallStartEvent(index=1, call_id="c2", name="g"),
        rillet.ToolCallDeltaEvent(index=0, arguments_delta='{"x":'),
        rillet.ToolCallDeltaEvent(index=1, arguments_delta="{}"),
        rillet.ToolCallDeltaEvent(index=0, arguments_delta=" 1}"),
        rillet.ToolCallEvent(index=0, call_id="c1", name="f", arguments={"x": 1}, raw_arguments='{"x": 1}'),
        rillet.ToolCallEvent(index=1, call_id="c2", name="g", arguments={}, raw_arguments="{}"),
        rillet.UsageEvent(usage=rillet.Usage(input_tokens=3)),
        rillet.EndEvent(finish_reason="tool_calls", usage=rillet.Usage(input_tokens=3)),
    )
    check_invariants(events)


def test_invariant_helper_requires_unparseable_arguments_to_be_marked_and_accepts_them_when_they_are() -> None:
    start = rillet.ToolCallStartEvent(index=0, call_id="c1", name="f")
    delta = rillet.ToolCallDeltaEvent(index=0, arguments_delta='{"x": ')
    unmarked = rillet.ToolCallEvent(index=0, call_id="c1", name="f", raw_arguments='{"x": ')
    with pytest.raises(AssertionError, match="arguments_error set"):
        check_invariants(_events(start, delta, unmarked, rillet.EndEvent(finish_reason="tool_calls")))
    marked = rillet.ToolCallEvent.finished(index=0, call_id="c1", name="f", raw_arguments='{"x": ')
    check_invariants(_events(start, delta, marked, rillet.EndEvent(finish_reason="tool_calls")))


def test_invariant_helper_keeps_alternative_choices_apart() -> None:
    events = _events(
        rillet.TokenEvent(text="Yes"),
        rillet.TokenEvent(text="No", choice=1),
        rillet.TokenEvent(text="!"),
        rillet.EndEvent(),
    )
    check_invariants(events)
    assert rillet.StreamAggregator.fold(events).text == "Yes!"


def test_grammar_helper_accepts_server_tool_events() -> None:
    events = _events(rillet.ServerToolEvent(index=0, kind="call", name="web_search", arguments={"query": "x"}), rillet.EndEvent())
    check_grammar(events, provider=events[0].provider)


def test_split_points_cover_utf8_and_crlf() -> None:
    body = "a\r\nb é\r\n".encode()
    plans = dict(split_points(body, seeds=3))
    assert plans["whole"] == []
    assert plans["bytewise"] == list(range(1, len(body)))
    assert plans["crlf"] == [2, 8]
    assert plans["utf8"] == [6]  # between the two bytes of "é"
    assert {"random0", "random1", "random2"} <= set(plans)


def test_draft_marks_itself_for_review() -> None:
    result = rillet.StreamAggregator.fold(_events(rillet.TokenEvent(text="hi"), rillet.EndEvent(raw_finish_reason="done")))
    draft = draft_expected(result)
    assert draft == {"draft": True, "text": "hi", "finish_reason": "stop", "raw_finish_reason": "done", "usage": None, "error": None}


def test_vcr_defaults_filter_credentials_and_replay_only() -> None:
    config = vcr_config()
    assert config["record_mode"] == "none"
    filtered = {name for name, _ in config["filter_headers"]}
    assert {"authorization", "x-api-key", "x-goog-api-key", "api-key", "openai-organization"} <= filtered
    assert config["filter_query_parameters"] == [("key", "<filtered>")]
    assert config["decode_compressed_response"] is True
    assert config["allow_playback_repeats"] is False


def test_guard_lists_removed_and_overridden_tests() -> None:
    class Loose:
        pass

    for name in ("test_event_grammar", "test_truncation"):
        setattr(Loose, name, getattr(ProviderConformance, name))
    Loose.test_truncation = lambda self: None  # type: ignore[attr-defined]
    problems = standard_test_violations(type("Probe", (Loose,), {}))
    assert any("overrides the standard test test_truncation" in p for p in problems)
    assert any("removes the standard test test_split_anywhere" in p for p in problems)
    assert not any("test_event_grammar" in p for p in problems)


def test_plugin_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, rillet.testing.pytest_plugin\n"
        "heavy = [m for m in ('httpx', 'pydantic', 'vcr', 'yaml', 'rillet.testing._kit') if m in sys.modules]\n"
        "print(heavy)"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


# The kit run in a fresh pytest session ----------------------------------------------------

_SUBCLASS = """
from pathlib import Path
import rillet
import {plugin} as plugin_module
from rillet.testing import ProviderConformance
import pytest

KIT = Path({kit!r})

class TestProbe(ProviderConformance):
    plugin = plugin_module
    provider = "fake"
    cassette_paths = {cassettes}
    expected_dirs = {expected}
{body}
"""
#: The fake plugin's live scenario, replayed from ``fixtures/kit/scenarios``.
_SCENARIO = (
    "    scenarios = {'fake_scenario_hello': 'Say hello'}\n"
    "    scenario_model = 'fake-1'\n"
    "    scenario_cassette_dir = KIT / 'scenarios'\n"
    "    scenario_base_url = 'http://fake.test'\n"
)


def _write(pytester: pytest.Pytester, *, plugin: str = "fake_kit_plugin", cassettes: str = "[KIT / 'cassettes']",
           expected: str = "[KIT / 'expected']", body: str = "", scenario: str = _SCENARIO) -> None:
    pytester.syspathinsert(str(KIT))
    pytester.syspathinsert(str(Path(__file__).resolve().parent))
    source = _SUBCLASS.format(plugin=plugin, kit=str(KIT), cassettes=cassettes, expected=expected, body=scenario + body)
    pytester.makepyfile(test_probe=source)


def _outcomes(result: pytest.RunResult) -> dict[str, str]:
    """``{test name without parameters: worst outcome}`` from a ``-rA`` run."""
    outcomes: dict[str, str] = {}
    rank = {"PASSED": 0, "SKIPPED": 1, "XFAIL": 1, "FAILED": 2, "ERROR": 2}
    for line in result.outlines:
        parts = line.split()
        if len(parts) >= 2 and parts[0] in rank and "::" in parts[1]:
            name = parts[1].split("::")[-1].split("[")[0]
            if rank[parts[0]] >= rank.get(outcomes.get(name, "PASSED"), 0):
                outcomes[name] = parts[0]
    return outcomes


def test_kit_passes_a_good_plugin_in_a_fresh_session(pytester: pytest.Pytester) -> None:
    _write(pytester)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=result.parseoutcomes()["passed"])  # nothing skipped
    outcomes = _outcomes(result)
    assert outcomes["test_scenario_replays"] == "PASSED"
    assert outcomes["test_split_anywhere"] == "PASSED"
    assert outcomes["test_truncation"] == "PASSED"
    assert outcomes["test_sync_async_parity"] == "PASSED"


def test_a_kit_test_with_nothing_to_run_on_fails_and_says_what_to_add(pytester: pytest.Pytester) -> None:
    import yaml

    document = yaml.safe_load((KIT / "cassettes" / "fake_text.yaml").read_text())
    document["interactions"] = document["interactions"][:1]  # the 200 stream only: no HTTP error
    (pytester.path / "fake_text.yaml").write_text(yaml.safe_dump(document))
    expected = json.loads((KIT / "expected" / "fake_text.json").read_text())
    expected["interactions"] = {"0": expected["interactions"]["0"]}
    (pytester.path / "fake_text.json").write_text(json.dumps(expected))
    _write(pytester, cassettes=f"[Path({str(pytester.path / 'fake_text.yaml')!r})]",
           expected=f"[Path({str(pytester.path)!r})]", scenario="")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rA")
    result.stdout.fnmatch_lines([
        "*no live `scenarios` declared: declare at least one*record it with: FAKE_API_KEY=*--rillet-record-mode=rewrite*",
    ])
    result.stdout.fnmatch_lines(["*no recorded HTTP error (4xx/5xx) in cassette_paths*"])
    outcomes = _outcomes(result)
    assert outcomes["test_scenario_replays"] == "ERROR" and outcomes["test_recorded_http_error"] == "ERROR"
    assert outcomes["test_split_anywhere"] == "PASSED"
    assert "SKIPPED" not in outcomes.values()


def test_kit_fails_a_broken_decoder(pytester: pytest.Pytester) -> None:
    _write(pytester, plugin="broken_kit_plugin")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rA")
    outcomes = _outcomes(result)
    assert outcomes["test_split_anywhere"] == "FAILED"
    assert outcomes["test_truncation"] == "FAILED"
    assert outcomes["test_expected_outcome"] == "FAILED"  # the in-band error is never decoded
    result.stdout.fnmatch_lines(["*splitting the body changes the events*", "*ended with 'end'*"])
    assert outcomes["test_no_secrets"] == "PASSED"


def test_removing_a_standard_test_fails_the_suite(pytester: pytest.Pytester) -> None:
    _write(pytester, body="    test_truncation = None\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*TestProbe removes the standard test test_truncation*"])


def test_overriding_without_xfail_fails_the_suite(pytester: pytest.Pytester) -> None:
    _write(pytester, body="    def test_truncation(self, stream_case):\n        pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*overrides the standard test test_truncation without @pytest.mark.xfail*"])


def test_overriding_with_xfail_and_a_reason_is_allowed(pytester: pytest.Pytester) -> None:
    body = (
        "    @pytest.mark.xfail(reason='this provider has no terminal marker', strict=True)\n"
        "    def test_truncation(self, stream_case):\n"
        "        raise AssertionError('cannot tell')\n"
    )
    _write(pytester, body=body)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rA")
    assert result.ret == 0
    assert _outcomes(result)["test_truncation"] == "XFAIL"


def test_missing_expected_outcome_fails_and_can_be_drafted(pytester: pytest.Pytester) -> None:
    drafts = pytester.path / "expected"
    _write(pytester, expected=f"[Path({str(drafts)!r})]")
    (drafts).mkdir()
    (drafts / "fake_inband_error.json").write_text((KIT / "expected" / "fake_inband_error.json").read_text())
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rA", "-k", "expected_outcome")
    result.stdout.fnmatch_lines(["*fake_text#0: no expected outcome*--rillet-draft-expected*"])

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "expected_outcome", "--rillet-draft-expected")
    result.stdout.fnmatch_lines(["*drafted an expected outcome*"])
    drafted = json.loads((drafts / "fake_text.json").read_text())["interactions"]
    assert drafted["0"]["draft"] is True and drafted["0"]["text"] == "Héllo, wörld ✓ 🎉"
    assert drafted["1"]["error"] == "rate_limit" and drafted["1"]["retry_after"] == 3.0

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "expected_outcome")
    result.stdout.fnmatch_lines(["*unreviewed draft*"])
    for entry in drafted.values():
        del entry["draft"]
    (drafts / "fake_text.json").write_text(json.dumps({"interactions": drafted}))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "expected_outcome")
    assert result.ret == 0


def _edited_expected(pytester: pytest.Pytester, stem: str, edit: Callable[[dict], object]) -> str:
    """Copy the kit's expected files into the pytester directory, apply ``edit`` to the
    interactions of ``<stem>.json``; return the ``expected`` argument of :func:`_write`."""
    expected = pytester.path / "expected"
    expected.mkdir()
    for source in (KIT / "expected").iterdir():
        (expected / source.name).write_text(source.read_text())
    data = json.loads((expected / f"{stem}.json").read_text())
    edit(data["interactions"])
    (expected / f"{stem}.json").write_text(json.dumps(data))
    return f"[Path({str(expected)!r})]"


def test_a_stale_expected_entry_is_reported(pytester: pytest.Pytester) -> None:
    stale = {"text": "from a cassette recorded long ago"}
    _write(pytester, expected=_edited_expected(pytester, "fake_text", lambda interactions: interactions.update({"7": stale})))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "expected_outcome and fake_text")
    result.stdout.fnmatch_lines(["*fake_text.json has entries 7 for interactions fake_text.yaml does not record*delete the stale entries*"])
    assert result.parseoutcomes()["failed"] == 3  # every interaction of that cassette


def test_wrong_expected_outcome_is_reported(pytester: pytest.Pytester) -> None:
    _write(pytester, expected=_edited_expected(pytester, "fake_text", lambda interactions: interactions["0"].update(text="Hello")))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "expected_outcome")
    result.stdout.fnmatch_lines(["*text: expected 'Hello', got 'Héllo, wörld ✓ 🎉'*"])
    result.assert_outcomes(passed=3, failed=1)


def test_capability_mismatch_is_reported(pytester: pytest.Pytester) -> None:
    _write(pytester, body="    capabilities = rillet.Capabilities(tools=True, usage_in_stream=True)\n")  # evidence is required by default
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rA", "-k", "capabilities or manifest")
    outcomes = _outcomes(result)
    assert outcomes == {"test_plugin_manifest": "FAILED", "test_capabilities_match_cassettes": "FAILED"}
    result.stdout.fnmatch_lines(
        ["*fake_text#0 show reasoning but capabilities.reasoning is False*", "*capabilities.tools is True but no cassette shows it*"]
    )


def test_unowned_interaction_must_be_marked(pytester: pytest.Pytester) -> None:
    _write(pytester, expected=_edited_expected(pytester, "fake_inband_error", lambda interactions: interactions.pop("1")))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "owner")
    result.stdout.fnmatch_lines(["*fake_inband_error#1: *rillet_replay_decoder returns None for HEAD https://tokenizers.example*"])
    result.assert_outcomes(passed=4, failed=1)


def test_leaked_key_is_reported(pytester: pytest.Pytester) -> None:
    cassettes = pytester.path / "cassettes"
    cassettes.mkdir()
    leaky = (KIT / "cassettes" / "fake_text.yaml").read_text().replace('"<filtered>"', '"Bearer sk-' + "a1B2c3D4" * 4 + '"', 1)
    (cassettes / "fake_text.yaml").write_text(leaky)
    _write(pytester, cassettes=f"[Path({str(cassettes)!r})]")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "secrets")
    result.stdout.fnmatch_lines(["*request header 'authorization' holds a real-looking value*"])
    result.assert_outcomes(failed=1)


def test_missing_cassette_directory_fails_collection(pytester: pytest.Pytester) -> None:
    _write(pytester, cassettes="[KIT / 'no-such-directory']")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*the cassette path * does not exist*"])


def test_scenario_records_filtered_then_replays_every_interaction(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    from rillet.testing import RecordedResponseServer

    recordings = pytester.path / "recorded"
    frames = [b'{"id": "live-1", "t": "Hi"}\n', b'{"t": " there"}\n', b'{"done": "stop"}\n']
    secret = "sk-fake-" + "Z9y8X7w6" * 3
    monkeypatch.setenv("FAKE_API_KEY", secret)
    with RecordedResponseServer(200, {"content-type": ["application/x-ndjson"]}, frames) as server:
        body = (
            "    scenarios = {'fake_live_hello': 'Say hello'}\n"
            "    scenario_model = 'fake-1'\n"
            f"    scenario_cassette_dir = {str(recordings)!r}\n"
            f"    scenario_base_url = {server.url!r}\n"
        )
        _write(pytester, body=body, scenario="")
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "scenario")
        result.stdout.fnmatch_lines(["*no cassette*fake_live_hello.yaml; record it: *--rillet-record-mode=rewrite*"])
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "scenario", "--rillet-record-mode=rewrite")
        result.assert_outcomes(passed=1)
        assert len(server.requests) == 1
    recorded = (recordings / "fake_live_hello.yaml").read_text()
    assert secret not in recorded and "<filtered>" in recorded

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "scenario")  # record mode none, server gone
    result.assert_outcomes(passed=1)

    import yaml

    document = yaml.safe_load(recorded)
    document["interactions"].append(document["interactions"][0])
    (recordings / "fake_live_hello.yaml").write_text(yaml.safe_dump(document))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "scenario")
    result.stdout.fnmatch_lines(["*1 recorded interaction(s) went unplayed*"])
    result.assert_outcomes(failed=1)


def test_a_pinned_kit_level_keeps_the_checks_a_plugin_passed(pytester: pytest.Pytester) -> None:
    """Capability evidence came at level 2: a class pinned at level 1 is not failed by it,
    the same class at level 2 (or unpinned: the latest) is."""
    unbacked = "    capabilities = rillet.Capabilities(reasoning=True, usage_in_stream=True, tools=True)\n"
    outcomes = {}
    for level in ("1", "2", "None"):
        _write(pytester, body=unbacked + f"    kit_level = {level}\n")
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rA", "-k", "capabilities")
        outcomes[level] = _outcomes(result)["test_capabilities_match_cassettes"]
    assert outcomes == {"1": "PASSED", "2": "FAILED", "None": "FAILED"}


def test_an_unknown_kit_level_is_refused_naming_the_known_ones() -> None:
    from rillet.testing import KIT_LEVELS, LATEST_KIT_LEVEL, ProviderConformance

    assert LATEST_KIT_LEVEL == max(KIT_LEVELS) == 2
    with pytest.raises(TypeError, match=r"TestFuture.kit_level = 3: this rillet knows kit levels 1, 2; pin one of them, or upgrade"):
        type("TestFuture", (ProviderConformance,), {"kit_level": 3})


def test_the_changelog_in_the_author_guide_lists_every_kit_level() -> None:
    from rillet.testing import KIT_LEVELS

    guide = (Path(__file__).resolve().parents[1] / "docs" / "plugin-author-guide.md").read_text(encoding="utf-8")
    for level, added in KIT_LEVELS.items():
        assert f"| {level} | {added} |" in guide, f"kit level {level} is not in the author guide's changelog"
