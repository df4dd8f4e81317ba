"""Real recordings kept outside the repository (``../shared/cassettes``), and what the
tests that replay them do when they are absent.

A test module declares where they are expected::

    SHARED = SharedRecordings(REPO.parent / "shared" / "cassettes")   # or $RILLET_SHARED_CASSETTES

``SHARED / "anthropic"`` is a path as before. When the folder is missing, tests marked
``@SHARED.required`` (or ``pytestmark = SHARED.required``) are skipped, all with one
message naming the folder; ``cassette_paths = [OWN, *SHARED.paths(SHARED / "x")]`` gives
the kit no shared cassettes instead of a collection error, and the kit's standard tests
left with nothing to run on are skipped with the same message; the session ends with one
line saying what was skipped.
Set ``RILLET_REQUIRE_SHARED=1`` (CI does) to make a missing folder an error instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

__all__ = ["MissingSharedRecordings", "REQUIRE_ENV", "SHARED_ENV", "SharedRecordings", "missing_shared_reason"]

SHARED_ENV = "RILLET_SHARED_CASSETTES"
REQUIRE_ENV = "RILLET_REQUIRE_SHARED"

#: The message of every missing folder seen in this process (normally one).
_missing: dict[Path, str] = {}


def missing_shared_reason() -> str | None:
    """The skip message when a declared shared-recordings folder is missing, else ``None``."""
    return next(iter(_missing.values()), None)


class MissingSharedRecordings:
    """Stands in ``cassette_paths`` for shared recordings that are absent: the kit finds no
    cassette in it, and skips (with ``reason``) the standard tests left with nothing to run on."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"MissingSharedRecordings({self.reason!r})"


class SharedRecordings:
    """The folder of shared real recordings: ``$RILLET_SHARED_CASSETTES``, else ``default``."""

    def __init__(self, default: str | os.PathLike[str]) -> None:
        configured = os.environ.get(SHARED_ENV)
        self.path = Path(configured) if configured else Path(default)
        self.reason = (
            f"the shared recordings are missing: {self.path} is not a directory "
            f"(put them at ../shared/cassettes beside the repository, or set {SHARED_ENV}); "
            "the tests that replay them are skipped"
        )
        if not self.present:
            if os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
                raise FileNotFoundError(f"{self.reason.split(';')[0]}, and {REQUIRE_ENV} is set")
            _missing.setdefault(self.path, self.reason)

    @property
    def present(self) -> bool:
        """Whether the folder exists."""
        return self.path.is_dir()

    @property
    def required(self) -> Any:
        """A pytest mark: skip the test (with :attr:`reason`) when the folder is missing."""
        import pytest

        return pytest.mark.skipif(not self.present, reason=self.reason)

    def paths(self, *entries: str | os.PathLike[str]) -> list[Any]:
        """``entries`` (cassette files, folders, globs inside the folder) for ``cassette_paths``;
        when the folder is missing, a :class:`MissingSharedRecordings` the kit understands."""
        return list(entries) if self.present else [MissingSharedRecordings(self.reason)]

    def glob(self, pattern: str) -> Iterator[Path]:
        """``Path.glob`` in the folder (nothing when it is missing)."""
        return self.path.glob(pattern)

    def __truediv__(self, part: str | os.PathLike[str]) -> Path:
        return self.path / part

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def __str__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"SharedRecordings({str(self.path)!r}, present={self.present})"
