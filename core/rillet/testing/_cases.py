"""The interactions a conformance class runs over: cassettes found, loaded and labelled."""

from __future__ import annotations

import glob
import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..cassettes import Interaction, load_cassette
from ._expected import ExpectedOutcome, expected_file_for, load_expected
from ._shared import MissingSharedRecordings

__all__ = ["Case", "call_replay_decoder", "collect_cases", "find_cassettes", "split_frames"]

_FRAME_END = re.compile(rb"(?<=\n\n)|(?<=\r\n\r\n)|(?<=\r\r)")


@dataclass
class Case:
    """One recorded interaction of one cassette, as the kit tests it.

    Attributes:
        path: the cassette file.
        stem: its file name without ``.yaml``; the key of its expected file.
        number: the interaction's position in the cassette (from 0).
        interaction: the recorded request and response (body decoded).
        owned: whether the plugin's ``rillet_replay_decoder`` returns a decoder for it.
        expected: the stored outcome (``None`` when there is none yet).
        expected_path: the expected file, when one exists.
        expected_error: why the expected file could not be read, if it could not.
    """

    path: Path
    stem: str
    number: int
    interaction: Interaction
    owned: bool = True
    expected: ExpectedOutcome | None = None
    expected_path: Path | None = None
    expected_error: str | None = None

    @property
    def id(self) -> str:
        """``stem#number``: the pytest parameter id."""
        return f"{self.stem}#{self.number}"

    @property
    def status(self) -> int:
        """The recorded HTTP status."""
        return self.interaction.response.status

    @property
    def body(self) -> bytes:
        """The recorded response body, decoded (no Content-Encoding left)."""
        return self.interaction.response.body

    @property
    def model_name(self) -> str:
        """The model named in the recorded request body, else ``"conformance"``."""
        body = self.interaction.request.json()
        name = body.get("model") if isinstance(body, dict) else None
        return name if isinstance(name, str) and name else "conformance"

    @property
    def marked_unowned(self) -> bool:
        """Whether the expected file says ``"owner": null`` for this interaction."""
        return self.expected is not None and not self.expected.owned

    def __repr__(self) -> str:
        return f"<Case {self.id}>"


def find_cassettes(entries: Sequence[str | Path]) -> list[Path]:
    """Cassette files from files, directories (their ``*.yaml``/``*.yml``) and globs.

    Raises ``FileNotFoundError`` for an entry that names nothing, so a moved directory
    fails the suite instead of silently testing nothing.
    """
    found: list[Path] = []
    for entry in entries:
        if isinstance(entry, MissingSharedRecordings):
            continue  # shared recordings that are not there: the kit skips what needed them
        text = str(entry)
        if any(char in text for char in "*?["):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True) if p.endswith((".yaml", ".yml")))
            if not matches:
                raise FileNotFoundError(f"the cassette pattern {text!r} matches no .yaml file")
            found += matches
        elif Path(text).is_dir():
            matches = sorted(p for p in Path(text).iterdir() if p.suffix in (".yaml", ".yml"))
            if not matches:
                raise FileNotFoundError(f"the cassette directory {text!r} holds no .yaml file")
            found += matches
        elif Path(text).is_file():
            found.append(Path(text))
        else:
            raise FileNotFoundError(f"the cassette path {text!r} does not exist")
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def call_replay_decoder(plugin: Any, interaction: Interaction) -> Any:
    """Call the plugin module's ``rillet_replay_decoder`` hookimpl directly, passing only
    the arguments it accepts (as pluggy would)."""
    hook = getattr(plugin, "rillet_replay_decoder", None)
    if hook is None:
        raise AssertionError(f"{getattr(plugin, '__name__', plugin)!r} defines no rillet_replay_decoder hook")
    request = interaction.request
    arguments = {"method": request.method, "url": request.uri, "request_body": request.json()}
    accepted = inspect.signature(hook).parameters
    return hook(**{name: value for name, value in arguments.items() if name in accepted})


def collect_cases(
    plugin: Any,
    cassette_paths: Sequence[str | Path],
    expected_dirs: Sequence[str | Path],
    interactions_filter: Any = None,
) -> list[Case]:
    """Every interaction of every cassette, with its ownership and expected outcome."""
    cases: list[Case] = []
    stems: dict[str, Path] = {}
    directories = [Path(d) for d in expected_dirs]
    for path in find_cassettes(cassette_paths):
        stem = path.name.rsplit(".", 1)[0]
        if stem in stems:
            raise ValueError(f"two cassettes are named {stem!r} ({stems[stem]} and {path}); expected files are keyed by name")
        stems[stem] = path
        expected_path = expected_file_for(stem, path, directories)
        entries: dict[str, Any] = {}
        error = None
        if expected_path is not None:
            try:
                entries = load_expected(expected_path)
            except ValueError as exc:
                error = str(exc)
        interactions = load_cassette(path)
        stale = sorted(set(entries) - {str(interaction.number) for interaction in interactions}, key=str)
        if stale and error is None:
            error = (
                f"{expected_path} has entries {', '.join(stale)} for interactions {path.name} does not record "
                f"(it has {len(interactions)}, numbered from 0); delete the stale entries"
            )
        for interaction in interactions:
            case = Case(path, stem, interaction.number, interaction, expected_path=expected_path, expected_error=error)
            entry = entries.get(str(interaction.number))
            if entry is not None:
                try:
                    case.expected = ExpectedOutcome.from_json(entry)
                except ValueError as exc:
                    case.expected_error = f"{expected_path} interaction {interaction.number}: {exc}"
            if interactions_filter is not None and not interactions_filter(case):
                continue
            case.owned = call_replay_decoder(plugin, interaction) is not None
            cases.append(case)
    return cases


def split_frames(body: bytes) -> list[bytes]:
    """Cut a body where a server flushes: after each SSE event, else after each line."""
    if b"\n\n" in body or b"\r\n\r\n" in body or b"\r\r" in body:
        frames = _FRAME_END.split(body)
    else:
        frames = body.splitlines(keepends=True)
    return [frame for frame in frames if frame]

