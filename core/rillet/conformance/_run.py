"""Play the fixed requests against a server and check its answers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ._formats import FORMATS, ServerFormat
from ._report import ConformanceReport, PlayResult

if TYPE_CHECKING:
    import httpx

__all__ = ["check_server", "endpoint"]


def endpoint(url: str, server_format: ServerFormat) -> str:
    """The format's endpoint under ``url`` (a server root, or a root ending in ``/v1``)."""
    root = url.rstrip("/")
    return root + (server_format.path[3:] if root.endswith("/v1") else server_format.path)


def check_server(
    url: str,
    format: str,
    model: str,
    *,
    tools_model: str | None = None,
    key: str | None = None,
    timeout: float = 60.0,
    client: httpx.Client | None = None,
) -> ConformanceReport:
    """Play the text, tool-call and bad-request requests of ``format`` against the server
    at ``url`` with ``model`` (``tools_model`` for the tool call, if another) and check each
    answer. ``key`` is sent the format's way. Raises :class:`rillet.ConfigurationError`
    for an unknown format."""
    import httpx

    from .._errors import ConfigurationError

    server_format = FORMATS.get(format)
    if server_format is None:
        raise ConfigurationError(f"--format {format!r} is not a server format: use one of {', '.join(FORMATS)}")
    report = ConformanceReport(url=url, format=format, model=model)
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if key:
        headers.update(server_format.key_header(key))
    target = endpoint(url, server_format)
    own_client = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        for play, body in server_format.plays(model).items():
            if play == "tool-call" and tools_model:
                body = server_format.plays(tools_model)[play]
            result = PlayResult(play)
            report.plays.append(result)
            try:
                response = http.post(target, content=json.dumps(body).encode(), headers=headers)
            except httpx.HTTPError as error:
                result.check("connection", [f"POST {target} failed: {type(error).__name__}: {error}"])
                continue
            _check_answer(server_format, play, body, response, result)
    finally:
        if own_client:
            http.close()
    return report


def _check_answer(server_format: ServerFormat, play: str, body: dict[str, Any], response: httpx.Response, result: PlayResult) -> None:
    status, content = response.status_code, response.content
    if play == "bad-request":
        result.check("error-status", [] if 400 <= status < 500 else [f"a bad request was answered with status {status}, not 4xx"])
        try:
            payload: Any = json.loads(content)
        except ValueError:
            payload = content.decode("utf-8", "replace")
        result.check("error-shape", server_format.error_problems(payload) if status >= 400 else [])
    else:
        content_type = response.headers.get("content-type", "")
        result.check("status", [] if status == 200 and content_type.startswith("text/event-stream") else [
            f"answered {status} with content-type {content_type!r}, not 200 text/event-stream: {content[:200]!r}"
        ])
        if status != 200:
            return
        for check, problems in server_format.frame_problems(_frames(content), play).items():
            result.check(check, problems)
    _check_decoded(server_format, play, body, response, result)


def _frames(content: bytes) -> list[tuple[str, str]]:
    from ..framing import SSEParser

    parser = SSEParser()
    return [(event.event, event.data) for event in parser.feed(content) + parser.close()]


def _check_decoded(server_format: ServerFormat, play: str, body: dict[str, Any], response: httpx.Response, result: PlayResult) -> None:
    """The answer through rillet's own decoder for the format: the kit's grammar and
    invariants, an ``end`` (a ``bad_request`` error for the bad request)."""
    from .._decoding import decode_response
    from .._discovery import plugin_manager
    from ..testing._checks import grammar_problems, invariant_problems

    decoder = plugin_manager().hook.rillet_replay_decoder(
        method="POST", url=server_format.decoder_url, request_body=body, provider=None
    )
    if decoder is None:
        result.check("decoded", [f"no installed plugin decodes {server_format.name}: install {server_format.plugin}"])
        return
    events = decode_response(decoder, response.status_code, response.headers, [response.content])
    problems = grammar_problems(events) + invariant_problems(events)
    last = events[-1] if events else None
    if play == "bad-request":
        if last is not None and last.type == "error" and last.code != "bad_request" and 400 <= response.status_code < 500:
            problems.append(f"rillet reads the error as {last.code!r}, not 'bad_request' (status {response.status_code})")
    elif last is not None and last.type == "error":
        problems.append(f"rillet's decoder ends the answer with an error: {last.code}: {last.message[:200]}")
    elif play == "tool-call" and not any(event.type == "tool_call" for event in events):
        result.notes.append("the model answered without a tool call: the tool-call checks saw no call (give --tools-model)")
    result.check("decoded", problems)
