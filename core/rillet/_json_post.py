"""The request a provider plugin streams from: a JSON ``POST``.

Every plugin builds one per stream, so this is on the path to the first token: the body
is encoded compactly in one call, and a URL already seen is not parsed again (httpx's URL
parsing is most of what building a request costs).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    import httpx

__all__ = ["json_post"]


def json_post(url: str, body: Any, headers: Mapping[str, str]) -> httpx.Request:
    """``POST url`` with ``body`` as compact UTF-8 JSON (non-ASCII text kept as is).

    ``headers`` are sent as given, plus ``Content-Type: application/json`` unless they
    name a content type of their own. Build ``url`` with :meth:`StreamingChatModel.url`
    or :func:`join_url`.
    """
    import httpx

    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if not any(name.lower() == "content-type" for name in headers):
        headers = {**headers, "Content-Type": "application/json"}
    return httpx.Request("POST", _parsed(url), headers=headers, content=content)


@lru_cache(maxsize=256)
def _parsed(url: str) -> httpx.URL:
    """``url`` parsed once (an ``httpx.URL`` is immutable, so requests may share it)."""
    import httpx

    return httpx.URL(url)
