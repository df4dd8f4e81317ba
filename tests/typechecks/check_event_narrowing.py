"""A checked example: mypy (strict) must accept this file as it is.

``tests/test_typing.py`` runs mypy on it and on a copy without the ``if`` (which mypy must
reject), so the example can fail. It is never run, only type-checked.
"""

from __future__ import annotations

from typing import AsyncIterator, Iterator

from typing_extensions import assert_type

import rillet
from rillet.provider import Decoder, ErrorCode, FinishReason
from rillet.testing import Case, ProviderConformance


def print_answer(model: rillet.StreamingChatModel) -> str:
    """Events are a discriminated union: checking ``event.type`` narrows to one class."""
    stream = model.stream_tokens("Why is the sky blue?")
    assert_type(iter(stream), Iterator[rillet.Event])
    answer = ""
    for event in stream:
        if event.type == "token":
            assert_type(event, rillet.TokenEvent)
            assert_type(event.text, str)
            answer += event.text
        elif event.type == "error":
            assert_type(event.code, ErrorCode)
            assert_type(event.partial, "rillet.Message | None")
        elif event.type == "end":
            assert_type(event.finish_reason, FinishReason)
    return answer


def final_message(model: rillet.StreamingChatModel) -> rillet.Message:
    """An aggregated stream yields the same union, plus ``content`` snapshots."""
    stream = model.stream_with_aggregation("Why is the sky blue?")
    for event in stream:
        if event.type == "content":
            assert_type(event.message, rillet.Message)
    assert_type(stream.result(), rillet.ChatResult)
    return stream.result().message


async def print_answer_async(model: rillet.StreamingChatModel) -> list[str]:
    """``async for`` yields the same typed events."""
    stream = model.astream_tokens("Why is the sky blue?")
    assert_type(stream.__aiter__(), AsyncIterator[rillet.Event])
    return [event.text async for event in stream if event.type == "token"]


def decode(decoder: Decoder, body: bytes) -> list[str]:
    """A decoder's ``feed`` and ``close`` return events, and so does ``decode_chunks``."""
    assert_type(decoder.feed(body), list[rillet.Event])
    assert_type(decoder.close(), list[rillet.Event])
    events = rillet.decode_chunks(decoder, [body])
    return [event.call_id for event in events if event.type == "tool_call"]


def kit_texts(kit: ProviderConformance, case: Case) -> list[str]:
    """The conformance kit's helpers return typed decoders and events too."""
    assert_type(kit.make_decoder(case), Decoder)
    return [event.text for event in kit.decode(case) if event.type == "token"]
