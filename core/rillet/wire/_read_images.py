"""Images in client requests: an OpenAI Chat ``image_url`` part, a Responses ``input_image``
part and an Anthropic ``image`` block, read into :class:`ImagePart`; anything unusable is a
typed error naming the field (never quoting the image's bytes)."""

from __future__ import annotations

from typing import Any, Callable

from .._errors import ConfigurationError
from .._images import image_from_bytes, image_from_url, split_data_url
from .._messages import ImagePart, TextPart
from ._reading import Body, bad, text_content

__all__ = ["has_image", "read_anthropic_image", "read_openai_image", "read_responses_image", "user_parts"]


def has_image(content: Any, image_type: str) -> bool:
    """Whether ``content`` is a list of parts holding one of type ``image_type``."""
    return isinstance(content, list) and any(isinstance(part, dict) and part.get("type") == image_type for part in content)


def user_parts(item: Body, image_type: str, read_image: Callable[[Body], ImagePart], text_types: tuple[str, ...]) -> list[Any]:
    """A user message's text parts and ``image_type`` parts (read by ``read_image``), in order."""
    parts: list[Any] = []
    for part in item.bodies("content"):
        if part.need("type", str) == image_type:
            parts.append(read_image(part))
        else:
            parts.append(TextPart(text=text_content([part.value], item.at("content"), text_types, "user messages")))
    return parts


def read_openai_image(part: Body) -> ImagePart:
    """An ``{"type": "image_url", "image_url": {"url": …}}`` part (the URL may be a ``data:`` URL)."""
    value = part.value.get("image_url")
    url_path = part.at("image_url")
    if isinstance(value, dict):
        url = Body(value, url_path).need("url", str)
        url_path += ".url"
    elif isinstance(value, str):
        url = value
    else:
        raise bad(url_path, "must be an object with a url (https: or data:)")
    try:
        return image_from_url(url)
    except ConfigurationError as exc:
        raise bad(url_path, exc.message) from None


def read_responses_image(part: Body) -> ImagePart:
    """A Responses ``{"type": "input_image", "image_url": …}`` part (a link or a ``data:`` URL)."""
    if part.get("file_id", str) is not None and part.value.get("image_url") is None:
        raise bad(part.at("file_id"), "uploaded files are not supported; send the image as image_url (https: or data:)")
    try:
        return image_from_url(part.need("image_url", str))
    except ConfigurationError as exc:
        raise bad(part.at("image_url"), exc.message) from None


def read_anthropic_image(block: Body) -> ImagePart:
    """An ``image`` block: ``source`` ``base64`` (``media_type`` and ``data``) or ``url``."""
    source = block.body("source")
    if source is None:
        raise bad(block.at("source"), "is required")
    kind = source.choice("type", ("base64", "url"))
    if kind is None:
        raise bad(source.at("type"), "must be one of base64, url")
    try:
        if kind == "url":
            return image_from_url(source.need("url", str))
        media_type = source.need("media_type", str)
        _, data = split_data_url(f"data:{media_type};base64,{source.need('data', str)}")
        return image_from_bytes(data, media_type)
    except (ConfigurationError, ValueError) as exc:
        message = exc.message if isinstance(exc, ConfigurationError) else "holds no valid base64 image data"
        raise bad(source.at("data" if kind == "base64" else "url"), message) from None
