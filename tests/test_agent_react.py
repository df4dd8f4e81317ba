"""The ReAct parser: ``Action:`` / ``Action Input:`` lines parsed as the text streams."""

from __future__ import annotations

import pytest

from rillet import StreamAggregator
from rillet.agent._react import ReactParser, react_instructions
from rillet.agent._tools import FunctionTool

TEXT = 'Thought: I need the weather.\nAction: get_weather\nAction Input: {"city": "Paris"}\nObservation: made up\n'


def _parse(pieces: list[str]) -> tuple[ReactParser, list[object]]:
    parser = ReactParser("react_1")
    events: list[object] = []
    for piece in pieces:
        events.extend(parser.feed(piece))
    events.extend(parser.finish())
    return parser, events


@pytest.mark.parametrize("size", [1, 2, 3, 7, len(TEXT)])
def test_the_same_call_whatever_the_chunking(size: int) -> None:
    parser, events = _parse([TEXT[i : i + size] for i in range(0, len(TEXT), size)])
    result = StreamAggregator.fold(events)  # type: ignore[arg-type]
    assert result.message.reasoning == "I need the weather.\n" and result.text == ""
    (call,) = result.message.tool_calls
    assert (call.name, call.arguments, call.call_id) == ("get_weather", {"city": "Paris"}, "react_1")
    assert parser.done and "Observation" not in parser.text
    assert parser.text == TEXT[: TEXT.index("Observation")]


def test_text_is_passed_on_at_once_unless_it_may_be_a_marker() -> None:
    parser = ReactParser("r")
    assert [(e.type, e.text) for e in parser.feed("Hm. Thought: x")] == [("token", "Hm. Thought: x")]  # type: ignore[attr-defined]
    assert [(e.type, e.text) for e in parser.feed("\nThought: hm")] == [("token", "\n"), ("reasoning", "hm")]  # type: ignore[attr-defined]
    assert [e.text for e in parser.feed("\nAct")] == ["\n"]  # type: ignore[attr-defined]
    assert [(e.type, e.text) for e in parser.feed("ual thinking")] == [("reasoning", "Actual thinking")]  # type: ignore[attr-defined]
    assert [(e.type, e.text) for e in parser.feed("\nFinal Answer: 4")] == [("reasoning", "\n"), ("token", "4")]  # type: ignore[attr-defined]


def test_a_final_answer_has_no_call_and_a_bad_input_is_kept_raw() -> None:
    _, events = _parse(["Final Answer: 42"])
    assert [(e.type, e.text) for e in events] == [("token", "42")]  # type: ignore[attr-defined]
    _, events = _parse(["Action: f\nAction Input: {oops"])
    call = events[-1]
    assert call.arguments is None and call.raw_arguments == "{oops"  # type: ignore[attr-defined]


def test_instructions_list_the_tools() -> None:
    def lookup(query: str) -> str:
        """Look something up."""
        return query

    text = react_instructions([FunctionTool(lookup)])
    assert "- lookup: Look something up." in text and '"query"' in text and "Final Answer:" in text
