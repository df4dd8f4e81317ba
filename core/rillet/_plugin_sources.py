"""Where rillet's own plugins install from while they are not on PyPI.

From a clone the plugin's directory (``plugins/<name>``) is the source; from an installed
wheel of the core, the plugin's wheel built by ``scripts/release.sh``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["install_command"]

#: ``plugins/`` of the source tree this core runs from (absent when it runs from a wheel).
SOURCE_PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


def install_command(distribution: str) -> str:
    """A command that installs ``distribution`` (``rillet-anthropic``) from where it exists."""
    directory = SOURCE_PLUGINS / distribution.removeprefix("rillet-")
    if (directory / "pyproject.toml").is_file():
        return f"rillet install {directory}"
    wheel = distribution.replace("-", "_")
    return (
        f"rillet install dist/{wheel}-*.whl (the wheel `bash scripts/release.sh` builds in a clone "
        f"of rillet; {distribution} is not on PyPI yet)"
    )
