"""Installed distributions made on disk for discovery tests: a ``*.dist-info`` directory
with METADATA and ``entry_points.txt``, found the way pip's installs are found."""

from __future__ import annotations

from pathlib import Path


def write_distribution(directory: Path, name: str, entry_points: dict[str, str], *, version: str = "1.0", group: str = "rillet") -> Path:
    """Write the metadata of distribution ``name`` declaring ``entry_points`` (``name → value``) under ``directory``."""
    info = directory / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nA test distribution.\n")
    lines = "".join(f"{entry} = {value}\n" for entry, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{group}]\n{lines}")
    return info
