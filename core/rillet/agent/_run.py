"""``AgentRun``: one run of an agent, iterated with ``for`` or ``async for``.

The two drivers below are the whole I/O of a run; everything they decide comes from
:class:`RunState`, so they differ only in ``for`` / ``async for`` and in how tool calls
run (one after the other, or concurrently on the event loop).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator

from .._errors import LocalProtocolError
from ._state import RunState
from ._tools import ToolOutcome

if TYPE_CHECKING:
    from .._messages import Message, ToolCallPart
    from ._agent import Agent
    from ._events import AgentEvent, RunEndEvent

__all__ = ["AgentRun"]


class AgentRun:
    """The event stream of one agent run: the model's events as they arrive, and for each
    step ``step_start``, the tool results and ``step_end``; ``run_end`` last.

    Iterate once, with ``for`` (tools run one after the other) or ``async for`` (the calls
    of one step run concurrently). Leaving the loop early, ``close()``/``aclose()`` or
    cancelling the task closes the model's stream and cancels pending tools (a sync tool
    already running in its worker thread finishes there, unseen); the run so far stays in
    :attr:`messages` and :attr:`cancelled` turns true.
    """

    def __init__(self, agent: Agent, messages: list[Message]) -> None:
        self.agent = agent
        self.state = RunState(agent, messages)
        self._iterator: Any = None

    def __repr__(self) -> str:
        return f"<AgentRun {self.agent.model.id} step {self.state.step}>"

    @property
    def end(self) -> RunEndEvent | None:
        """The ``run_end`` event, once the run is over."""
        return self.state.end

    @property
    def messages(self) -> list[Message]:
        """The messages the run added so far; for a stopped run, the unfinished answer's
        text too (without unanswered tool calls)."""
        return self.state.partial_messages()

    def _start(self, driver: Any) -> Any:
        if self._iterator is not None:
            raise LocalProtocolError("an agent run can be iterated only once; call agent.stream() again")
        self._iterator = driver
        return driver

    @property
    def cancelled(self) -> bool:
        """Whether the run was stopped before its ``run_end``."""
        return self.state.cancelled

    # sync ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[AgentEvent]:
        return self._start(_drive_sync(self.state))  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the run now: close the model's stream."""
        iterator, self._iterator = self._iterator, ()
        if hasattr(iterator, "close"):
            iterator.close()
        self.state.stopped()

    def __enter__(self) -> AgentRun:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def result(self) -> RunEndEvent:
        """Run to the end (or consume what is left) and return the ``run_end`` event."""
        remaining = iter(self) if self._iterator is None else self._iterator
        for _ in remaining:
            pass
        return self._end()

    def _end(self) -> RunEndEvent:
        if self.state.end is None:
            raise LocalProtocolError("the run was stopped before its end; .messages holds what it did")
        return self.state.end

    # async --------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[AgentEvent]:
        return self._start(_drive_async(self.state))  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        """Stop the run now: close the model's stream and cancel pending tools."""
        iterator, self._iterator = self._iterator, ()
        if hasattr(iterator, "aclose"):
            await iterator.aclose()
        self.state.stopped()

    async def __aenter__(self) -> AgentRun:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aresult(self) -> RunEndEvent:
        """Async :meth:`result`."""
        remaining = self.__aiter__() if self._iterator is None else self._iterator
        if remaining != ():
            async for _ in remaining:
                pass
        return self._end()


def _drive_sync(state: RunState) -> Iterator[Any]:
    """The ``for`` driver (a function of the state only, so that dropping the run after a
    ``break`` closes the model's stream at once)."""
    model = state.agent.model
    try:
        while (begun := state.begin_step()) is not None:
            start, request = begun
            yield start
            with model.stream_tokens(request.messages, request=request) as stream:
                for event in stream:
                    yield from state.model_event(event)
                    if state.stop_reading:
                        break
            if state.stop_reading:
                yield from state.stopped_early()
            for call in state.model_done():
                yield state.tool_result(call, _run_call(state, call))
            yield from state.end_step()
    finally:
        state.stopped()


async def _drive_async(state: RunState) -> AsyncIterator[Any]:
    """The ``async for`` driver: the calls of one step run concurrently."""
    model = state.agent.model
    try:
        while (begun := state.begin_step()) is not None:
            start, request = begun
            yield start
            async with model.astream_tokens(request.messages, request=request) as stream:
                async for event in stream:
                    for item in state.model_event(event):
                        yield item
                    if state.stop_reading:
                        break
            if state.stop_reading:
                for item in state.stopped_early():
                    yield item
            calls = state.model_done()
            tasks = {asyncio.ensure_future(_arun_call(state, call)): call for call in calls}
            try:
                pending = set(tasks)
                while pending:
                    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    for task in sorted(done, key=list(tasks).index):
                        yield state.tool_result(tasks[task], task.result())
            finally:
                for task in tasks:
                    task.cancel()
            for item in state.end_step():
                yield item
    finally:
        state.stopped()


def _run_call(state: RunState, call: ToolCallPart) -> ToolOutcome:
    resolved = state.resolve(call)
    if isinstance(resolved, str):
        return ToolOutcome(resolved, True)
    tool, arguments = resolved
    return tool.run(arguments)


async def _arun_call(state: RunState, call: ToolCallPart) -> ToolOutcome:
    resolved = state.resolve(call)
    if isinstance(resolved, str):
        return ToolOutcome(resolved, True)
    tool, arguments = resolved
    return await tool.arun(arguments)
