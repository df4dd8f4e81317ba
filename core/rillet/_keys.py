"""API keys: the keys file written by ``rillet keys set``, and key resolution."""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["keys_path", "load_keys", "resolve_key", "save_key", "user_dir"]


def user_dir() -> Path:
    """rillet's directory for user data: ``$RILLET_HOME`` or the platform config dir."""
    home = os.environ.get("RILLET_HOME")
    if home:
        return Path(home)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "rillet"


def keys_path() -> Path:
    """Where ``rillet keys set`` stores keys."""
    return user_dir() / "keys.json"


def load_keys() -> dict[str, str]:
    """The stored keys by provider name (empty when there is no keys file).

    A keys file that is not a JSON object raises :class:`ConfigurationError` naming it
    (never quoting it: it holds keys), rather than being read as empty and overwritten.
    """
    from ._errors import ConfigurationError

    path = keys_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read the keys file {path}: {getattr(exc, 'strerror', None) or type(exc).__name__}") from None
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        problem = f"{exc.msg} at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else "not JSON"
        raise ConfigurationError(
            f"the keys file {path} is not valid JSON ({problem}); fix it, or delete it and run `rillet keys set` again"
        ) from None
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"the keys file {path} holds a JSON {type(data).__name__}, not an object of provider names and keys; "
            "fix it, or delete it and run `rillet keys set` again"
        )
    return {str(k): str(v) for k, v in data.items()}


def save_key(provider: str, key: str) -> Path:
    """Store ``key`` for ``provider``; the file is created readable by its owner only."""
    path = keys_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = load_keys()
    keys[provider] = key
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(keys, file, indent=2)
    os.chmod(path, 0o600)
    return path


def resolve_key(provider: str, env_var: str | None, explicit: str | None = None) -> str | None:
    """The key in force: the explicit one, else the environment variable, else the keys file."""
    if explicit:
        return explicit
    if env_var and os.environ.get(env_var):
        return os.environ[env_var]
    return load_keys().get(provider)
