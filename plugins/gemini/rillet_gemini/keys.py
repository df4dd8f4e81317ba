"""Which key a Gemini stream uses: ``GEMINI_API_KEY``, with ``GOOGLE_API_KEY`` as a fallback.

``ProviderInfo`` names one key variable, ``GEMINI_API_KEY`` (what Google AI Studio and
its docs use). Google's own SDK (``google-genai``) also reads ``GOOGLE_API_KEY``, so a user
coming from it may have only that one set: it is used when neither an explicit key, nor
``GEMINI_API_KEY``, nor a key stored with ``rillet keys set gemini`` is found. It is never
preferred, because ``GOOGLE_API_KEY`` is often a key for another Google API.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rillet.provider import StreamingChatModel

__all__ = ["FALLBACK_KEY_ENV_VAR", "KEY_ENV_VAR", "resolve_gemini_key"]

#: The variable rillet reads first (``ProviderInfo.key_env_var``).
KEY_ENV_VAR = "GEMINI_API_KEY"

#: Read only when nothing else gave a key.
FALLBACK_KEY_ENV_VAR = "GOOGLE_API_KEY"


def resolve_gemini_key(model: StreamingChatModel) -> str:
    """The key for ``model``; raises ``MissingKeyError`` (naming ``GEMINI_API_KEY``) when none is set."""
    key = model.key
    if key:
        return key
    if model.info.key_env_var == KEY_ENV_VAR:
        fallback = os.environ.get(FALLBACK_KEY_ENV_VAR)
        if fallback:
            return fallback
    return model.require_key()
