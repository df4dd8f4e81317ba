"""``rillet conformance``: does a server that claims a wire format stream it correctly?

There is no public test suite for servers that say they speak OpenAI Chat Completions,
Anthropic Messages or OpenAI Responses. :func:`check_server` plays a fixed set of requests
against a running server — a text answer with usage asked for, a tool call, a bad
request — and checks what comes back twice: frame by frame against the format (role
first, stable ids and indexes, one finish reason, the usage chunk with ``choices: []``,
the terminal marker, the error shape) and decoded by rillet's own decoder (the installed
plugin for that format) against the conformance kit's event grammar and invariants.
Each fault is a :class:`Finding` naming the check it broke::

    from rillet.conformance import check_server

    report = check_server("http://127.0.0.1:8080", "openai-chat", model="gpt-4o-mini")
    for finding in report.findings:
        print(finding)
"""

from __future__ import annotations

from ._formats import FORMATS, ServerFormat
from ._report import ConformanceReport, Finding, PlayResult
from ._run import check_server

__all__ = ["FORMATS", "ConformanceReport", "Finding", "PlayResult", "ServerFormat", "check_server"]
