"""The framing layers: SSE (WHATWG), NDJSON and the streaming JSON array."""

from __future__ import annotations

import pytest
from splitting import chunkings, parse_all

from typing import Any

from rillet import LocalProtocolError, RemoteProtocolError, TokenEvent, TruncatedStreamError
from rillet._decoding import decode_step
from rillet.framing import BodyKind, JSONArrayParser, JSONBodyParser, LineSplitter, NDJSONParser, ServerSentEvent, SSEParser


def sse(body: bytes) -> list[ServerSentEvent]:
    """Parse ``body`` every way it can be chunked, insisting on one answer."""
    results = {label: parse_all(SSEParser, chunks) for label, chunks in chunkings(body)}
    whole = results["whole"]
    for label, events in results.items():
        assert events == whole, f"{label} differs from whole-body parsing"
    return whole


@pytest.mark.parametrize("newline", [b"\n", b"\r", b"\r\n"])
def test_sse_accepts_every_line_ending(newline: bytes) -> None:
    body = newline.join([b"event: add", b"data: 1", b"", b"data: 2", b"", b""])
    assert sse(body) == [ServerSentEvent("add", "1"), ServerSentEvent("message", "2")]


def test_sse_joins_multiline_data_with_lf() -> None:
    assert sse(b"data: a\ndata:b\ndata:  c\n\n") == [ServerSentEvent("message", "a\nb\n c")]


def test_sse_skips_comments_and_keepalives() -> None:
    body = b": OPENROUTER PROCESSING\n\n:\n\ndata: x\n: mid-event comment\n\n"
    assert sse(body) == [ServerSentEvent("message", "x")]


def test_sse_keeps_last_event_id_and_retry() -> None:
    body = b"id: 7\nretry: 1500\ndata: a\n\ndata: b\n\nid: bad\0id\nretry: soon\ndata: c\n\n"
    assert sse(body) == [
        ServerSentEvent("message", "a", "7", 1500),
        ServerSentEvent("message", "b", "7", 1500),
        ServerSentEvent("message", "c", "7", 1500),
    ]


def test_sse_drops_a_leading_bom_only_once() -> None:
    body = b"\xef\xbb\xbfdata: a\n\ndata: \xef\xbb\xbfb\n\n"
    assert sse(body) == [ServerSentEvent("message", "a"), ServerSentEvent("message", "\ufeffb")]


def test_sse_event_without_data_is_not_dispatched_and_resets_type() -> None:
    assert sse(b"event: ping\n\ndata: x\n\n") == [ServerSentEvent("message", "x")]


def test_sse_ignores_unknown_fields_and_fields_with_leading_space() -> None:
    assert sse(b"foo: bar\n data: hidden\ndata: seen\n\n") == [ServerSentEvent("message", "seen")]


def test_sse_multibyte_utf8_split_anywhere_is_intact() -> None:
    text = "héllo — 世界 🌍"
    assert sse(f"data: {text}\n\n".encode()) == [ServerSentEvent("message", text)]


def test_sse_dispatches_a_pending_event_at_close() -> None:
    assert sse(b"data: [DONE]\n") == [ServerSentEvent("message", "[DONE]")]
    assert sse(b"data: [DONE]") == [ServerSentEvent("message", "[DONE]")]


def test_sse_crlf_split_between_cr_and_lf_is_one_line_end() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\n\r") == [ServerSentEvent("message", "a")]
    assert parser.feed(b"\ndata: b\r\n\r\n") == [ServerSentEvent("message", "b")]


def test_feeding_a_closed_parser_is_a_local_error() -> None:
    splitter = LineSplitter()
    splitter.close()
    with pytest.raises(LocalProtocolError, match="after close"):
        splitter.feed(b"x")


def test_ndjson_parses_lines_and_a_final_unterminated_line() -> None:
    body = b'{"a": 1}\n\n{"b": "\xc3\xa9"}\r\n{"c": [1, 2]}'
    for label, chunks in chunkings(body):
        assert parse_all(NDJSONParser, chunks) == [{"a": 1}, {"b": "é"}, {"c": [1, 2]}], label


