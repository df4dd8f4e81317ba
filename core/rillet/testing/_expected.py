"""Expected outcomes stored beside each cassette, and drafting them for review.

One JSON file per cassette, ``<cassette-stem>.json`` in one of the class's
``expected_dirs`` (or ``<cassette-stem>.expected.json`` beside the cassette)::

    {"interactions": {
        "0": {"text": "Hello!", "reasoning": "", "tool_calls": [{"name": "f", "arguments": {"x": 1}}],
              "finish_reason": "stop", "raw_finish_reason": "end_turn",
              "usage": {"input_tokens": 10, "output_tokens": 3}, "error": null},
        "1": {"error": "authentication", "text": ""},
        "2": {"owner": null, "note": "a tokenizer download, not an API call"},
        "3": {"text": "Red", "choices": ["Red", "Blue"],
              "server_tools": [{"kind": "call", "name": "web_search"}]}}}

Every key present is checked; ``usage`` lists only the fields to check. ``choices`` is
the text of every alternative answer (``n > 1``; ``text`` is choice 0's), and
``server_tools`` the tools the provider ran itself (``kind`` and ``name`` of each
``server_tool`` part, in order). ``"owner": null``
says the plugin does not own that interaction's URL (it is then left out of the decoding
tests). ``"draft": true`` marks an entry the kit wrote and nobody has reviewed yet: it
fails until the author checks it against the recorded body and deletes the flag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

__all__ = ["ExpectedOutcome", "draft_expected", "expected_file_for", "write_draft"]

_MISSING: Any = object()
_CHECKED = (
    "text", "reasoning", "tool_calls", "choices", "server_tools", "finish_reason", "raw_finish_reason", "usage", "error",
    "status_code", "retry_after",
)
_NOT_CHECKED = ("owner", "draft", "note", "comment")
_USAGE_FIELDS = ("input_tokens", "output_tokens", "reasoning_tokens", "cache_read_tokens", "cache_write_tokens", "estimated")


@dataclass(frozen=True)
class ExpectedOutcome:
    """The outcome an author expects from one recorded interaction.

    Fields left at ``MISSING`` (absent from the JSON) are not checked. ``owned`` is False
    for ``"owner": null``; ``draft`` is True for an entry nobody reviewed yet.
    """

    values: dict[str, Any] = field(default_factory=dict)
    owned: bool = True
    draft: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExpectedOutcome:
        """Build from one interaction's JSON object; unknown keys are an error (a typo
        would silently check nothing)."""
        if not isinstance(data, dict):
            raise ValueError(f"an expected outcome must be a JSON object, not {data!r}")
        unknown = sorted(set(data) - set(_CHECKED) - set(_NOT_CHECKED))
        if unknown:
            raise ValueError(f"unknown keys {unknown} (known: {', '.join(_CHECKED + _NOT_CHECKED)})")
        owned = not ("owner" in data and data["owner"] is None)
        values = {key: data[key] for key in _CHECKED if key in data}
        return cls(values=values, owned=owned, draft=bool(data.get("draft")))

    def mismatches(self, result: Any) -> list[str]:
        """How ``result`` (a :class:`rillet.ChatResult`) differs from the expectation."""
        actual = _observed(result)
        problems = []
        for key, wanted in self.values.items():
            got = actual[key]
            if key == "usage":
                problems += _usage_mismatches(wanted, result.usage)
            elif key == "tool_calls":
                wanted_calls = [_call(item) for item in wanted or []]
                if wanted_calls != got:
                    problems.append(f"tool_calls: expected {wanted_calls!r}, got {got!r}")
            elif got != wanted:
                problems.append(f"{key}: expected {_short(wanted)}, got {_short(got)}")
        return problems


def _call(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return {"name": item.get("name"), "arguments": item.get("arguments")}
    name, arguments = item
    return {"name": name, "arguments": arguments}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + f"… ({len(text)} chars)"


def _usage_mismatches(wanted: Any, usage: Any) -> list[str]:
    if wanted is None:
        return [] if usage is None else [f"usage: expected none, got {usage!r}"]
    if usage is None:
        return [f"usage: expected {wanted!r}, the stream reported none"]
    problems = []
    for name, value in wanted.items():
        if name not in _USAGE_FIELDS:
            problems.append(f"usage: unknown field {name!r} (known: {', '.join(_USAGE_FIELDS)})")
        elif getattr(usage, name) != value:
            problems.append(f"usage.{name}: expected {value!r}, got {getattr(usage, name)!r}")
    return problems


def _observed(result: Any) -> dict[str, Any]:
    error = result.error
    return {
        "text": result.text,
        "reasoning": result.message.reasoning,
        "tool_calls": [{"name": call.name, "arguments": call.arguments} for call in result.message.tool_calls],
        "choices": [choice.text for choice in result.choices],
        "server_tools": [
            {"kind": part.kind, "name": part.name} for part in result.message.content if part.type == "server_tool"
        ],
        "finish_reason": result.finish_reason,
        "raw_finish_reason": result.raw_finish_reason,
        "usage": None if result.usage is None else result.usage.model_dump(exclude_defaults=True),
        "error": None if error is None else error.code,
        "status_code": None if error is None else error.status_code,
        "retry_after": None if error is None else error.retry_after,
    }


def draft_expected(result: Any) -> dict[str, Any]:
    """A draft expected outcome for ``result``, marked ``"draft": true`` for review."""
    observed = _observed(result)
    draft: dict[str, Any] = {"draft": True}
    for key in ("text", "reasoning", "tool_calls", "choices", "server_tools", "finish_reason", "raw_finish_reason", "usage", "error"):
        value = observed[key]
        if key in ("reasoning", "tool_calls", "server_tools") and not value:
            continue
        if key == "choices" and len(value) < 2:
            continue
        draft[key] = value
    if result.error is not None and result.error.retry_after is not None:
        draft["retry_after"] = result.error.retry_after
    return draft


def expected_file_for(stem: str, cassette: Path, expected_dirs: Sequence[Path]) -> Path | None:
    """The expected file of a cassette, if one exists."""
    for directory in expected_dirs:
        candidate = Path(directory) / f"{stem}.json"
        if candidate.is_file():
            return candidate
    beside = cassette.with_name(f"{stem}.expected.json")
    return beside if beside.is_file() else None


def load_expected(path: Path) -> dict[str, Any]:
    """The ``interactions`` mapping of an expected file (raises ``ValueError`` if malformed)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), dict):
        raise ValueError(f'{path} needs the form {{"interactions": {{"0": {{...}}}}}}')
    interactions: dict[str, Any] = data["interactions"]
    return interactions


def write_draft(path: Path, number: int, draft: dict[str, Any]) -> bool:
    """Add a draft for interaction ``number`` to ``path`` unless it has an entry; return
    whether the file changed. Reviewed entries are never touched."""
    data: dict[str, Any] = {"interactions": {}}
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        data.setdefault("interactions", {})
    if str(number) in data["interactions"]:
        return False
    data["interactions"][str(number)] = draft
    data["interactions"] = dict(sorted(data["interactions"].items(), key=lambda item: int(item[0])))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return True
