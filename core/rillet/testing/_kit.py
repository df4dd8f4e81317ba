"""``ProviderConformance``: the standard tests a provider plugin's test class inherits."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Sequence

import pytest

from ._cases import Case, call_replay_decoder, collect_cases, find_cassettes, split_frames
from ._checks import capability_evidence, check_grammar, check_invariants, chunks_at, dump_events, split_points
from ._error_tests import SYNTHETIC_STATUSES, HTTPErrorTests
from ._expected import draft_expected, write_draft
from ._known_bugs import expected_outcome_bugs, known_bug, split_bug
from ._levels import check_kit_level
from ._scenario_tests import ScenarioTests
from ._shared import MissingSharedRecordings
from ._transport_tests import TransportTests

if TYPE_CHECKING:
    from .._decoding import Decoder
    from .._events import Event

__all__ = ["ProviderConformance", "standard_test_violations"]

_CACHE_ATTRIBUTE = "_rillet_cases_cache"
#: What shows each capability, said when a declared one has no evidence.
_EVIDENCE = {
    "tools": "add a cassette where the model calls a tool",
    "parallel_tools": "add a cassette where the model makes two tool calls or more in one answer",
    "reasoning": "add a cassette where the model streams its reasoning",
    "usage_in_stream": "add a cassette whose stream reports usage, and list that usage in its expected file",
}
_MISSING = {
    "any_case": "no interaction in cassette_paths",
    "cassette_case": "no interaction in cassette_paths is decoded by the plugin: check the URL match of its "
    "rillet_replay_decoder hook",
    "stream_case": "no successful (2xx) streamed response in cassette_paths: record one (a live scenario), or "
    "write one by hand from the provider's documented wire format and say so in the file",
    "http_error_case": "no recorded HTTP error (4xx/5xx) in cassette_paths: record one (a wrong key gives 401, an "
    "unknown model 404), or write one by hand from the provider's documented error format and say so in the file",
    "scenario": "no live `scenarios` declared: declare at least one (cassette name -> prompt or ChatRequest) with "
    "`scenario_model`, and record it with: ",
}


class MissingParameter:
    """Stands in for an empty parameter list: the test it reaches errors at set-up with ``message``."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __repr__(self) -> str:
        return "<missing>"


def _xfail_reason(function: Any) -> str | None:
    for mark in getattr(function, "pytestmark", []):
        if mark.name == "xfail":
            reason = mark.kwargs.get("reason") or (mark.args[1] if len(mark.args) > 1 else None)
            if reason:
                return str(reason)
    return None


def standard_test_violations(cls: type) -> list[str]:
    """Standard tests ``cls`` removed, or overrode without ``@pytest.mark.xfail(reason=…)``."""
    problems = []
    for name in dir(ProviderConformance):
        original = getattr(ProviderConformance, name)
        if not name.startswith("test_") or not callable(original):
            continue
        current = getattr(cls, name, None)
        if not callable(current):
            problems.append(f"{cls.__name__} removes the standard test {name}")
        elif current is not original and _xfail_reason(current) is None:
            problems.append(
                f"{cls.__name__} overrides the standard test {name} without @pytest.mark.xfail(reason=...); "
                "keep it, or mark the override xfail with the reason the provider cannot pass it"
            )
    return problems


