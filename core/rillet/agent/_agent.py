"""``Agent``: a model, some Python tools, and the loop that lets the model use them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Literal, Sequence

from .._errors import ConfigurationError
from .._messages import Message
from .._request import messages_from
from ._react import react_instructions
from ._tools import FunctionTool, as_tool

if TYPE_CHECKING:
    from .._model import StreamingChatModel
    from .._request import ChatRequest, Prompt
    from ._events import RunEndEvent
    from ._run import AgentRun

__all__ = ["Agent", "Strategy"]

#: ``native``: the provider's own tool calling; ``react``: the tool protocol in the prompt
#: and the model's ``Action:`` lines parsed from its text (models without tool calling).
Strategy = Literal["native", "react"]


class Agent:
    """A model that may call Python functions, step after step, until it answers.

    ::

        def get_weather(city: str) -> str:
            "The current weather in a city."
            return "sunny"

        agent = rillet.Agent("anthropic/claude-sonnet-4-5", tools=[get_weather])
        for event in agent.stream("Weather in Paris?"):
            ...

    A step is one model call. The run ends when the model answers without calling a tool,
    when a stream fails, or after ``max_steps`` steps. ``options`` are request options for
    every call (``max_tokens``, ``temperature``, provider fields …). The agent uses only
    the public model API (``stream_tokens`` / ``astream_tokens``).
    """

    def __init__(
        self,
        model: StreamingChatModel | str,
        tools: Sequence[FunctionTool | Callable[..., Any]] = (),
        *,
        system: str | None = None,
        max_steps: int = 10,
        strategy: Strategy = "native",
        **options: Any,
    ) -> None:
        if isinstance(model, str):
            from .._model import get_model

            model = get_model(model)
        if max_steps < 1:
            raise ConfigurationError(f"max_steps must be at least 1, not {max_steps}")
        if strategy not in ("native", "react"):
            raise ConfigurationError(f"strategy must be 'native' or 'react', not {strategy!r}")
        self.model = model
        self.tools = [as_tool(tool) for tool in tools]
        names = [tool.name for tool in self.tools]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ConfigurationError(f"two tools share the name {duplicated[0]!r}; give one of them another name")
        self.system = system
        self.max_steps = max_steps
        self.strategy: Strategy = strategy
        self.options = options
        self.build_request([Message.user("")])  # bad options fail here, not mid-run

    def __repr__(self) -> str:
        names = ", ".join(tool.name for tool in self.tools)
        return f"<Agent {self.model.id} tools=[{names}] strategy={self.strategy}>"

    def _system_text(self) -> str | None:
        if self.strategy != "react" or not self.tools:
            return self.system
        instructions = react_instructions(self.tools)
        return f"{self.system}\n\n{instructions}" if self.system else instructions

    def build_request(self, messages: list[Message]) -> ChatRequest:
        """The request for one step, given the conversation so far."""
        tools = [tool.tool for tool in self.tools] if self.strategy == "native" else []
        return self.model.request(messages, tools=tools, **self.options)

    def messages_for(self, prompt: Prompt, history: Sequence[Message] = ()) -> list[Message]:
        """The conversation a run starts from: the system prompt, ``history``, ``prompt``."""
        system = self._system_text()
        start = [Message.system(system)] if system else []
        return [*start, *history, *messages_from(prompt)]

    def stream(self, prompt: Prompt, *, history: Sequence[Message] = ()) -> AgentRun:
        """Run on ``prompt`` (after ``history``, earlier messages without the system
        prompt); iterate the result with ``for`` for the events as they happen."""
        from ._run import AgentRun

        return AgentRun(self, self.messages_for(prompt, history))

    def astream(self, prompt: Prompt, *, history: Sequence[Message] = ()) -> AgentRun:
        """Like :meth:`stream`, iterated with ``async for`` (on asyncio): the tool calls of
        one step run concurrently, sync tools in worker threads."""
        return self.stream(prompt, history=history)

    def run(self, prompt: Prompt, *, history: Sequence[Message] = ()) -> RunEndEvent:
        """Run to the end and return the ``run_end`` event (``.text`` is the answer)."""
        return self.stream(prompt, history=history).result()

    async def arun(self, prompt: Prompt, *, history: Sequence[Message] = ()) -> RunEndEvent:
        """Async :meth:`run`."""
        return await self.astream(prompt, history=history).aresult()
