"""A new provider in each wire family, reached from the scaffold's output by editing code.

Each family's :class:`ProviderEdit` is what an author changes in the generated package
for a provider that speaks the family's wire with other paths, field names and headers
(``code``: exact replacements in the package's Python files) and how that provider's
recordings differ from the generated cassettes (``recorded``: the same renames in the
cassettes, as recording the new provider would give). The scaffold journey applies each
and checks the kit passes, counting the lines of code changed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EDITS", "ProviderEdit", "apply_edit", "changed_lines"]

NEW_BASE_URL = "https://api.newco.example/api"


@dataclass(frozen=True)
class ProviderEdit:
    """The code edits (file under the package, old, new) and the recorded renames (old, new)."""

    code: tuple[tuple[str, str, str], ...]
    recorded: tuple[tuple[str, str], ...]


def _quoted(*renames: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """JSON keys and values as they appear escaped inside a cassette's quoted body."""
    return tuple((f'\\"{old}\\"', f'\\"{new}\\"') for old, new in renames)


EDITS = {
    "openai-compatible": ProviderEdit(
        code=(
            ("__init__.py", 'default_base_url="https://api.acme.example/v1"', f'default_base_url="{NEW_BASE_URL}"'),
            ("request.py", 'PATH = "chat/completions"', 'PATH = "v2/chat/stream"'),
            ("decoder.py", 'delta.get("reasoning_content") or delta.get("reasoning")', 'delta.get("thinking")'),
            ("decoder.py", 'delta.get("tool_calls")', 'delta.get("calls")'),
            ("decoder.py", 'usage.get("prompt_tokens"), output_tokens=usage.get("completion_tokens")',
             'usage.get("input_tokens"), output_tokens=usage.get("output_tokens")'),
        ),
        recorded=(
            ("https://api.acme.example/v1/chat/completions", f"{NEW_BASE_URL}/v2/chat/stream"),
            *_quoted(("reasoning_content", "thinking"), ("reasoning", "thinking"), ("prompt_tokens", "input_tokens"),
                     ("completion_tokens", "output_tokens")),
            ('\\"tool_calls\\":[', '\\"calls\\":['),
        ),
    ),
    "sse-events": ProviderEdit(
        code=(
            ("__init__.py", 'default_base_url="https://api.acme.example/v1"', f'default_base_url="{NEW_BASE_URL}"'),
            ("request.py", 'PATH = "messages"', 'PATH = "v1/stream"'),
            ("request.py", '"x-api-key": model.require_key()', '"Authorization": f"Bearer {model.require_key()}"'),
            ("decoder.py", '"text_delta"', '"text"'),
            ("decoder.py", '"thinking_delta" and delta.get("thinking")', '"reasoning" and delta.get("thinking")'),
            ("decoder.py", '"input_json_delta" and delta.get("partial_json")', '"arguments" and delta.get("arguments")'),
            ("decoder.py", 'delta["partial_json"]', 'delta["arguments"]'),
            ("decoder.py", '.get("stop_reason")', '.get("finish_reason")'),
        ),
        recorded=(
            ("https://api.acme.example/v1/messages", f"{NEW_BASE_URL}/v1/stream"),
            ("x-api-key:", "Authorization:"),
            *_quoted(("text_delta", "text"), ("thinking_delta", "reasoning"), ("input_json_delta", "arguments"),
                     ("partial_json", "arguments"), ("stop_reason", "finish_reason")),
        ),
    ),
    "ndjson": ProviderEdit(
        code=(
            ("__init__.py", 'default_base_url="https://api.acme.example/v1"', f'default_base_url="{NEW_BASE_URL}"'),
            ("request.py", 'PATH = "api/chat"', 'PATH = "v1/chat/stream"'),
            ("decoder.py", 'message.get("thinking")', 'message.get("reasoning")'),
            ("decoder.py", 'message["thinking"]', 'message["reasoning"]'),
            ("decoder.py", 'line.get("done")', 'line.get("finished")'),
            ("decoder.py", 'line.get("done_reason")', 'line.get("finish_reason")'),
            ("decoder.py", 'line.get("prompt_eval_count"), output_tokens=line.get("eval_count")',
             'line.get("input_tokens"), output_tokens=line.get("output_tokens")'),
        ),
        recorded=(
            ("https://api.acme.example/v1/api/chat", f"{NEW_BASE_URL}/v1/chat/stream"),
            *_quoted(("thinking", "reasoning"), ("done_reason", "finish_reason"), ("prompt_eval_count", "input_tokens"),
                     ("eval_count", "output_tokens")),
            ('\\"done\\":', '\\"finished\\":'),
        ),
    ),
    "json-array": ProviderEdit(
        code=(
            ("__init__.py", 'default_base_url="https://api.acme.example/v1"', f'default_base_url="{NEW_BASE_URL}"'),
            ("request.py", 'PATH = "models/{model}:streamGenerateContent"', 'PATH = "models/{model}:stream"'),
            ("decoder.py", 'element.get("candidates")', 'element.get("outputs")'),
            ("decoder.py", 'candidate.get("finishReason")', 'candidate.get("stopReason")'),
            ("decoder.py", 'element.get("usageMetadata")', 'element.get("usage")'),
            ("decoder.py", 'usage.get("promptTokenCount"), output_tokens=usage.get("candidatesTokenCount")',
             'usage.get("inputTokens"), output_tokens=usage.get("outputTokens")'),
            ("decoder.py", 'part.get("functionCall")', 'part.get("toolCall")'),
        ),
        recorded=(
            ("https://api.acme.example/v1/models/acme-chat:streamGenerateContent", f"{NEW_BASE_URL}/models/acme-chat:stream"),
            *_quoted(("candidates", "outputs"), ("finishReason", "stopReason"), ("usageMetadata", "usage"),
                     ("promptTokenCount", "inputTokens"), ("candidatesTokenCount", "outputTokens"), ("functionCall", "toolCall")),
        ),
    ),
}


def changed_lines(before: str, after: str) -> int:
    """How many lines an edit touched: replaced, added or removed lines, each once."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def apply_edit(package: Path, module: str, edit: ProviderEdit) -> int:
    """Apply ``edit`` to the generated ``package`` (its code and, as recorded anew, its
    cassettes); return the number of code lines changed. Every replacement must apply."""
    touched = 0
    for name in sorted({file for file, _, _ in edit.code}):
        path = package / module / name
        before = path.read_text(encoding="utf-8")
        after = before
        for file, old, new in edit.code:
            if file == name:
                assert old in after, f"{name}: {old!r} is not in the generated code"
                after = after.replace(old, new)
        path.write_text(after, encoding="utf-8")
        touched += changed_lines(before, after)
    for cassette in sorted((package / "cassettes").glob("*.yaml")):
        text = cassette.read_text(encoding="utf-8")
        for old, new in edit.recorded:
            text = text.replace(old, new)
        cassette.write_text(text, encoding="utf-8")
    return touched
