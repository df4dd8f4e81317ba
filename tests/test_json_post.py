"""``json_post``: the JSON request every plugin streams from."""

from __future__ import annotations

import json

from rillet.provider import json_post


def test_the_body_is_compact_utf8_json_with_its_content_type() -> None:
    request = json_post("https://api.example.com/v1/chat", {"text": "café ☕", "n": [1, 2]}, {"Accept": "text/event-stream"})
    assert request.method == "POST"
    assert request.content == '{"text":"café ☕","n":[1,2]}'.encode()
    assert json.loads(request.content) == {"text": "café ☕", "n": [1, 2]}
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["content-length"] == str(len(request.content))


def test_a_content_type_of_the_plugins_own_is_kept_whatever_its_case() -> None:
    request = json_post("http://h/v1", {}, {"content-TYPE": "application/vnd.acme+json"})
    assert request.headers.get_list("content-type") == ["application/vnd.acme+json"]


def test_requests_to_one_url_share_its_parse_and_keep_their_own_headers() -> None:
    from rillet._json_post import _parsed

    _parsed.cache_clear()
    first = json_post("http://127.0.0.1:8000/v1/x?api-version=2", {"a": 1}, {"x-api-key": "one"})
    second = json_post("http://127.0.0.1:8000/v1/x?api-version=2", {"a": 2}, {"x-api-key": "two"})
    assert (_parsed.cache_info().misses, _parsed.cache_info().hits) == (1, 1)  # parsed once
    assert str(first.url) == "http://127.0.0.1:8000/v1/x?api-version=2"
    assert (first.headers["x-api-key"], second.headers["x-api-key"]) == ("one", "two")
    assert (first.headers["host"], json.loads(second.content)) == ("127.0.0.1:8000", {"a": 2})


def test_the_callers_headers_are_not_changed() -> None:
    headers = {"Accept": "application/json"}
    json_post("http://h/v1", {}, headers)
    assert headers == {"Accept": "application/json"}