class ProviderConformance(HTTPErrorTests, TransportTests, ScenarioTests):
    """Subclass me (as ``Test<Provider>Conformance``) to run the conformance kit on a plugin.

    Declare on the subclass:

    * ``plugin`` — the plugin module (``import rillet_mistral``);
    * ``provider`` — the provider name its events carry (``"mistral"``);
    * ``capabilities`` — a :class:`rillet.Capabilities`; ``None`` reads it from the
      plugin's ``rillet_providers()`` (when set, the two must agree);
    * ``cassette_paths`` — files, directories and globs of vcrpy cassettes;
    * ``expected_dirs`` — where ``<cassette-stem>.json`` expected files live (else the kit
      looks for ``<stem>.expected.json`` beside the cassette);
    * ``scenarios`` — live requests (cassette name -> prompt or ``ChatRequest``) with
      ``scenario_model`` and ``scenario_cassette_dir``; at least one;
    * ``kit_level`` — the kit level the plugin passes (``rillet.testing.KIT_LEVELS``);
      a newer rillet adds checks only at newer levels, so pinning keeps CI stable;
    * optionally ``interactions_filter`` (a function ``Case -> bool``),
      ``require_capability_evidence`` (on from kit level 2: set it False only while the
      evidence is being recorded), ``split_seeds`` and ``scenario_base_url``.

    Every ``test_*`` method here is a standard test: removing one, or overriding it
    without ``@pytest.mark.xfail(reason=…)``, makes the class fail to import.
    """

    __rillet_conformance__: ClassVar[bool] = True

    plugin: ClassVar[Any] = None
    provider: ClassVar[str] = ""
    capabilities: ClassVar[Any] = None
    cassette_paths: ClassVar[Sequence[str | Path]] = ()
    expected_dirs: ClassVar[Sequence[str | Path]] = ()
    interactions_filter: ClassVar[Callable[[Case], bool] | None] = None
    #: The kit level the class passes (``rillet.testing.KIT_LEVELS``); ``None``: the latest.
    kit_level: ClassVar[int | None] = None
    #: ``None``: on from kit level 2.
    require_capability_evidence: ClassVar[bool | None] = None
    split_seeds: ClassVar[int] = 20
    #: Live scenarios: cassette name -> prompt (str) or rillet.ChatRequest.
    scenarios: ClassVar[dict[str, Any]] = {}
    scenario_model: ClassVar[str] = ""
    scenario_cassette_dir: ClassVar[str | Path | None] = None
    #: Base URL for live scenarios (``None``: the provider's default or its env var).
    scenario_base_url: ClassVar[str | None] = None
    synthetic_error_body: ClassVar[bytes] = b'{"error": {"message": "rillet conformance kit: synthetic error"}}'

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        problems = standard_test_violations(cls)
        if problems:
            raise TypeError("\n".join(problems))
        check_kit_level(cls.kit_level, cls.__name__)

    # collection ---------------------------------------------------------------------

    @classmethod
    def cases(cls) -> list[Case]:
        """Every interaction of the declared cassettes (loaded once per class)."""
        cached = cls.__dict__.get(_CACHE_ATTRIBUTE)
        if cached is None:
            if cls.plugin is None or not cls.provider:
                raise TypeError(f"{cls.__name__} must declare `plugin` (the module) and `provider` (its name)")
            if not cls.cassette_paths:
                raise TypeError(f"{cls.__name__} must declare `cassette_paths`")
            cached = collect_cases(cls.plugin, cls.cassette_paths, cls.expected_dirs, cls.interactions_filter)
            setattr(cls, _CACHE_ATTRIBUTE, cached)
        return cached

    def pytest_generate_tests(self, metafunc: Any) -> None:
        """Parametrize the standard tests over the class's cassettes (ids ``stem#N``)."""
        names = metafunc.fixturenames
        cases = type(self).cases() if any(name.endswith("_case") or name == "cassette_file" for name in names) else []
        decodable = [case for case in cases if case.owned]
        parameters = {
            "any_case": cases,
            "cassette_case": decodable,
            "stream_case": [case for case in decodable if case.status < 400],
            "http_error_case": [case for case in decodable if case.status >= 400],
        }
        shared_missing = next((e.reason for e in self.cassette_paths if isinstance(e, MissingSharedRecordings)), None)
        for name, values in parameters.items():
            if name in names:
                if values:
                    metafunc.parametrize(name, values, ids=[case.id for case in values])
                elif shared_missing:  # the cases would come from the absent shared recordings
                    skipped = pytest.param(None, marks=pytest.mark.skip(reason=shared_missing), id="shared-recordings-missing")
                    metafunc.parametrize(name, [skipped])
                else:
                    metafunc.parametrize(name, [MissingParameter(_MISSING[name])], ids=["missing"])
        if "cassette_file" in names:
            files = sorted({case.path for case in cases}) or find_cassettes(self.cassette_paths)
            metafunc.parametrize("cassette_file", files, ids=[path.name.rsplit(".", 1)[0] for path in files])
        if "error_status" in names:
            metafunc.parametrize("error_status", SYNTHETIC_STATUSES, ids=[str(s) for s in SYNTHETIC_STATUSES])
        if "scenario" in names:
            scenarios = [pytest.param(item, id=item[0]) for item in self.scenarios.items()] or [
                pytest.param(MissingParameter(_MISSING["scenario"] + self._record_command()), id="missing")
            ]
            metafunc.parametrize("scenario", scenarios)

    @pytest.fixture(autouse=True)
    def _fail_when_nothing_to_test(self, request: Any) -> None:
        """A standard test with nothing to run on errors at set-up and says what to add: a skip is not a pass."""
        callspec = getattr(request.node, "callspec", None)
        for value in callspec.params.values() if callspec else ():
            if isinstance(value, MissingParameter):
                pytest.fail(value.message, pytrace=False)

    # helpers (not tests; a subclass may override them) ------------------------------

    def make_decoder(self, case: Case) -> Decoder:
        """A fresh decoder for ``case`` from the plugin's ``rillet_replay_decoder``."""
        decoder: Decoder | None = call_replay_decoder(self.plugin, case.interaction)
        if decoder is None:
            pytest.fail(f"{self.plugin.__name__}.rillet_replay_decoder returned None for {case.interaction.request.uri}")
        return decoder

    def decode(self, case: Case, chunks: Sequence[bytes] | None = None) -> list[Event]:
        """Decode the recorded response of ``case`` (fed as ``chunks``, default whole)."""
        from .._decoding import decode_response

        response = case.interaction.response
        return decode_response(
            self.make_decoder(case),
            response.status,
            response.headers,  # as recorded (lists), the way `rillet replay` passes them
            [response.body] if chunks is None else chunks,
            provider=self.provider,
            model=case.model_name,
        )

    def declared_capabilities(self) -> Any:
        """The capabilities under test: declared on the class, else from the plugin."""
        if self.capabilities is not None:
            return self.capabilities
        return self.provider_info().capabilities

    def provider_info(self) -> Any:
        """The plugin's ``ProviderInfo`` for ``provider``."""
        infos = self.plugin.rillet_providers() if hasattr(self.plugin, "rillet_providers") else []
        for info in infos or []:
            if info.name == self.provider:
                return info
        pytest.fail(f"{self.plugin.__name__}.rillet_providers() describes no provider named {self.provider!r}")

    def truncation_cuts(self, case: Case) -> list[tuple[str, int]]:
        """Where to cut the body: 25/50/75 % of the way to the terminal frame, just before
        it, and inside it. The terminal frame is the one whose bytes produced the ``end``
        (or in-band ``error``) event — or, when the body without it gives the very same
        events (a bare ``[DONE]`` after a terminal condition already met), the frame before
        it; else the last frame with text (a whole JSON body, decoded at its end, is cut
        inside its last line's text)."""
        from .._decoding import EventSequencer, decode_step

        frames = split_frames(case.body)
        decoder, sequencer = self.make_decoder(case), EventSequencer(self.provider, case.model_name)
        terminal_start, terminal_size = None, 0
        for index, frame in enumerate(frames):
            sequencer.accept(decode_step(decoder, frame, self.provider))
            if sequencer.finished:
                full = dump_events(self.decode(case))
                while index > 0 and dump_events(self.decode(case, [b"".join(frames[:index])])) == full:
                    index -= 1  # the frame carried nothing but a marker the decoder may go without
                terminal_start = sum(len(earlier) for earlier in frames[:index])
                terminal_size = len(frames[index])
                break
        if terminal_start is None:
            meaningful = [i for i, frame in enumerate(frames) if frame.strip()]
            last = meaningful[-1] if meaningful else 0
            terminal_start = sum(len(frame) for frame in frames[:last])
            # Half of the frame's text, not of its line ending: a whole JSON body's last
            # line is "}\n", and cutting after its "}" leaves a complete answer.
            terminal_size = len(frames[last].rstrip()) if frames else 0
        cuts = {
            "25%": terminal_start // 4,
            "50%": terminal_start // 2,
            "75%": terminal_start * 3 // 4,
            "before-terminal-frame": terminal_start,
            "inside-terminal-frame": terminal_start + terminal_size // 2,
        }
        seen: set[int] = set()
        chosen = []
        for label, cut in cuts.items():
            if 0 < cut < len(case.body) and cut not in seen:
                seen.add(cut)
                chosen.append((label, cut))
        if not chosen and len(case.body) > 1:
            chosen.append(("first-byte", 1))  # a body whose terminal frame is all of it
        return chosen

    def _require_owner(self, case: Case) -> None:
        if case.marked_unowned:
            pytest.fail(f"{case.id}: the plugin decodes this URL, but the expected file says \"owner\": null")

    # standard tests ------------------------------------------------------------------

    def test_plugin_manifest(self) -> None:
        """The plugin describes the provider, its capabilities agree, it has a replay hook."""
        info = self.provider_info()
        assert callable(getattr(self.plugin, "rillet_replay_decoder", None)), (
            f"{self.plugin.__name__} needs a rillet_replay_decoder hook so cassettes can be decoded"
        )
        if self.capabilities is not None:
            assert info.capabilities == self.capabilities, (
                f"the plugin advertises {info.capabilities} but the test class declares {self.capabilities}"
            )

    def test_interaction_owner(self, any_case: Case) -> None:
        """Every interaction is decoded by the plugin, or its expected file says ``"owner": null``."""
        case = any_case
        if case.owned:
            self._require_owner(case)
        else:
            assert case.marked_unowned, (
                f"{case.id}: {self.plugin.__name__}.rillet_replay_decoder returns None for "
                f"{case.interaction.request.method} {case.interaction.request.uri}; fix the URL match, or mark the "
                f'interaction {{"owner": null}} in its expected file if it is not this provider\'s stream'
            )

    def test_event_grammar(self, cassette_case: Case) -> None:
        """One ``start``, deltas, exactly one terminal event; the provider name is right."""
        check_grammar(self.decode(cassette_case), self.provider)

    def test_stream_invariants(self, cassette_case: Case) -> None:
        """Deltas concatenate to the aggregate; one finished ``tool_call`` per index, never early."""
        check_invariants(self.decode(cassette_case))

    def test_split_anywhere(self, cassette_case: Case) -> None:
        """The same events whole, one byte at a time, inside UTF-8 characters and CRLF, and
        at seeded random split points."""
        body = cassette_case.body
        reference = dump_events(self.decode(cassette_case))
        differing = []
        for label, cuts in split_points(body, seeds=self.split_seeds):
            got = dump_events(self.decode(cassette_case, chunks_at(body, cuts)))
            if got != reference:
                first = next((i for i, (a, b) in enumerate(zip(got, reference)) if a != b), min(len(got), len(reference)))
                shown = got[first] if first < len(got) else "<missing>"
                wanted = reference[first] if first < len(reference) else "<missing>"
                differing.append(f"{label} (cuts {cuts[:8]}…): event {first} is {shown!r}, whole body gives {wanted!r}")
                differing += [f"  {bug}" for bug in [split_bug(label)] if bug]
        assert not differing, "splitting the body changes the events:\n  " + "\n  ".join(differing)

    def test_truncation(self, stream_case: Case) -> None:
        """The body cut before its terminal condition ends in ``error`` code ``truncated``
        carrying the partial result, never in ``end`` (cut inside an in-band error frame,
        any error will do)."""
        from .._aggregate import StreamAggregator

        case = stream_case
        full = self.decode(case)
        full_message = StreamAggregator.fold(full).message
        problems = []
        cuts = self.truncation_cuts(case)
        if not cuts:
            pytest.fail(f"{case.id}: a {len(case.body)}-byte body cannot be cut; a 2xx stream cassette needs a real body")
        for label, cut in cuts:
            events = self.decode(case, [case.body[:cut]])
            check_grammar(events, self.provider)
            last = events[-1]
            where = f"cut {label} (byte {cut} of {len(case.body)})"
            if last.type != "error":
                problems.append(
                    f"{where}: ended with {last.type!r}; a body cut before its terminal condition must be an error "
                    f"({known_bug('truncation-as-stop')})"
                )
                continue
            in_band_error = label == "inside-terminal-frame" and full[-1].type == "error"
            if last.code != "truncated" and not in_band_error:
                hint = (
                    " — a body that ends inside a frame is truncated, not malformed: report an unparseable "
                    "final frame at close() as TruncatedStreamError"
                    if last.code == "protocol"
                    else ""
                )
                problems.append(f"{where}: error code {last.code!r} ({last.message[:160]}); expected 'truncated'{hint}")
            problems += [f"{where}: {problem}" for problem in _partial_problems(last.partial, full_message)]
        assert not problems, f"{case.id} truncation:\n  " + "\n  ".join(problems)

    def test_expected_outcome(self, cassette_case: Case, request: Any) -> None:
        """The folded result matches the stored expected outcome (text, reasoning, tool
        calls, finish reasons, usage, error). ``--rillet-draft-expected`` drafts a missing one."""
        from .._aggregate import StreamAggregator

        case = cassette_case
        self._require_owner(case)
        if case.expected_error:
            pytest.fail(f"{case.id}: the expected file is malformed: {case.expected_error}")
        result = StreamAggregator.fold(self.decode(case))
        if case.expected is None:
            target = case.expected_path or (
                Path(self.expected_dirs[0]) / f"{case.stem}.json"
                if self.expected_dirs
                else case.path.with_name(f"{case.stem}.expected.json")
            )
            if request.config.getoption("rillet_draft_expected", default=False):
                write_draft(Path(target), case.number, draft_expected(result))
                pytest.fail(f"{case.id}: drafted an expected outcome in {target}; check it against the recorded body, then delete \"draft\": true")
            pytest.fail(
                f"{case.id}: no expected outcome (looked for {target}); write it from the recorded body, or run "
                "pytest --rillet-draft-expected to draft one for review"
            )
        if case.expected.draft:
            pytest.fail(f"{case.id}: the expected outcome in {case.expected_path} is an unreviewed draft; review it and delete \"draft\": true")
        mismatches = case.expected.mismatches(result)
        if mismatches:
            mismatches += expected_outcome_bugs(case.expected.values, result)
        assert not mismatches, f"{case.id} differs from {case.expected_path}:\n  " + "\n  ".join(mismatches)

    def test_capabilities_match_cassettes(self) -> None:
        """A capability a cassette shows is declared, and (from kit level 2, or with
        ``require_capability_evidence``) a declared one is backed by evidence: ``tools`` and
        ``reasoning`` by a cassette that shows them, ``parallel_tools`` by a stream with two
        calls or more, ``usage_in_stream`` by a stream with usage whose expected file lists it."""
        declared = self.declared_capabilities().as_dict()
        shown_by: dict[str, list[str]] = {}
        usage_listed = False
        for case in self.cases():
            if not case.owned:
                continue
            for capability, shown in capability_evidence([self.decode(case)]).items():
                if shown:
                    shown_by.setdefault(capability, []).append(case.id)
                    usage_listed |= capability == "usage_in_stream" and bool(case.expected and case.expected.values.get("usage"))
        problems = [
            f"{', '.join(ids[:3])} show {capability} but capabilities.{capability} is False"
            for capability, ids in shown_by.items()
            if not declared.get(capability)
        ]
        required = self.require_capability_evidence
        if required is None:
            required = check_kit_level(self.kit_level, type(self).__name__) >= 2
        if required:
            for capability, value in declared.items():
                if not value or capability == "vision":
                    continue
                if capability not in shown_by:
                    hint = f" ({known_bug('dropped-usage')}?)" if capability == "usage_in_stream" else ""
                    problems.append(f"capabilities.{capability} is True but no cassette shows it: {_EVIDENCE[capability]}{hint}")
                elif capability == "usage_in_stream" and not usage_listed:
                    problems.append(
                        "capabilities.usage_in_stream is True but no expected file lists the `usage` a cassette streams: "
                        "list it, so a dropped usage chunk fails the kit"
                    )
        assert not problems, "capabilities and cassettes disagree:\n  " + "\n  ".join(problems)

    def test_no_secrets(self, cassette_file: Path) -> None:
        """No key or auth header value, ``key=`` query value or key-shaped string is recorded."""
        from ._secrets import secret_problems

        problems = secret_problems(cassette_file)
        assert not problems, f"{cassette_file} holds credentials; re-record with the kit's vcr_config():\n  " + "\n  ".join(problems)

def _partial_problems(partial: Any, full: Any) -> list[str]:
    """How a truncated stream's partial message fails to be a prefix of the full one,
    block by block (text and reasoning blocks in the order they began)."""
    if partial is None:
        return ["the error carries no partial result"]
    problems = []
    for kind in ("text", "reasoning"):
        got = [part.text for part in partial.content if part.type == kind]
        whole = [part.text for part in full.content if part.type == kind]
        for number, text in enumerate(got):
            if number >= len(whole) or not whole[number].startswith(text):
                problems.append(f"partial {kind} block {number} {text[-60:]!r} is not a prefix of the full one")
    return problems
