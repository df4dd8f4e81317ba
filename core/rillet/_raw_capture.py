"""A response body captured by hand (``curl -N … > body.txt``: SSE text, NDJSON lines or a
JSON array), read as a one-interaction recording so ``rillet replay --provider`` can
decode it like a cassette."""

from __future__ import annotations

import os

from ._errors import ConfigurationError
from .cassettes import Interaction, RecordedRequest, RecordedResponse, load_cassette

__all__ = ["load_capture"]


def load_capture(path: str | os.PathLike[str], provider: str | None) -> tuple[list[Interaction], bool]:
    """``(interactions, raw)``: the cassette at ``path``, or with ``provider``, the file as
    one raw response body (status 200, no URL) when it is not a cassette.

    Without ``provider`` a file that is not a cassette raises :class:`ConfigurationError`
    saying that a raw body needs ``--provider``.
    """
    try:
        return load_cassette(path), False
    except ConfigurationError as exc:
        if provider is None:
            raise ConfigurationError(
                f"{exc.message}; or, for a raw captured body (SSE from curl -N, NDJSON, a JSON array), "
                f"name its provider: rillet replay {os.fspath(path)} --provider NAME"
            ) from None
        try:
            with open(path, "rb") as file:
                body = file.read()
        except OSError as error:
            raise ConfigurationError(f"cannot read {os.fspath(path)}: {error.strerror or error}") from None
    if not body.strip():
        raise ConfigurationError(f"{os.fspath(path)} is empty: capture a response body into it (curl -N … > FILE)")
    request = RecordedRequest(method="POST", uri="")
    return [Interaction(number=0, request=request, response=RecordedResponse(status=200, body=body))], True
