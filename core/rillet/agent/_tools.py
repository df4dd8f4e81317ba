"""Python functions as tools: a JSON schema from type hints and docstring (pydantic),
arguments validated before the call, and every failure turned into a result the model
can read (never an exception out of the agent loop)."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from .._errors import ConfigurationError
from .._request import Tool

__all__ = ["FunctionTool", "ToolOutcome", "as_tool", "result_text"]

_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?)\s*:\s*$")
_PARAMETER_LINE = re.compile(r"^\s*\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


@dataclass(frozen=True)
class ToolOutcome:
    """What running one call gave: the text for the model, whether it failed, how long it took."""

    content: str
    is_error: bool = False
    duration: float = 0.0


def result_text(value: Any) -> str:
    """A tool's return value as the text sent back: a string as it is, anything else as JSON."""
    if isinstance(value, str):
        return value
    from pydantic_core import to_json

    try:
        return to_json(value, fallback=str).decode("utf-8")
    except (TypeError, ValueError):
        return str(value)


def _docstring_parts(function: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    """The description (text before the first section) and the ``Args:`` descriptions."""
    lines = inspect.cleandoc(function.__doc__ or "").splitlines()
    summary: list[str] = []
    described: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    indent: int | None = None  # of the section's parameter lines; deeper lines continue one
    for line in lines:
        heading = _SECTION.match(line)
        if heading:
            section, current, indent = heading.group(1), None, None
            continue
        if section is None:
            summary.append(line)
        elif section in ("Args", "Arguments", "Parameters") and line.strip():
            depth = len(line) - len(line.lstrip())
            match = _PARAMETER_LINE.match(line)
            if match and (indent is None or depth <= indent):
                current, indent = match.group(1), depth
                described[current] = match.group(2).strip()
            elif current:
                described[current] = f"{described[current]} {line.strip()}".strip()
    return "\n".join(summary).strip(), described


class FunctionTool:
    """A Python function (sync or async) the model may call.

    The parameters' type hints and defaults become a pydantic model, whose JSON schema is
    sent to the model and which validates the arguments the model gives. The description
    is the docstring before its first section; an ``Args:`` section describes parameters.
    """

    def __init__(self, function: Callable[..., Any], *, name: str | None = None, description: str | None = None) -> None:
        self.function = function
        self.name = name or getattr(function, "__name__", "") or "tool"
        summary, described = _docstring_parts(function)
        self.description = summary if description is None else description
        self.is_async = inspect.iscoroutinefunction(function)
        self.arguments_model = self._arguments_model(described)

    def __repr__(self) -> str:
        return f"<FunctionTool {self.name}>"

    def _arguments_model(self, described: dict[str, str]) -> type[BaseModel]:
        fields: dict[str, Any] = {}
        hints = _type_hints(self.function)
        for parameter in inspect.signature(self.function).parameters.values():
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                raise ConfigurationError(
                    f"tool {self.name!r}: *{parameter.name} and **{parameter.name} cannot be described "
                    "to a model; give every parameter a name (and a type hint)"
                )
            if parameter.kind is parameter.POSITIONAL_ONLY:
                raise ConfigurationError(f"tool {self.name!r}: positional-only parameter {parameter.name!r} is not supported")
            annotation = hints.get(parameter.name, Any)
            default = ... if parameter.default is parameter.empty else parameter.default
            fields[parameter.name] = (annotation, Field(default, description=described.get(parameter.name)))
        config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
        return create_model(f"{self.name}_arguments", __config__=config, **fields)

    @property
    def schema(self) -> dict[str, Any]:
        """The JSON schema of the arguments (an object)."""
        schema = self.arguments_model.model_json_schema()
        schema.pop("title", None)
        for field in schema.get("properties", {}).values():
            if isinstance(field, dict):
                field.pop("title", None)
        return schema

    @property
    def tool(self) -> Tool:
        """The :class:`rillet.Tool` sent in requests."""
        return Tool(name=self.name, description=self.description, parameters=self.schema)

    def validate(self, arguments: Any) -> dict[str, Any] | str:
        """The keyword arguments for the call, or a message saying what is wrong with them."""
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            return f"invalid arguments for {self.name}: expected a JSON object, got {json.dumps(arguments)[:200]}"
        try:
            validated = self.arguments_model.model_validate(arguments)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(item) for item in error['loc']) or 'arguments'}: {error['msg']}" for error in exc.errors()
            )
            return f"invalid arguments for {self.name}: {problems}"
        return {name: getattr(validated, name) for name in type(validated).model_fields}

    def run(self, arguments: Any) -> ToolOutcome:
        """Validate and call (a coroutine function is run to completion in a new event loop)."""
        started = time.monotonic()
        prepared = self.validate(arguments)
        if isinstance(prepared, str):
            return ToolOutcome(prepared, True, time.monotonic() - started)
        if self.is_async and _loop_running():
            message = f"{self.name} is an async function and an event loop is running: use agent.astream()"
            return ToolOutcome(message, True, time.monotonic() - started)
        try:
            value = self.function(**prepared)
            if inspect.isawaitable(value):
                value = asyncio.run(_awaited(value))
        except Exception as exc:  # noqa: BLE001 - a tool's failure is fed back to the model
            return ToolOutcome(_failure(exc), True, time.monotonic() - started)
        return ToolOutcome(result_text(value), False, time.monotonic() - started)

    async def arun(self, arguments: Any) -> ToolOutcome:
        """Validate and call; a sync function runs in a worker thread so calls overlap."""
        started = time.monotonic()
        prepared = self.validate(arguments)
        if isinstance(prepared, str):
            return ToolOutcome(prepared, True, time.monotonic() - started)
        try:
            if self.is_async:
                value = await self.function(**prepared)
            else:
                value = await asyncio.to_thread(self.function, **prepared)
                if inspect.isawaitable(value):
                    value = await value
        except Exception as exc:  # noqa: BLE001 - a tool's failure is fed back to the model
            return ToolOutcome(_failure(exc), True, time.monotonic() - started)
        return ToolOutcome(result_text(value), False, time.monotonic() - started)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _awaited(value: Any) -> Any:
    return await value


def _failure(error: Exception) -> str:
    return f"the tool raised {type(error).__name__}: {error}"


def _type_hints(function: Callable[..., Any]) -> dict[str, Any]:
    import typing

    try:
        return typing.get_type_hints(function)
    except Exception:  # noqa: BLE001 - unresolvable hints: fall back to the raw annotations
        return dict(getattr(function, "__annotations__", {}))


def as_tool(tool: FunctionTool | Callable[..., Any]) -> FunctionTool:
    """``tool`` as a :class:`FunctionTool` (a plain function is wrapped)."""
    if isinstance(tool, FunctionTool):
        return tool
    if not callable(tool):
        raise ConfigurationError(f"a tool must be a function, not {type(tool).__name__}")
    return FunctionTool(tool)
