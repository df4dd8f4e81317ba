"""How a stream ended, decided from what the logger observed (one place to change)."""

from __future__ import annotations

from typing import Any

from ._record import Outcome

__all__ = ["stream_outcome"]


def stream_outcome(terminal: Any, raised: BaseException | None = None) -> tuple[Outcome, str | None]:
    """The outcome and error code of a stream whose terminal event was ``terminal``.

    No terminal event means the stream was stopped early (``cancelled``) — unless an
    exception other than a cancellation ended it, which is an ``error``. An ``error`` event
    with code ``truncated`` (the body ended without the provider's end marker) is
    ``truncated``.
    """
    if terminal is None:
        if raised is None or isinstance(raised, (GeneratorExit, KeyboardInterrupt)) or type(raised).__name__ == "CancelledError":
            return "cancelled", None
        return "error", str(getattr(raised, "code", None) or type(raised).__name__)
    if terminal.type == "end":
        return "complete", None
    if terminal.code == "truncated":
        return "truncated", "truncated"
    return "error", str(terminal.code)