def test_ndjson_malformed_line_quotes_the_bytes_after_the_good_lines() -> None:
    parser = NDJSONParser()
    assert parser.feed(b'{"a": 1}\n{not json\n{"b": 2}\n') == [{"a": 1}]
    with pytest.raises(RemoteProtocolError, match=r"malformed JSON line .*'\{not json'"):
        parser.close()


@pytest.mark.parametrize("parser_class, body", [(NDJSONParser, b'{"a": 1}\n{not json\n{"b": 2}\n'), (JSONArrayParser, b'[{"a": 1}, {not json}, {"b": 2}]')])
def test_a_whole_bad_frame_is_protocol_even_when_it_surfaces_at_the_end_of_the_body(parser_class: type, body: bytes) -> None:
    # Whether the next bytes came in another read or in the same one, the stream ends as
    # ``protocol``: the bad frame was complete, nothing was cut.
    for label, chunks in chunkings(body):
        decoder = _Decoder(parser_class())
        with pytest.raises(RemoteProtocolError) as raised:
            for chunk in [*chunks, b""]:  # b"" closes the decoder
                decode_step(decoder, chunk)
        assert raised.value.code == "protocol" and "not json" in raised.value.message, label


class _Decoder:
    """The smallest decoder: one token per parsed value."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser

    def feed(self, data: bytes) -> list[Any]:
        return [TokenEvent(text=str(value)) for value in self.parser.feed(data)]

    def close(self) -> list[Any]:
        return [TokenEvent(text=str(value)) for value in self.parser.close()]


def test_ndjson_cut_inside_the_last_line_is_truncation() -> None:
    parser = NDJSONParser()
    assert parser.feed(b'{"a": 1}\n{"b": ') == [{"a": 1}]
    with pytest.raises(TruncatedStreamError, match="ended inside a JSON line"):
        parser.close()


def test_json_array_yields_each_element_as_it_closes() -> None:
    body = b'[{"t": "a]\\"}{"}\r\n,\n{"t": "\xc3\xa9", "n": [1, {"x": "\\\\"}]}\n]'
    for label, chunks in chunkings(body):
        assert parse_all(JSONArrayParser, chunks) == [{"t": 'a]"}{'}, {"t": "é", "n": [1, {"x": "\\"}]}], label


def test_json_array_element_is_returned_before_the_array_closes() -> None:
    parser = JSONArrayParser()
    assert parser.feed(b'[{"a": 1}') == [{"a": 1}]
    assert parser.feed(b', {"b"') == []


def test_json_array_without_closing_bracket_is_truncation() -> None:
    parser = JSONArrayParser()
    parser.feed(b'[{"a": 1},')
    with pytest.raises(TruncatedStreamError, match=r"before the JSON array was closed"):
        parser.close()


def test_json_array_rejects_a_body_that_is_not_an_array() -> None:
    with pytest.raises(RemoteProtocolError, match="expected a JSON array"):
        parse_all(JSONArrayParser, [b'{"error": {}}'])
    parser = JSONArrayParser()
    assert parser.feed(b"[{}] {}") == [{}]  # what completed is returned first…
    with pytest.raises(RemoteProtocolError, match="after the end"):
        parser.feed(b"")  # …and the error follows on the next call


@pytest.mark.parametrize("make_parser", [NDJSONParser, JSONArrayParser])
def test_values_before_a_malformed_one_survive_every_chunking(make_parser: object) -> None:
    body = b'[{"a": 1},\n{"b": 2},\n{"c": tru}]' if make_parser is JSONArrayParser else b'{"a": 1}\n{"b": 2}\n{"c": tru}\n'
    for label, chunks in chunkings(body):
        parser = make_parser()  # type: ignore[operator]
        values: list[object] = []
        with pytest.raises(RemoteProtocolError):
            for chunk in chunks:
                values += parser.feed(chunk)
            parser.close()
        assert values == [{"a": 1}, {"b": 2}], label


def test_sse_blank_data_events_are_not_dispatched_whatever_their_name() -> None:
    # WHATWG would dispatch these with data ""; rillet's one rule for every provider skips
    # them like keep-alive comments (the fast path, the line path, named events, close()).
    blank = b"data:\n\ndata\n\ndata: \n\ndata:  \t\n\nevent: ping\ndata:\n\nevent: error\ndata:\ndata:\n\n"
    assert sse(blank + b"data: x\n\n" + b"data:") == [ServerSentEvent("message", "x")]
    parser = SSEParser()
    assert parser.feed(b"data: \n\n") == [] and parser.feed(b"event: ping\ndata:\n\n") == []
    assert parser.feed(b"data: y\n\n") == [ServerSentEvent("message", "y")]  # the skipped event left no type behind


def test_sse_one_event_per_chunk_keeps_event_types_ids_and_pending_lines() -> None:
    parser = SSEParser()
    assert parser.feed(b"id: 1\n") == []
    assert parser.feed(b"data: a\n\n") == [ServerSentEvent("message", "a", "1")]  # id from an earlier chunk
    assert parser.feed(b"event: add\n") == []
    assert parser.feed(b"data: b\n\n") == [ServerSentEvent("add", "b", "1")]  # type from an earlier chunk
    assert parser.feed(b"data: c") == []
    assert parser.feed(b"data: d\n\n") == [ServerSentEvent("message", "cdata: d", "1")]  # a line was pending
    parser.close()
    with pytest.raises(LocalProtocolError):
        parser.feed(b"data: e\n\n")  # closed, even on the fast path


@pytest.mark.parametrize(("make_parser", "body", "what"), [
    (NDJSONParser, b'{"a": 1}\n{"b": "\xff"}\n', "line"),
    (JSONArrayParser, b'[{"a": 1}, {"b": "\xff"}]', "element"),
])
def test_a_value_that_is_not_utf8_is_a_protocol_error_saying_so(make_parser: object, body: bytes, what: str) -> None:
    with pytest.raises(RemoteProtocolError, match=rf"malformed JSON {what} \('utf-8' codec can't decode byte 0xff"):
        parse_all(make_parser, [body])
@pytest.mark.parametrize("cut", [1, 5, 9, 14, 20, 27, 33, 40])
def test_json_body_cut_anywhere_is_truncated(cut: int) -> None:
    body = b'{"id": "x", "ok": true, "n": 1.5, "s": "\\u00e9"}\n'


    whole = JSONBodyParser()
    for byte in range(len(body)):
        whole.feed(body[byte : byte + 1])
    assert whole.close() == {"id": "x", "ok": True, "n": 1.5, "s": "\u00e9"}
    parser = JSONBodyParser()
    parser.feed(body[:cut])
    with pytest.raises(TruncatedStreamError):
        parser.close()


def test_json_body_that_is_not_json_is_a_protocol_error_quoting_it() -> None:


    parser = JSONBodyParser()
    parser.feed(b"<html>Bad gateway</html>")
    with pytest.raises(RemoteProtocolError, match="Bad gateway"):
        parser.close()
    assert JSONBodyParser().close() is None


@pytest.mark.parametrize(
    ("chunks", "guess", "json", "first"),
    [
        ([b"\xef\xbb\xbf", b"\r\n ", b' {"a": 1}'], False, True, b"{"),
        ([b"[1]"], False, True, b"["),
        ([b"data: {}\n\n"], True, False, b"d"),
        ([b"\n", b": keep-alive\n"], True, False, b":"),
        ([b"event: ping\n"], True, False, b"e"),
        ([b"<html>502</html>"], True, True, b"<"),
        ([b"<html>502</html>"], False, False, b"<"),
    ],
)
def test_body_kind_is_settled_by_the_first_byte_that_is_not_blank(chunks: list[bytes], guess: bool, json: bool, first: bytes) -> None:
    kind = BodyKind(guess)
    passed = b"".join(kind.feed(chunk) for chunk in chunks)
    assert kind.known and kind.json is json and kind.first == first
    assert passed == b"".join(chunks)  # nothing lost: blank bytes held back come out with the first real one


def test_body_kind_keeps_the_guess_while_only_blank_bytes_came() -> None:
    kind = BodyKind(True)
    assert kind.feed(b"  \n") == b"" and not kind.known and kind.json
