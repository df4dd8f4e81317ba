"""rillet's log: every stream recorded — complete, failed, truncated or cancelled, with
what had arrived — in SQLite (default) or PostgreSQL (``RILLET_LOG_URL``).

::

    from rillet import logs
    with logs.open_store() as store:
        for record in store.streams(limit=5, outcome="error"):
            print(record.model, record.error_code, record.response_text)

The logger is a plugin (``rillet.logs._plugin``): pluggy hook wrappers on
``stream_tokens`` and ``stream_with_aggregation`` wrap each stream in an
:class:`ObservedStream`. Turn it off with ``RILLET_LOG=0``, ``rillet logs off``,
``rillet chat --no-log`` or ``log=False`` in a ``stream_*`` call. Names are imported on
first use, so registering the plugin stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._lazy import lazy_attribute

_EXPORTS = {
    "Conversation": "._conversation",
    "continue_conversation": "._conversation",
    "FinishedStream": "._observer",
    "LogStore": "._store",
    "ModelStats": "._stats",
    "ObservedStream": "._observer",
    "StreamObserver": "._observer",
    "StreamRecord": "._record",
    "flush": "._writer",
    "log_location": "._settings",
    "logging_enabled": "._settings",
    "open_store": "._store",
    "resume_history": "._conversation",
    "set_logging_setting": "._settings",
    "stream_outcome": "._outcome",
}

__all__ = [
    "Conversation",
    "FinishedStream",
    "LogStore",
    "ModelStats",
    "ObservedStream",
    "StreamObserver",
    "StreamRecord",
    "continue_conversation",
    "flush",
    "log_location",
    "logging_enabled",
    "open_store",
    "resume_history",
    "set_logging_setting",
    "stream_outcome",
]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from ._conversation import Conversation, continue_conversation, resume_history
    from ._observer import FinishedStream, ObservedStream, StreamObserver
    from ._outcome import stream_outcome
    from ._record import StreamRecord
    from ._settings import log_location, logging_enabled, set_logging_setting
    from ._stats import ModelStats
    from ._store import LogStore, open_store
    from ._writer import flush
