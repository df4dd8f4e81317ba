"""Credentials out of rows: the stream's own secrets and key-shaped strings go, prose stays."""

from __future__ import annotations

import httpx

from rillet.logs._redact import REDACTED, Redactor, credentials_of


class _Model:
    key = "key-of-the-model-123"


class _Stream:
    request = httpx.Request(
        "POST",
        "https://user:pass-word-42@api.test/v1/chat?key=query-secret-77&mode=fast",
        headers={"Authorization": "Bearer header-secret-99", "x-goog-api-key": "goog-secret-55"},
    )


def test_the_secrets_of_a_stream_are_found_on_it_or_on_the_stream_it_wraps() -> None:
    class Wrapper:
        inner = _Stream()

    found = set(credentials_of(Wrapper(), _Model()))
    assert {"key-of-the-model-123", "header-secret-99", "goog-secret-55", "query-secret-77", "pass-word-42"} <= found


def test_known_secrets_and_key_shapes_are_replaced() -> None:
    redactor = Redactor(["key-of-the-model-123"])
    text = redactor.text(
        "echo key-of-the-model-123; Authorization: Bearer abcdef1234567890; "
        "https://h/x?key=AIzaSyA-1234567890abcdefghijklmnopqrstu&b=1 sk-proj-abcdefghijklmnopqrstuvwx"
    )
    assert "key-of-the-model-123" not in text and "abcdef1234567890" not in text
    assert "AIzaSy" not in text and "sk-proj-abc" not in text and "&b=1" in text
    assert text.count(REDACTED) >= 4
    assert redactor.value({"a": ["key-of-the-model-123", 3]}) == {"a": [REDACTED, 3]}


def test_ordinary_prose_is_left_alone() -> None:
    prose = "The basic principles: the bearer of bad news is not the author of it."
    assert Redactor([]).text(prose) == prose
