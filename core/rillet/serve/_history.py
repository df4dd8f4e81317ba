"""The Responses API's server-side history: ``previous_response_id``, read from the log store.

Every answer the gateway streams in the Responses format gets an id of the gateway's own
(``resp_…``), which the log store records with the answer's conversation. A later request
naming it as ``previous_response_id`` is sent with that conversation's messages first — the
client need not resend them. The store is shared by every worker and machine (PostgreSQL
with ``RILLET_LOG_URL``), so the gateway itself stays stateless.

An answer is written a moment after its end, by the worker that streamed it; a client that
sends the next turn at once may reach another worker first. So an id the store does not
know yet is looked up again for up to :data:`HISTORY_WAIT` seconds before it is refused as
OpenAI refuses it (400, code ``previous_response_not_found``: clients resend the whole
conversation on that code). The
lookups block: call :func:`with_history` from a thread, not from the event loop.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

from .._errors import InvalidRequestError
from .._messages import Message
from ..wire import ClientRequest

__all__ = ["HISTORY_WAIT", "UnknownPreviousResponse", "with_history"]

HISTORY_WAIT = 2.0
"""How long an unknown ``previous_response_id`` is looked for (another worker may still be writing it)."""


class UnknownPreviousResponse(InvalidRequestError):
    """``previous_response_id`` names no answer the log store knows: a 400 whose OpenAI
    error code is ``previous_response_not_found``, as OpenAI's own."""

    openai_code = "previous_response_not_found"


def with_history(client: ClientRequest) -> ClientRequest:
    """``client`` with its answer's id and conversation, and the history it continues."""
    request = client.request
    conversation_id = uuid.uuid4().hex
    messages = list(request.messages)
    previous = client.previous_response_id
    if previous is not None:
        history, conversation_id = _history(previous)
        given_system = [message for message in messages if message.role == "system"]
        if given_system:  # this request's instructions replace the earlier ones
            history = [message for message in history if message.role != "system"]
        messages = given_system + history + [message for message in messages if message.role != "system"]
    response_id = "resp_" + uuid.uuid4().hex
    context = {**request.context, "response_id": response_id, "conversation_id": conversation_id}
    return replace(client, request=request.model_copy(update={"messages": messages, "context": context}), response_id=response_id)


def _history(response_id: str) -> tuple[list[Message], str]:
    from ..logs import flush, open_store
    from ..logs._settings import logging_enabled

    flush()  # an answer this worker just streamed is written a moment after its end
    end, pause = time.monotonic() + HISTORY_WAIT, 0.02
    while True:
        with open_store() as store:
            history = store.messages_for_response(response_id)
            conversation_id = store.conversation_for_response(response_id)
        if history is not None and conversation_id is not None:
            return history, conversation_id
        if not logging_enabled() or time.monotonic() + pause > end:
            break
        time.sleep(pause)  # another worker may be writing it now
        pause = min(pause * 2, 0.25)
    off = "" if logging_enabled() else "; the gateway's log is off (RILLET_LOG=0), so it remembers no answer"
    raise UnknownPreviousResponse(
        f"Previous response with id {response_id!r} not found: it is not an answer this gateway's log store "
        f"knows{off}; send the whole conversation in input instead",
        field="previous_response_id",
    )
