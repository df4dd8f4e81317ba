"""Read vcrpy cassettes as real recorders write them, without a network or vcrpy.

Handles bodies stored as text, as bytes (``!!binary``) compressed with the recorded
``Content-Encoding`` (gzip, deflate), and pydantic-ai's ``parsed_body`` mappings. Bodies
are returned decoded, with the ``Content-Encoding`` header dropped, so a decoder can be fed
exactly what an HTTP client would have handed it.
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import dataclass, field
from typing import Any

from ._errors import ConfigurationError, LocalProtocolError

__all__ = ["Interaction", "RecordedRequest", "RecordedResponse", "load_cassette"]


@dataclass(frozen=True)
class RecordedRequest:
    """The request side of a recorded interaction."""

    method: str
    uri: str
    headers: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass(frozen=True)
class RecordedResponse:
    """The response side: status, headers (lower-cased names) and the decoded body."""

    status: int
    reason: str = ""
    headers: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        values = self.headers.get(name.lower())
        return values[0] if values else None


@dataclass(frozen=True)
class Interaction:
    """One recorded request/response pair; ``number`` counts from 0 in file order."""

    number: int
    request: RecordedRequest
    response: RecordedResponse


def load_cassette(path: str | os.PathLike[str]) -> list[Interaction]:
    """Load every interaction of the vcrpy YAML cassette at ``path``.

    A file that cannot be read, is not YAML text, or is not a cassette with at least one
    request/response interaction raises :class:`ConfigurationError` naming the file and
    what was expected.
    """
    import yaml

    name = os.fspath(path)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the cassette {name}: {exc.strerror or exc}") from exc
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(data, Loader=loader)
    except yaml.reader.ReaderError as exc:
        raise _not_a_cassette(name, "it is not a text file (binary, or not UTF-8)") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise _not_a_cassette(name, f"it is not valid YAML ({getattr(exc, 'problem', None) or exc}{where})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("interactions"), list):
        raise _not_a_cassette(name, "it has no 'interactions' list")
    if not document["interactions"]:
        raise _not_a_cassette(name, "its 'interactions' list is empty")
    interactions = []
    for number, item in enumerate(document["interactions"]):
        try:
            interactions.append(_interaction(number, item))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise _not_a_cassette(name, f"interaction {number} is not a request/response pair ({type(exc).__name__}: {exc})") from exc
    return interactions


def _not_a_cassette(name: str, problem: str) -> ConfigurationError:
    return ConfigurationError(f"{name} is not a vcrpy cassette: {problem}; expected the YAML file vcrpy records")


def _interaction(number: int, item: dict[str, Any]) -> Interaction:
    request, response = item["request"], item["response"]
    request_headers = _headers(request.get("headers"))
    response_headers = _headers(response.get("headers"))
    encoding = (response_headers.pop("content-encoding", None) or ["identity"])[0]
    status = response.get("status") or {}
    return Interaction(
        number=number,
        request=RecordedRequest(
            method=str(request.get("method", "GET")).upper(),
            uri=request.get("uri", ""),
            headers=request_headers,
            body=_body(request),
        ),
        response=RecordedResponse(
            status=int(status.get("code", 200)),
            reason=str(status.get("message", "")),
            headers=response_headers,
            body=_decompress(response, encoding),
        ),
    )


def _headers(raw: Any) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in (raw or {}).items():
        values = value if isinstance(value, list) else [value]
        headers.setdefault(str(name).lower(), []).extend(str(v) for v in values)
    return headers


def _body(side: dict[str, Any]) -> bytes:
    if "parsed_body" in side:
        return json.dumps(side["parsed_body"]).encode()
    body = side.get("body")
    if isinstance(body, dict):
        body = body.get("string")
    if body is None:
        return b""
    return body if isinstance(body, bytes) else str(body).encode("utf-8")


def _decompress(response: dict[str, Any], encoding: str) -> bytes:
    body = _body(response)
    stored = response.get("body")
    stored_as_bytes = isinstance(stored, dict) and isinstance(stored.get("string"), bytes)
    encoding = encoding.strip().lower()
    if encoding in ("identity", "") or not body or not stored_as_bytes:
        return body  # text bodies were decoded by the recorder already
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body)
    if encoding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    raise LocalProtocolError(f"cannot decode a cassette body with Content-Encoding {encoding!r}")
