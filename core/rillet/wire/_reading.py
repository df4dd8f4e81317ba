"""What the three request readers share: typed field access that names the bad field,
text content, tool arguments, and the :class:`ClientRequest` they return."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from .._errors import InvalidRequestError
from .._events import read_tool_arguments
from .._messages import Message, Part
from .._request import ChatRequest, Tool

__all__ = [
    "Body",
    "ClientRequest",
    "append_part",
    "bad",
    "call_arguments",
    "chat_request",
    "max_tokens",
    "read_tool",
    "read_tool_choice",
    "text_content",
    "tools_and_choice",
]

_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "an array", dict: "an object"}


@dataclass(frozen=True)
class ClientRequest:
    """A client's request read from its wire format.

    ``model`` is the name the client asked for (the gateway resolves it); ``stream`` says
    whether it wants SSE; ``include_usage`` is Chat Completions'
    ``stream_options.include_usage``; ``request`` is the provider-neutral request;
    ``previous_response_id`` is the Responses API's: the answer this request continues
    (a server with a history store, like ``rillet serve``, prepends that history), and
    ``response_id`` the id the server gives its own answer (``None``: the provider's).
    """

    model: str
    stream: bool
    request: ChatRequest
    include_usage: bool = False
    previous_response_id: str | None = None
    response_id: str | None = None


def bad(field: str, problem: str) -> InvalidRequestError:
    """The error for a bad ``field``: its path first, then what is wrong."""
    return InvalidRequestError(f"{field}: {problem}", field=field)


class Body:
    """A JSON object of a request body at ``path``, read field by field.

    Every accessor raises :class:`InvalidRequestError` naming the field's full path
    (``messages[1].tool_calls[0].function.name``) and what it should have been.
    """

    __slots__ = ("value", "path")

    def __init__(self, value: Any, path: str = "") -> None:
        if not isinstance(value, dict):
            raise bad(path or "body", "must be a JSON object")
        self.value = value
        self.path = path

    def at(self, name: str | int) -> str:
        """The path of the member ``name``."""
        if isinstance(name, int):
            return f"{self.path}[{name}]"
        return f"{self.path}.{name}" if self.path else name

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        """Member ``name`` if it is of ``kind`` (``float`` accepts integers), ``default`` when
        absent or null."""
        value = self.value.get(name)
        if value is None:
            return default
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds:
            kinds = (*kinds, int)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            expected = " or ".join(_NAMES.get(k, k.__name__) for k in kinds if not (k is int and float in kinds))
            raise bad(self.at(name), f"must be {expected}, not {json.dumps(value)[:80]}")
        return value

    def need(self, name: str, kind: type | tuple[type, ...]) -> Any:
        """Member ``name``, which must be present and of ``kind``."""
        value = self.get(name, kind)
        if value is None:
            raise bad(self.at(name), "is required")
        return value

    def body(self, name: str) -> Body | None:
        """Member ``name`` as a :class:`Body`, or ``None`` when absent."""
        value = self.get(name, dict)
        return None if value is None else Body(value, self.at(name))

    def bodies(self, name: str, *, required: bool = False) -> list[Body]:
        """Member ``name``, an array of objects, each as a :class:`Body` (``required``: a
        non-empty array)."""
        items = self.need(name, list) if required else self.get(name, list, [])
        path = self.at(name)
        if required and not items:
            raise bad(path, "must not be empty")
        return [Body(item, f"{path}[{number}]") for number, item in enumerate(items)]

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
        """Member ``name``, a string that must be one of ``allowed``."""
        value: str | None = self.get(name, str, default)
        if value is not None and value not in allowed:
            raise bad(self.at(name), f"must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def stop(self, name: str) -> list[str] | None:
        """Member ``name``: stop sequences, a string or an array of strings."""
        value: str | list[str] | None = self.get(name, (str, list))
        if isinstance(value, str):
            return [value]
        if value is not None and not all(isinstance(item, str) for item in value):
            raise bad(self.at(name), "must be a string or an array of strings")
        return value


def text_content(value: Any, path: str, text_types: tuple[str, ...], what: str) -> str:
    """Text from ``value``: a string, or an array of parts whose ``type`` is one of
    ``text_types`` (a ``refusal`` part's text is in its ``refusal`` member); any other part
    is refused, naming it (``what`` says where)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise bad(path, "must be a string or an array of content parts")
    texts = []
    for number, item in enumerate(value):
        part = Body(item, f"{path}[{number}]")
        kind = part.need("type", str)
        if kind not in text_types:
            raise bad(part.at("type"), f"{kind!r} parts are not supported in {what}; send {' or '.join(text_types)} parts")
        texts.append(part.need("refusal" if kind == "refusal" else "text", str))
    return "".join(texts)


def call_arguments(raw: str) -> dict[str, Any]:
    """A tool call's ``arguments``, ``raw_arguments`` and ``arguments_error`` from the text a
    client sent back. Text that is not JSON (a call the token limit cut, which the gateway
    itself may have relayed) is kept as it came, as OpenAI keeps it, and marked: an agent
    loop goes on after a broken call."""
    arguments, error = read_tool_arguments(raw)
    return {"arguments": arguments, "raw_arguments": raw, "arguments_error": error}


def append_part(messages: list[Message], role: Literal["assistant", "tool"], part: Part) -> None:
    """Add ``part`` to the last message if it has ``role``, else start a new message."""
    if messages and messages[-1].role == role:
        messages[-1] = Message(role, [*messages[-1].content, part])
    else:
        messages.append(Message(role, [part]))


def read_tool(item: Body, *, kind: str, definition: Body | None, schema: str, refusal: str) -> Tool:
    """A function tool: ``item``'s ``type`` must be ``kind`` (else ``refusal``, formatted
    with the given type, says why not); ``definition`` holds its name, description and
    the JSON schema in member ``schema``."""
    given = item.get("type", str, kind)
    if given != kind:
        raise bad(item.at("type"), refusal.format(given))
    if definition is None:
        raise bad(item.at("function"), "is required")
    parameters = definition.get(schema, dict) or {"type": "object", "properties": {}}
    return Tool(name=definition.need("name", str), description=definition.get("description", str, ""), parameters=parameters)


def read_tool_choice(root: Body, *, nested: str | None = None) -> str | None:
    """OpenAI's ``tool_choice``: ``auto``, ``none``, ``required``, or an object naming one
    function (its ``name`` inside member ``nested`` when given)."""
    choice: str | dict[str, Any] | None = root.get("tool_choice", (str, dict))
    if isinstance(choice, dict):
        named = Body(choice, root.at("tool_choice"))
        if nested is not None:
            inner = named.body(nested)
            if inner is None:
                raise bad(named.at(nested), "is required when tool_choice is an object")
            named = inner
        return str(named.need("name", str))
    if choice is not None and choice not in ("auto", "none", "required"):
        raise bad(root.at("tool_choice"), f"must be auto, none, required or a function object, not {choice!r}")
    return choice


def tools_and_choice(root: Body, tools: list[Tool], *, nested: str | None = None) -> tuple[list[Tool], str | None]:
    """The request's ``tools`` and ``tool_choice`` (see :func:`read_tool_choice`). An
    ``allowed_tools`` choice keeps only the tools it names, with its ``mode`` (``auto`` or
    ``required``) as the choice: in Chat Completions it sits in member ``nested`` and names
    each tool inside ``function``, in Responses it names them directly."""
    choice = root.value.get("tool_choice")
    if not (isinstance(choice, dict) and choice.get("type") == "allowed_tools"):
        return tools, read_tool_choice(root, nested=nested)
    allowed = Body(choice, root.at("tool_choice"))
    if nested is not None:
        inner = allowed.body("allowed_tools")
        if inner is None:
            raise bad(allowed.at("allowed_tools"), "is required when tool_choice.type is allowed_tools")
        allowed = inner
    mode = allowed.choice("mode", ("auto", "required"), "auto")
    names = []
    for item in allowed.bodies("tools", required=True):
        named = item.body(nested) if nested is not None else item
        if named is None:
            raise bad(item.at(str(nested)), "is required")
        names.append(named.need("name", str))
    unknown = sorted(set(names) - {tool.name for tool in tools})
    if unknown:
        raise bad(allowed.at("tools"), f"names tools the request does not define: {', '.join(unknown)}")
    return [tool for tool in tools if tool.name in names], mode


def max_tokens(root: Body, *names: str) -> int | None:
    """The answer's token limit: the first of the members ``names`` that is given, at least 1."""
    for name in names:
        value = root.get(name, int)
        if value is not None:
            if value < 1:
                raise bad(root.at(name), f"must be at least 1, not {value}")
            return int(value)
    return None


def chat_request(**fields: Any) -> ChatRequest:
    """A ``ChatRequest`` from read fields; what pydantic still refuses becomes a typed error."""
    try:
        return ChatRequest(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(item) for item in first["loc"])
        raise bad(field or "body", first["msg"]) from None
