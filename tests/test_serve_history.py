"""``POST /v1/responses`` with ``previous_response_id``: the gateway continues a
conversation from its log store, so a client need not resend it (and any worker can)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import openai
import pytest
from gateway_support import fast_replay, running_gateway  # noqa: F401 (fast_replay: autouse)

import rillet
from rillet.logs import open_store


@pytest.fixture
def gateway(store_location: str) -> Iterator[str]:
    """A gateway logging into the test's own store (SQLite, then PostgreSQL)."""
    with running_gateway() as url:
        yield url


def test_a_response_continues_from_its_previous_one(gateway: str) -> None:
    client = openai.OpenAI(base_url=f"{gateway}/v1", api_key="unused")
    first = client.responses.create(model="replay/demo", input="Why is the sky blue?")
    with client.responses.stream(model="replay/demo", input="And at sunset?", previous_response_id=first.id) as stream:
        second = stream.get_final_response()
    assert first.id.startswith("resp_") and second.id != first.id
    rillet.logs.flush()
    with open_store() as store:
        history = store.messages_for_response(second.id)
    assert history is not None
    assert [(message.role, message.text) for message in history] == [
        ("user", "Why is the sky blue?"),
        ("assistant", first.output_text),
        ("user", "And at sunset?"),
        ("assistant", second.output_text),
    ]


def test_an_unknown_previous_response_is_openais_previous_response_not_found_saying_what_to_do(gateway: str) -> None:
    # Clients resend the whole conversation on this code (as they do with OpenAI's own).
    client = openai.OpenAI(base_url=f"{gateway}/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="replay/demo", input="hi", previous_response_id="resp_nosuch")
    assert caught.value.status_code == 400 and caught.value.code == "previous_response_not_found"
    assert caught.value.param == "previous_response_id"
    assert "resp_nosuch" in str(caught.value) and "whole conversation" in str(caught.value)


def test_an_answer_another_worker_is_still_writing_is_waited_for(gateway: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # With several workers the next turn may reach one that does not see the answer yet:
    # the first lookups find nothing, as if its writer had not committed, then it is there.
    import rillet.logs

    client = openai.OpenAI(base_url=f"{gateway}/v1", api_key="unused", max_retries=0)
    first = client.responses.create(model="replay/demo", input="Why is the sky blue?")
    rillet.logs.flush()
    real_open_store = rillet.logs.open_store
    misses = [0]

    class NotYetWritten:
        def __init__(self, store: Any) -> None:
            self.store = store

        def messages_for_response(self, response_id: str) -> Any:
            if misses[0] < 3:
                misses[0] += 1
                return None
            return self.store.messages_for_response(response_id)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.store, name)

    @contextmanager
    def lagging_store() -> Iterator[Any]:
        with real_open_store() as store:
            yield NotYetWritten(store)

    monkeypatch.setattr(rillet.logs, "open_store", lagging_store)
    second = client.responses.create(model="replay/demo", input="And at sunset?", previous_response_id=first.id)
    assert misses[0] == 3 and second.output_text
