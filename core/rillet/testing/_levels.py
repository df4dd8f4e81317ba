"""Kit levels: what each level of the conformance kit checks, so a new check never breaks
a plugin's CI by surprise.

A plugin's conformance class pins the level it passes (``kit_level = 2``); upgrading
rillet keeps its checks at that level. A new check is added at a new level, and
:data:`KIT_LEVELS` (the changelog the author guide prints) says what each level added.
Raise ``kit_level`` when you are ready for the new checks. A class that pins no level
runs the latest one.
"""

from __future__ import annotations

__all__ = ["KIT_LEVELS", "LATEST_KIT_LEVEL", "check_kit_level"]

#: Each level and what it added, oldest first.
KIT_LEVELS = {
    1: "grammar, invariants, splitting, truncation, sync/async parity, cancellation, HTTP errors, capabilities shown "
    "by a cassette are declared, no secrets, expected outcomes, ownership, live scenarios",
    2: "declared capabilities need evidence (require_capability_evidence on by default: usage_in_stream needs "
    "usage in an expected file, parallel_tools a response with two calls or more)",
}

#: The level a class that pins none runs, and the newest one this rillet knows.
LATEST_KIT_LEVEL = max(KIT_LEVELS)


def check_kit_level(level: object, owner: str) -> int:
    """``level`` as an int this kit knows (``None``: the latest); raise ``TypeError`` otherwise."""
    if level is None:
        return LATEST_KIT_LEVEL
    if not isinstance(level, int) or isinstance(level, bool) or level not in KIT_LEVELS:
        known = ", ".join(str(number) for number in KIT_LEVELS)
        raise TypeError(
            f"{owner}.kit_level = {level!r}: this rillet knows kit levels {known}; "
            "pin one of them, or upgrade rillet for a newer level"
        )
    return level
