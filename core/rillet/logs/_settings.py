"""Where streams are logged and whether they are: ``RILLET_LOG``, ``RILLET_LOG_URL`` and the
``log`` setting that ``rillet logs on`` / ``rillet logs off`` write to ``settings.json``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .._keys import user_dir

__all__ = ["describe_location", "log_location", "logging_enabled", "set_logging_setting", "settings_path"]

_OFF = {"0", "false", "no", "off"}


def settings_path() -> Path:
    """The settings file in the app directory (``$RILLET_HOME/settings.json``)."""
    return user_dir() / "settings.json"


def _settings() -> dict[str, Any]:
    try:
        data = json.loads(settings_path().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def set_logging_setting(enabled: bool) -> Path:
    """Turn logging on or off for this app directory (the ``log`` setting); return the file."""
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = _settings()
    settings["log"] = enabled
    path.write_text(json.dumps(settings, indent=2) + "\n")
    return path


def logging_enabled(requested: object = None) -> bool:
    """Whether a stream is logged: ``requested`` (``log=`` of the call) when it is a bool,
    else ``RILLET_LOG`` when set, else the ``log`` setting (default on)."""
    if isinstance(requested, bool):
        return requested
    environment = os.environ.get("RILLET_LOG")
    if environment is not None and environment.strip():
        return environment.strip().lower() not in _OFF
    return _settings().get("log", True) is not False


def log_location() -> str:
    """The store in force: ``RILLET_LOG_URL`` (``postgresql://…``, ``sqlite:///path`` or a
    path), else ``logs.db`` in the app directory."""
    return os.environ.get("RILLET_LOG_URL") or str(user_dir() / "logs.db")


def describe_location(location: str) -> str:
    """``location`` fit to print: a URL's password is replaced by ``***``."""
    parts = urlsplit(location)
    if parts.password is None:
        return location
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}{port}"))
