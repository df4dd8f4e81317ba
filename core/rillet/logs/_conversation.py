"""Conversations: turns that append to a history, continued from the log store."""

from __future__ import annotations

from typing import Any

from .._messages import Message
from .._request import Prompt, messages_from
from ._build import new_id

__all__ = ["Conversation", "continue_conversation", "resume_history"]


class Conversation:
    """A conversation with a model: each turn sends the history plus the new prompt, and
    the answer (partial, if the stream failed or was stopped) joins the history.

    ::

        chat = rillet.Conversation(rillet.get_model("openai/gpt-4o-mini"), system="Be brief")
        for event in chat.stream_tokens("Name a colour"): ...
        chat.send("Another one").text        # sync; ``await chat.asend(...)`` in async code
        chat = rillet.Conversation.resume(model)               # the latest logged conversation
        chat = rillet.Conversation.resume(model, conversation_id)

    Every stream is logged under :attr:`id`. The answer of a turn is taken into the
    history when the next turn starts or :attr:`messages` is read.
    """

    def __init__(
        self,
        model: Any,
        *,
        system: str | None = None,
        messages: list[Message] | None = None,
        conversation_id: str | None = None,
    ) -> None:
        self.model = model
        self.id = conversation_id or new_id()
        self._messages: list[Message] = list(messages or [])
        if system is not None and not any(message.role == "system" for message in self._messages):
            self._messages.insert(0, Message.system(system))
        self._pending: tuple[list[Message], Any] | None = None

    def __repr__(self) -> str:
        return f"<Conversation {self.id} with {self.model.id}: {len(self.messages)} messages>"

    @classmethod
    def resume(cls, model: Any, conversation_id: str | None = None, *, store: Any = None) -> Conversation:
        """The conversation ``conversation_id`` (default: the latest logged one) read back
        from the log store, to continue with ``model``."""
        conversation_id, messages = resume_history(conversation_id, latest=conversation_id is None, store=store)
        return cls(model, messages=messages, conversation_id=conversation_id)

    @property
    def messages(self) -> list[Message]:
        """The history: every message sent and every answer received so far."""
        self._settle()
        return list(self._messages)

    def _settle(self) -> None:
        if self._pending is None:
            return
        sent, stream = self._pending
        self._pending = None
        self._messages.extend(sent)
        answer = getattr(stream, "partial", None)
        if isinstance(answer, Message) and answer.content:
            self._messages.append(answer)

    def _open(self, method: str, prompt: Prompt, options: dict[str, Any]) -> Any:
        self._settle()
        new = messages_from(prompt)
        options["conversation_id"] = self.id
        request = self.model.request(self._messages + new, **options)
        stream = getattr(self.model, method)(None, request=request)
        self._pending = (new, stream)
        return stream

    def stream_tokens(self, prompt: Prompt, **options: Any) -> Any:
        """Stream the answer to ``prompt`` after the history (``for`` or ``async for``)."""
        return self._open("stream_tokens", prompt, options)

    def stream_with_aggregation(self, prompt: Prompt, **options: Any) -> Any:
        """Like :meth:`stream_tokens`, with ``content`` snapshots and ``result()``."""
        return self._open("stream_with_aggregation", prompt, options)

    def send(self, prompt: Prompt, **options: Any) -> Any:
        """Send ``prompt``, wait for the whole answer and return the :class:`rillet.ChatResult`."""
        return self.stream_tokens(prompt, **options).result()

    async def asend(self, prompt: Prompt, **options: Any) -> Any:
        """Async :meth:`send`."""
        return await self.stream_tokens(prompt, **options).aresult()


def resume_history(conversation_id: str | None, *, latest: bool, store: Any = None) -> tuple[str, list[Message]]:
    """The id and messages of the conversation to continue: ``conversation_id``, or the
    latest logged one when ``latest``; a new, empty conversation when neither is given."""
    if conversation_id is None and not latest:
        return new_id(), []
    from .._errors import ConfigurationError
    from ._store import open_store
    from ._writer import flush

    flush()  # this process's own streams first
    owned = store is None
    store = open_store() if owned else store
    try:
        if conversation_id is None:
            conversation_id = store.latest_conversation_id()
            if conversation_id is None:
                raise ConfigurationError("no conversation to continue: the log is empty (see `rillet logs path`)")
        messages = store.conversation_messages(conversation_id)
        if not messages:
            raise ConfigurationError(f"no logged conversation has the id {conversation_id!r} (see `rillet logs`)")
        return conversation_id, messages
    finally:
        if owned:
            store.close()


def continue_conversation(
    prompt: str | Message, *, system: str | None = None, conversation_id: str | None = None, latest: bool = False
) -> tuple[str, list[Message]]:
    """The conversation id and the messages to send for ``prompt``: the history of
    ``conversation_id`` (or of the latest conversation when ``latest``) read from the log
    store, then ``prompt`` (a string, or a whole user message: text and images). ``system`` is sent first unless the history has a system message."""
    conversation_id, history = resume_history(conversation_id, latest=latest)
    conversation = Conversation(None, system=system, messages=history, conversation_id=conversation_id)
    return conversation.id, conversation.messages + [prompt if isinstance(prompt, Message) else Message.user(prompt)]
