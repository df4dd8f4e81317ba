"""rillet's command line (click): ``rillet providers``, ``chat``, ``keys``, ``replay`` …

The console script is ``rillet = "rillet.cli:main"``. Importing this package imports click
and rillet's light modules only; each command imports what it needs when it runs.
"""

from __future__ import annotations

from .main import RilletGroup, cli, main

__all__ = ["RilletGroup", "cli", "main"]
