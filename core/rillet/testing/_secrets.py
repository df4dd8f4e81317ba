"""Finding credentials left in a cassette: auth headers, ``key=`` query values, key-shaped strings."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

__all__ = ["looks_like_placeholder", "secret_problems"]

_CREDENTIAL_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "api-key", "openai-organization")
_KEY_PATTERNS = [
    re.compile(r"(?<![A-Za-z0-9_])sk-ant-[A-Za-z0-9_-]{20,}"),
    re.compile(r"(?<![A-Za-z0-9_])sk-(?:proj-|svcacct-|or-v1-)?[A-Za-z0-9_-]{20,}"),
    re.compile(r"(?<![A-Za-z0-9_])AIza[0-9A-Za-z_-]{35}"),
]
_PLACEHOLDER_WORDS = ("<", "xxx", "filtered", "redacted", "test", "fake", "dummy", "placeholder", "***", "example", "your")


def looks_like_placeholder(value: str) -> bool:
    """Whether a credential value is clearly not a real one (``<filtered>``,
    ``AUTHORIZATION-XXX``, ``Bearer test_openai_api_key``, short or empty values …)."""
    text = value.strip()
    if text.lower().startswith(("bearer ", "basic ")):
        text = text.split(None, 1)[1] if " " in text else ""
    lowered = text.lower()
    if len(text) < 16 or any(word in lowered for word in _PLACEHOLDER_WORDS):
        return True
    return False


def secret_problems(path: str | Path) -> list[str]:
    """Credentials found in the cassette at ``path``; empty when it is clean."""
    from ..cassettes import load_cassette

    problems: list[str] = []
    for interaction in load_cassette(path):
        where = f"interaction {interaction.number}"
        for name in _CREDENTIAL_HEADERS:
            for value in interaction.request.headers.get(name, []):
                if not looks_like_placeholder(value):
                    problems.append(f"{where}: request header {name!r} holds a real-looking value ({_mask(value)})")
        for name, value in parse_qsl(urlsplit(interaction.request.uri).query, keep_blank_values=True):
            if name.lower() in ("key", "api_key", "api-key") and value and not looks_like_placeholder(value):
                problems.append(f"{where}: the URL has {name}={_mask(value)}")
        for side, body in (("request", interaction.request.body), ("response", interaction.response.body)):
            problems += [f"{where}: the {side} body holds {_mask(hit)}" for hit in _key_strings(body)]
    raw = Path(path).read_text(encoding="utf-8", errors="replace")
    problems += [f"the file holds {_mask(hit)}" for hit in _key_strings(raw.encode())]
    return sorted(set(problems))


def _key_strings(data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace")
    return [match.group(0) for pattern in _KEY_PATTERNS for match in pattern.finditer(text) if not looks_like_placeholder(match.group(0))]


def _mask(value: str) -> str:
    value = value.strip()
    return f"{value[:7]}…({len(value)} chars)"
