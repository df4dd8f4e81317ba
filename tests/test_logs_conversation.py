"""``rillet.Conversation``: turns that append to the history, resumed from the log store."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from log_support import DONE, TOKENS, logged
from loopback import LoopbackServer, Reply

import rillet

pytestmark = pytest.mark.usefixtures("fake_plugin")

def texts(server: LoopbackServer, number: int = -1) -> list[tuple[str, str]]:
    return [(m["role"], m["content"][0]["text"]) for m in json.loads(server.requests[number][2])["messages"]]


def test_each_turn_sends_the_history_and_appends_the_answer(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    server.queue(*[Reply(body=[*TOKENS, DONE]) for _ in range(3)])
    model = rillet.get_model("fake/fake-1", base_url=server.url, options=fast_options)
    conversation = rillet.Conversation(model, system="Be brief")
    assert conversation.send("one").text == "Hello"
    assert "".join(e.text for e in conversation.stream_tokens("two") if e.type == "token") == "Hello"
    assert asyncio.run(conversation.asend("three")).text == "Hello"
    assert texts(server) == [("system", "Be brief"), ("user", "one"), ("assistant", "Hello"), ("user", "two"), ("assistant", "Hello"), ("user", "three")]
    assert [m.role for m in conversation.messages][-2:] == ["user", "assistant"] and len(conversation.messages) == 7
    assert {record.conversation_id for record in logged(store_location)} == {conversation.id}


def test_a_stopped_turn_keeps_its_partial_answer(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    server.queue(Reply(body=[TOKENS[0], 5.0, DONE]), Reply(body=[*TOKENS, DONE]))
    model = rillet.get_model("fake/fake-1", base_url=server.url, options=fast_options)
    conversation = rillet.Conversation(model)
    with conversation.stream_tokens("one") as stream:
        for event in stream:
            if event.type == "token":
                break
    conversation.send("two")
    assert texts(server) == [("user", "one"), ("assistant", "Hel"), ("user", "two")]


def test_resume_continues_a_logged_conversation(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    server.queue(*[Reply(body=[*TOKENS, DONE]) for _ in range(3)])
    model = rillet.get_model("fake/fake-1", base_url=server.url, options=fast_options)
    first = rillet.Conversation(model)
    first.send("one")
    rillet.Conversation(model).send("elsewhere")
    resumed = rillet.Conversation.resume(model, first.id)
    assert resumed.id == first.id and [m.text for m in resumed.messages] == ["one", "Hello"]
    resumed.send("two")
    assert texts(server) == [("user", "one"), ("assistant", "Hello"), ("user", "two")]
    assert [m.text for m in rillet.Conversation.resume(model).messages] == ["one", "Hello", "two", "Hello"]


def test_resuming_an_unknown_conversation_is_a_clear_error(store_location: str) -> None:
    with pytest.raises(rillet.ConfigurationError, match="no logged conversation has the id 'nope'"):
        rillet.Conversation.resume(rillet.get_model("replay/demo"), "nope")


def test_a_response_id_given_to_a_stream_leads_back_to_its_history(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    """What the gateway's previous_response_id needs: stream under its own response id, then
    read the conversation back by that id and continue it."""
    server.queue(Reply(body=[*TOKENS, DONE]), Reply(body=[*TOKENS, DONE]))
    model = rillet.get_model("fake/fake-1", base_url=server.url, options=fast_options)
    model.stream_tokens("one", conversation_id="conv-1", response_id="resp_gw_1").result()
    rillet.logs.flush()
    with rillet.logs.open_store() as store:
        history = store.messages_for_response("resp_gw_1")
        assert history is not None and [m.text for m in history] == ["one", "Hello"]
        assert store.conversation_for_response("resp_gw_1") == "conv-1"
    model.stream_tokens([*history, rillet.Message.user("two")], conversation_id="conv-1", response_id="resp_gw_2").result()
    assert texts(server) == [("user", "one"), ("assistant", "Hello"), ("user", "two")]
    assert [record.response_id for record in logged(store_location)] == ["resp_gw_1", "resp_gw_2"]
