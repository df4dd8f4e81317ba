"""The live-scenario standard test: record with a real key, replay with vcrpy in CI."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ._cases import Case
from ._checks import check_grammar, check_invariants, dump_events

__all__ = ["ScenarioTests"]


class ScenarioTests:
    """Mixed into :class:`rillet.testing.ProviderConformance`."""

    provider: ClassVar[str]
    plugin: ClassVar[Any]
    cassette_paths: ClassVar[Any]
    scenario_model: ClassVar[str]
    scenario_cassette_dir: ClassVar[Any]
    scenario_base_url: ClassVar[Any]
    decode: Any
    provider_info: Any

    def test_scenario_replays(self, scenario: Any, request: Any) -> None:
        """A live scenario replays from its cassette through the plugin's real request
        builder, transport and decoder, every recorded interaction is played, and the
        events equal the sans-IO decode of the recording. Record anew with
        ``--rillet-record-mode=rewrite`` and the provider's key in its env var."""
        from ._vcr import resolve_record_mode

        name, prompt = scenario
        mode = resolve_record_mode(request.config)
        directory = Path(self.scenario_cassette_dir or (Path(str(self.cassette_paths[0])) if self.cassette_paths else "."))
        path = directory / f"{name}.yaml"
        if mode == "none" and not path.is_file():
            pytest.fail(f"no cassette {path}; record it: {self._record_command()}")
        events = self._run_scenario(path, prompt, mode)
        check_grammar(events, self.provider)
        check_invariants(events)
        from ..cassettes import load_cassette

        recorded = load_cassette(path)
        last = Case(path, name, recorded[-1].number, recorded[-1])
        assert dump_events(events) == dump_events(self.decode(last)), (
            f"{path}: streaming through the plugin and decoding the recording give different events"
        )

    def _record_command(self) -> str:
        info = self.provider_info()
        key = f"{info.key_env_var}=… " if info.key_env_var else ""
        return f"{key}pytest {_test_file(type(self))} -k test_scenario_replays --rillet-record-mode=rewrite"

    def _run_scenario(self, path: Path, prompt: Any, mode: str) -> list[Any]:
        from vcr.errors import CannotOverwriteExistingCassetteException

        from .._model import StreamingChatModel
        from .._transport import StreamOptions
        from ._vcr import make_vcr

        info = self.provider_info()
        key = os.environ.get(info.key_env_var) if (info.key_env_var and mode != "none") else None
        model = StreamingChatModel(
            info,
            self.scenario_model or (info.models[0] if info.models else "model"),
            key=key or "rillet-conformance-placeholder",
            base_url=self.scenario_base_url,
            options=StreamOptions(max_retries=0),
        )
        chat_request = model.request(prompt) if isinstance(prompt, str) else prompt
        recorder = make_vcr(mode, path)
        with recorder.use_cassette(str(path)) as cassette:
            stream = self.plugin.stream_tokens(model=model, request=chat_request)
            assert stream is not None, f"{self.plugin.__name__}.stream_tokens returned None for {model.id}"
            try:
                events = list(stream)
            except CannotOverwriteExistingCassetteException as exc:
                pytest.fail(
                    f"{path}: the request the plugin sends matches no recorded interaction, so the plugin's "
                    f"request changed since the recording. If the change is meant, record it anew: "
                    f"{self._record_command()}\n\n{exc}",
                    pytrace=False,
                )
            if mode == "none":
                assert cassette.all_played, f"{path}: {len(cassette) - cassette.play_count} recorded interaction(s) went unplayed"
        return events


def _test_file(cls: type) -> str:
    """Where ``cls`` is defined, relative to the working directory when it is below it."""
    import inspect

    try:
        path = Path(inspect.getfile(cls)).resolve()
    except (TypeError, OSError):
        return f"{cls.__module__.replace('.', '/')}.py"
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
