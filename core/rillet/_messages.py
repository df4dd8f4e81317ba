"""Chat messages: what is sent to a model and what a stream aggregates into."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator

__all__ = [
    "ImagePart",
    "Message",
    "Part",
    "ReasoningPart",
    "ServerToolPart",
    "TextPart",
    "ToolCallPart",
    "ToolResultPart",
]

Role = Literal["system", "user", "assistant", "tool"]


class TextPart(BaseModel):
    """Plain text; ``provider_metadata`` keeps what a provider attached to it (Anthropic
    ``citations``)."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    type: Literal["text"] = "text"
    text: str
    provider_metadata: dict[str, Any] | None = Field(default=None, exclude_if=lambda value: value is None)


class ReasoningPart(BaseModel):
    """Model reasoning ("thinking"), kept whole so it can be sent back on the next turn.

    ``signature`` is the provider's integrity token (Anthropic ``signature``, Gemini
    ``thoughtSignature``, OpenRouter ``reasoning_details``); ``redacted`` marks reasoning the
    provider returned only in encrypted form, carried in ``data``.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)
    type: Literal["reasoning"] = "reasoning"
    text: str = ""
    signature: str | None = None
    redacted: bool = False
    data: str | None = None
    provider_metadata: dict[str, Any] | None = None


class ToolCallPart(BaseModel):
    """A call the model asked for: ``arguments`` parsed from ``raw_arguments`` (JSON text).

    ``arguments_error`` says why ``arguments`` is ``None`` when the text is not JSON.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)
    type: Literal["tool_call"] = "tool_call"
    call_id: str
    name: str
    arguments: Any = None
    raw_arguments: str = ""
    arguments_error: str | None = Field(default=None, exclude_if=lambda value: value is None)
    provider_metadata: dict[str, Any] | None = None


class ServerToolPart(BaseModel):
    """A tool the provider ran itself, its call or its result (see ``ServerToolEvent``);
    kept so it can be sent back on the next turn."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    type: Literal["server_tool"] = "server_tool"
    kind: Literal["call", "result"]
    call_id: str = ""
    name: str = ""
    arguments: Any = None
    content: Any = None
    provider_metadata: dict[str, Any] | None = None


class ToolResultPart(BaseModel):
    """The result of a tool call, sent back to the model in a ``tool`` message."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    type: Literal["tool_result"] = "tool_result"
    call_id: str
    content: str
    name: str | None = None
    is_error: bool = False


class ImagePart(BaseModel):
    """An image sent to the model: its bytes (``data``) or a ``url``, and its ``media_type``.

    Build one with :meth:`from_path`, :meth:`from_bytes` or :meth:`from_url`; a ``data:``
    URL becomes bytes. In JSON the bytes are standard base64 (a string given for ``data`` is
    read as base64). ``repr`` shows their size, never them.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)
    type: Literal["image"] = "image"
    media_type: str
    data: bytes | None = Field(default=None, exclude_if=lambda value: value is None)
    url: str | None = Field(default=None, exclude_if=lambda value: value is None)

    @field_validator("data", mode="before")
    @classmethod
    def _base64_to_bytes(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except ValueError:
                raise ValueError(f"an image's data given as text must be base64 (it starts {value[:16]!r})") from None
        return value

    @field_serializer("data", when_used="json")
    def _bytes_to_base64(self, data: bytes | None) -> str | None:
        return None if data is None else base64.b64encode(data).decode("ascii")

    @model_validator(mode="before")
    @classmethod
    def _data_url_to_bytes(cls, value: Any) -> Any:
        url = value.get("url") if isinstance(value, dict) else None
        if isinstance(url, str) and url[:5].lower() == "data:":
            from ._images import split_data_url

            media_type, data = split_data_url(url)
            value = {**value, "url": None, "data": data, "media_type": value.get("media_type") or media_type}
        return value

    @model_validator(mode="after")
    def _one_source(self) -> ImagePart:
        if (self.data is None) == (self.url is None):
            raise ValueError("an image part needs either data (its bytes) or a url, not both or neither")
        if not self.media_type.startswith("image/"):
            raise ValueError(f"an image part's media_type must be image/…, not {self.media_type[:40]!r}")
        return self

    @classmethod
    def from_path(cls, path: str | Path, media_type: str | None = None) -> ImagePart:
        """The image in file ``path``; the media type is read from its first bytes when not given."""
        from ._images import read_image_file

        return read_image_file(path, media_type)

    @classmethod
    def from_bytes(cls, data: bytes, media_type: str | None = None) -> ImagePart:
        """An image from its bytes; the media type is read from them when not given."""
        from ._images import image_from_bytes

        return image_from_bytes(data, media_type)

    @classmethod
    def from_url(cls, url: str, media_type: str | None = None) -> ImagePart:
        """An image at ``url`` (``https:`` or ``data:``); the media type is guessed from the URL when not given."""
        from ._images import image_from_url

        return image_from_url(url, media_type)

    def base64(self) -> str:
        """The bytes as base64 text (an image given by URL has none: ``ValueError``)."""
        if self.data is None:
            raise ValueError("this image is given by URL; it has no bytes to encode")
        return base64.b64encode(self.data).decode("ascii")

    def as_url(self) -> str:
        """The ``url``, or a ``data:`` URL holding the bytes."""
        return self.url if self.url is not None else f"data:{self.media_type};base64,{self.base64()}"

    def __repr__(self) -> str:
        source = f"data=<{len(self.data)} bytes>" if self.data is not None else f"url={_short(self.url or '')!r}"
        return f"ImagePart(media_type={self.media_type!r}, {source})"

    __str__ = __repr__


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


Part = Annotated[
    Union[TextPart, ImagePart, ReasoningPart, ToolCallPart, ToolResultPart, ServerToolPart], Field(discriminator="type")
]


class Message(BaseModel):
    """One chat message: a role and an ordered list of parts.

    A plain string is accepted for ``content`` and becomes one ``TextPart``.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)
    role: Role
    content: list[Part] = Field(default_factory=list)

    def __init__(self, role: Role, content: str | list[Any] | None = None, **data: Any) -> None:
        super().__init__(role=role, content=content or [], **data)

    @field_validator("content", mode="before")
    @classmethod
    def _text_to_parts(cls, value: Any) -> Any:
        return [TextPart(text=value)] if isinstance(value, str) else value

    @classmethod
    def system(cls, text: str) -> Message:
        """A system message."""
        return cls("system", text)

    @classmethod
    def user(cls, text: str) -> Message:
        """A user message."""
        return cls("user", text)

    @classmethod
    def assistant(cls, text: str) -> Message:
        """An assistant message with only text."""
        return cls("assistant", text)

    @classmethod
    def tool_result(cls, call_id: str, content: str, *, is_error: bool = False) -> Message:
        """A ``tool`` message answering the call ``call_id``."""
        return cls("tool", [ToolResultPart(call_id=call_id, content=content, is_error=is_error)])

    @property
    def images(self) -> list[ImagePart]:
        """The image parts, in order."""
        return [part for part in self.content if isinstance(part, ImagePart)]

    @property
    def text(self) -> str:
        """All text parts joined, in order."""
        return "".join(part.text for part in self.content if isinstance(part, TextPart))

    @property
    def reasoning(self) -> str:
        """All reasoning text joined, in order."""
        return "".join(part.text for part in self.content if isinstance(part, ReasoningPart))

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        """The tool calls, in order."""
        return [part for part in self.content if isinstance(part, ToolCallPart)]
