"""``rillet chat -a FILE``: images attached to the prompt, from files or stdin."""

from __future__ import annotations

from typing import Any, Sequence

import click

from .output import is_tty

__all__ = ["prompt_with_images", "read_attachments"]


def read_attachments(paths: Sequence[str], stdin: Any) -> list[Any]:
    """An :class:`rillet.ImagePart` for each path, in order; ``-`` reads the image from stdin.

    A file that cannot be read or is not an image is a usage error naming it (exit code 2).
    """
    from .. import ConfigurationError, ImagePart

    if list(paths).count("-") > 1:
        raise click.BadParameter("stdin can be attached once", param_hint="'-a' / '--attach'")
    if "-" in paths and is_tty(stdin):
        raise click.BadParameter("- reads the image from stdin: pipe it (rillet chat -a - … < photo.png)", param_hint="'-a' / '--attach'")
    images = []
    for path in paths:
        try:
            if path == "-":
                data = getattr(stdin, "buffer", stdin).read()
                images.append(ImagePart.from_bytes(data if isinstance(data, bytes) else data.encode("latin-1")))
            else:
                images.append(ImagePart.from_path(path))
        except ConfigurationError as exc:
            where = "stdin" if path == "-" else path
            raise click.BadParameter(f"{where}: {exc.message}", param_hint="'-a' / '--attach'") from None
    return images


def prompt_with_images(text: str, images: list[Any]) -> Any:
    """The prompt to send: ``text`` alone, or one user message of ``text`` and the images."""
    if not images:
        return text
    from .. import Message, TextPart

    return Message("user", [TextPart(text=text), *images])
