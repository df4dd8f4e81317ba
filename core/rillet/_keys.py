"""API keys: the keys file written by ``rillet keys set``, and key resolution."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ._errors import ConfigurationError

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
    """Store ``key`` for ``provider``; the file is readable by its owner only from its first byte.

    The directory is created with mode 0700 and the keys are written to a temporary file
    created with mode 0600, then renamed over ``keys.json``: no moment exists when the key
    is in a file others may read. A symbolic link at the keys path is refused
    (:class:`ConfigurationError`), rather than followed to wherever it points.
    """
    path = keys_path()
    if path.is_symlink():
        raise ConfigurationError(
            f"{path} is a symbolic link; rillet writes keys only to a file of its own: "
            f"remove the link (or set RILLET_HOME to another directory) and try again"
        )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = load_keys()
    keys[provider] = key
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".keys-", suffix=".json")  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as file:
            json.dump(keys, file, indent=2)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def resolve_key(provider: str, env_var: str | None, explicit: str | None = None) -> str | None:
    """The key in force: the explicit one, else the environment variable, else the keys file."""
    if explicit:
        return explicit
    if env_var and os.environ.get(env_var):
        return os.environ[env_var]
    return load_keys().get(provider)
