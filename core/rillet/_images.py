"""Images in messages: reading them (file, bytes, URL), their media type, and refusing
them before anything is sent to a model that cannot take them."""

from __future__ import annotations

import base64
import binascii
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ._errors import ConfigurationError
from ._messages import ImagePart

if TYPE_CHECKING:
    from ._model import StreamingChatModel
    from ._request import ChatRequest

__all__ = ["check_images_supported", "image_from_bytes", "image_from_url", "read_image_file", "sniff_media_type", "split_data_url"]

#: The media types providers take (OpenAI, Anthropic, Gemini share these four).
KNOWN_MEDIA_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")

_PREFIX_SHOWN = 16


def sniff_media_type(data: bytes) -> str | None:
    """The media type that the first bytes of ``data`` announce (PNG, JPEG, GIF, WebP), or ``None``."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _prefix(data: bytes) -> str:
    """A short quoted prefix of ``data`` for an error message (never the whole image)."""
    shown = repr(data[:_PREFIX_SHOWN])
    return shown + ("…" if len(data) > _PREFIX_SHOWN else "")


def image_from_bytes(data: bytes, media_type: str | None = None, *, source: str = "the image") -> ImagePart:
    """An :class:`ImagePart` of ``data``; ``ConfigurationError`` when its type cannot be told."""
    if not data:
        raise ConfigurationError(f"{source} is empty: give an image (PNG, JPEG, GIF or WebP)")
    found = media_type or sniff_media_type(data)
    if found is None:
        raise ConfigurationError(
            f"{source} is not a PNG, JPEG, GIF or WebP image (it starts {_prefix(data)}); "
            f"give the media type if it is another image format"
        )
    if not found.startswith("image/"):
        raise ConfigurationError(f"{source}: the media type must be image/…, not {found[:40]!r}")
    return ImagePart(media_type=found, data=data)


def read_image_file(path: str | Path, media_type: str | None = None) -> ImagePart:
    """The image in file ``path``: ``ConfigurationError`` naming it when it cannot be read or is no image."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the image {str(path)!r}: {exc.strerror or exc}") from None
    return image_from_bytes(data, media_type, source=f"the file {str(path)!r}")


def split_data_url(url: str) -> tuple[str, bytes]:
    """``(media type, bytes)`` of a base64 ``data:`` URL; ``ValueError`` when it is not one."""
    header, comma, payload = url.partition(",")
    if not comma or not header.lower().endswith(";base64"):
        raise ValueError(f"an image data URL must be data:<media type>;base64,<data>, not {url[:40]!r}…")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"the image data URL holds no valid base64 (it starts {url[:40]!r})") from None
    return header[5:-7] or "", data


def image_from_url(url: str, media_type: str | None = None) -> ImagePart:
    """An :class:`ImagePart` for ``url`` (``http(s):`` is sent as a link, ``data:`` as bytes)."""
    if url[:5].lower() == "data:":
        try:
            found, data = split_data_url(url)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        return image_from_bytes(data, media_type or found or None, source="the image data URL")
    if urlsplit(url).scheme not in ("http", "https"):
        raise ConfigurationError(f"an image URL must be http(s): or data:, not {url[:60]!r}")
    guessed = media_type or mimetypes.guess_type(urlsplit(url).path)[0]
    if guessed is None or not guessed.startswith("image/"):
        raise ConfigurationError(f"cannot tell the media type of the image at {url[:80]!r}: give it (media_type='image/png')")
    return ImagePart(media_type=guessed, url=url)


def check_images_supported(model: StreamingChatModel, request: ChatRequest) -> None:
    """Raise ``ConfigurationError`` when ``request`` holds images and ``model`` cannot take them.

    Called before anything is sent, so no tokens are spent on a request that would fail.
    """
    count = sum(len(message.images) for message in request.messages)
    if count and not model.capabilities.vision:
        raise ConfigurationError(
            f"{model.id} cannot take images, and the request holds {count}: choose a model with vision "
            f"(`rillet models --provider {model.provider}` shows each model's capabilities)",
            provider=model.provider,
            status_code=400,  # the gateway answers it as its client's bad request, not a bad gateway
        )
